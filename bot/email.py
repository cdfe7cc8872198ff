"""The outbox's ``email`` channel: contact requests mailed to coordinators over SMTP.

The outbox chat of an address is ``email:<address>``. Each :class:`Reply` becomes a plain-text
UTF-8 e-mail whose subject is ``Tarjotin: `` and the reply's first line; its Message-ID is
derived from the idempotency key, so a retried send is recognisably the same message. SMTP
answers are mapped to outcomes the outbox understands: connection trouble, time-outs and
``4xx`` are retried, a ``5xx`` refusal of the recipient or of the message is final.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

import aiosmtplib

from bot.config import Settings
from bot.log_ids import key_label
from bot.pacing import ChannelLimits
from handlers.core.events import ChatId, Reply
from handlers.core.ports import SendOutcome

log = logging.getLogger(__name__)

CHANNEL = "email"

EMAIL_LIMITS = ChannelLimits(overall=5, overall_window=2.5, concurrency=1)
"""Requests are few; one connection at a time keeps a small SMTP relay happy."""
SUBJECT_PREFIX = "Tarjotin: "
#: Subjects longer than this are cut (mail clients show about this much anyway).
SUBJECT_LIMIT = 120

_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def address_of(chat: ChatId) -> str | None:
    """The address of an ``email:<address>`` chat, or ``None`` when it is not a safe address."""
    channel, _, address = str(chat).partition(":")
    if channel != CHANNEL or not _ADDRESS.match(address):
        return None
    return address


def subject_of(reply: Reply) -> str:
    """``Tarjotin: `` and the reply's first line, cut to :data:`SUBJECT_LIMIT`."""
    first = reply.text.strip().splitlines()[0].strip() if reply.text.strip() else ""
    if len(first) > SUBJECT_LIMIT:
        first = first[: SUBJECT_LIMIT - 1].rstrip() + "…"
    return SUBJECT_PREFIX + first


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID that is the same for every attempt of one outbox row."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def render(reply: Reply, to: str, sender: str, idempotency_key: str) -> EmailMessage:
    """The reply as a plain-text UTF-8 e-mail."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject_of(reply)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(idempotency_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = reply.language
    message.set_content(reply.text, charset="utf-8")
    return message


def outcome_of(error: Exception) -> SendOutcome:
    """How an SMTP error ends one attempt.

    A ``5xx`` refusal of the recipient or of the message itself fails the message; anything
    else (refused connections, time-outs, ``4xx``, a rejected login or sender, which are the
    server's or the configuration's trouble rather than this message's) is retried.
    """
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        if codes and all(500 <= code < 600 for code in codes):
            return SendOutcome.failed(f"recipient refused ({codes[0]})")
        return SendOutcome.transient(f"recipient deferred ({codes[0] if codes else '?'})")
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        if 500 <= error.code < 600:
            return SendOutcome.failed(f"refused ({error.code})")
        return SendOutcome.transient(f"deferred ({error.code})")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return SendOutcome.transient(f"smtp {error.code}")
    return SendOutcome.transient(type(error).__name__)


@dataclass(frozen=True)
class SmtpSender:
    """An :class:`~handlers.core.ports.OutboxSender` for the ``email`` channel, over aiosmtplib."""

    host: str
    port: int = 25
    sender: str = "tarjotin@localhost"
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log or a traceback
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender:
        """A sender configured by the ``smtp_*`` settings (which must name a host)."""
        if settings.smtp_host is None:
            raise ValueError("smtp_host is not set")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=password,
            starttls=settings.smtp_starttls,
        )

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Mail ``reply`` to the chat's address; never raises for SMTP or network trouble."""
        address = address_of(chat)
        if address is None:
            return SendOutcome.failed("not an e-mail chat")
        message = render(reply, address, self.sender, idempotency_key)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            outcome = outcome_of(error)
            log.warning("e-mail %s not sent: %s", key_label(idempotency_key), outcome.error)
            return outcome
        return SendOutcome.delivered(str(message["Message-ID"]))
