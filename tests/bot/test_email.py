"""The e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from bot.config import Settings
from bot.email import SmtpSender, address_of, message_id, subject_of
from handlers.core.events import ChatId, Reply
from handlers.core.ports import Outcome

COORDINATOR = ChatId("email:kotoutuminen@example.fi")
PERSIAN = "سلام، من به کلاس زبان نیاز دارم. لطفاً کمک کنید."
ARABIC = "مرحبا، أريد أن أتعلم اللغة الفنلندية."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Handler:
    """An aiosmtpd handler that answers RCPT with ``rcpt`` and stores what it accepts."""

    rcpt: str = "250 OK"
    data: str = "250 Message accepted"
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if not self.data.startswith("250"):
            return self.data
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return self.data


@dataclass
class Server:
    handler: Handler
    port: int


@pytest.fixture
def server() -> Iterator[Server]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Server(handler, port)
    finally:
        controller.stop()


def sender(port: int, **extra: Any) -> SmtpSender:
    return SmtpSender(host="127.0.0.1", port=port, sender="tarjotin@example.org", **extra)


def parsed(raw: bytes) -> EmailMessage:
    mail = message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    return mail


async def test_delivers_utf8_text_intact(server: Server) -> None:
    text = f"Contact request K-4821\nLanguage: persia\n\n{PERSIAN}\n{ARABIC}"
    outcome = await sender(server.port).send(COORDINATOR, Reply(text, "fi"), "request:7:email:x:0")
    assert outcome.outcome is Outcome.DELIVERED
    [(mail_from, rcpt, raw)] = server.handler.received
    assert mail_from == "tarjotin@example.org"
    assert rcpt == ["kotoutuminen@example.fi"]
    mail = parsed(raw)
    body = mail.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert PERSIAN in content
    assert ARABIC in content
    assert body.get_content_charset() == "utf-8"
    assert str(make_header(decode_header(mail["Subject"]))) == "Tarjotin: Contact request K-4821"
    assert mail["To"] == "kotoutuminen@example.fi"
    assert mail["Message-ID"] == message_id("request:7:email:x:0", "tarjotin@example.org")
    assert outcome.message_id == mail["Message-ID"]


async def test_a_non_latin_first_line_makes_an_encoded_subject(server: Server) -> None:
    outcome = await sender(server.port).send(COORDINATOR, Reply(f"{PERSIAN}\nmore", "fa"), "k")
    assert outcome.outcome is Outcome.DELIVERED
    mail = parsed(server.handler.received[0][2])
    assert str(make_header(decode_header(mail["Subject"]))) == f"Tarjotin: {PERSIAN}"


async def test_retries_reuse_one_message_id(server: Server) -> None:
    smtp = sender(server.port)
    await smtp.send(COORDINATOR, Reply("a", "en"), "request:1:email:x:0")
    await smtp.send(COORDINATOR, Reply("a", "en"), "request:1:email:x:0")
    await smtp.send(COORDINATOR, Reply("a", "en"), "request:1:email:x:1")
    ids = [parsed(raw)["Message-ID"] for _, _, raw in server.handler.received]
    assert ids[0] == ids[1] != ids[2]


async def test_recipient_refused_permanently_fails(server: Server) -> None:
    server.handler.rcpt = "550 5.1.1 No such mailbox"
    outcome = await sender(server.port).send(COORDINATOR, Reply("x", "en"), "k")
    assert outcome.outcome is Outcome.FAILED
    assert server.handler.received == []


async def test_recipient_deferred_is_retried(server: Server) -> None:
    server.handler.rcpt = "451 4.3.0 Try again later"
    outcome = await sender(server.port).send(COORDINATOR, Reply("x", "en"), "k")
    assert outcome.outcome is Outcome.TRANSIENT
    assert server.handler.received == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("554 5.7.1 Message rejected", Outcome.FAILED),
        ("452 4.3.1 Out of storage", Outcome.TRANSIENT),
    ],
)
async def test_the_answer_to_the_message_decides(
    server: Server, answer: str, expected: Outcome
) -> None:
    server.handler.data = answer
    outcome = await sender(server.port).send(COORDINATOR, Reply("x", "en"), "k")
    assert outcome.outcome is expected


async def test_server_down_is_transient() -> None:
    outcome = await sender(free_port()).send(COORDINATOR, Reply("x", "en"), "k")
    assert outcome.outcome is Outcome.TRANSIENT
    assert "Connect" in outcome.error


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that accepts connections and never greets: the client must time out."""
    clients: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.append(writer)

    listener = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(listener.sockets[0].getsockname()[1])
    finally:
        for writer in clients:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_a_silent_server_times_out_as_transient(silent_port: int) -> None:
    outcome = await sender(silent_port, timeout=0.3).send(COORDINATOR, Reply("x", "en"), "k")
    assert outcome.outcome is Outcome.TRANSIENT
    assert "Timeout" in outcome.error


@pytest.mark.parametrize(
    "chat",
    [
        "telegram:123",
        "email:",
        "email:no-at-sign",
        "email:a@b.fi\r\nBcc: victim@example.org",
        "email:a@b.fi, c@d.fi",
    ],
)
async def test_unsafe_or_foreign_chats_fail_without_sending(server: Server, chat: str) -> None:
    outcome = await sender(server.port).send(ChatId(chat), Reply("x", "en"), "k")
    assert outcome.outcome is Outcome.FAILED
    assert server.handler.received == []


def test_address_of_reads_only_email_chats() -> None:
    assert address_of(COORDINATOR) == "kotoutuminen@example.fi"
    assert address_of(ChatId("matrix:!room:example.org")) is None


def test_long_first_lines_are_cut_in_the_subject() -> None:
    subject = subject_of(Reply("x" * 500 + "\nrest", "en"))
    assert subject.startswith("Tarjotin: x")
    assert len(subject) < 200
    assert subject.endswith("…")


def test_from_settings_uses_the_smtp_fields() -> None:
    settings = Settings(
        smtp_host="mail.example.org",
        smtp_port=587,
        smtp_user="bot",
        smtp_password=SecretStr("s3cret"),
        smtp_from="tarjotin@example.org",
        smtp_starttls=True,
    )
    smtp = SmtpSender.from_settings(settings)
    assert (smtp.host, smtp.port, smtp.user, smtp.password, smtp.sender, smtp.starttls) == (
        "mail.example.org",
        587,
        "bot",
        "s3cret",
        "tarjotin@example.org",
        True,
    )


def test_from_settings_needs_a_host() -> None:
    with pytest.raises(ValueError, match="smtp_host"):
        SmtpSender.from_settings(Settings(smtp_host=None))


def test_the_smtp_password_never_shows_in_a_repr() -> None:
    sender = SmtpSender("127.0.0.1", user="bot", password="s3cret-pw")
    assert "s3cret-pw" not in repr(sender)
