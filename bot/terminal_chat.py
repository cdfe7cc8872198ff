"""The terminal chat: one more channel of the same conversation.

It drives :class:`~handlers.core.conversation.Conversation` like any other adapter.

What ``make run`` opens when no chat platform is configured. Everything works as on Telegram
and Matrix: onboarding, questions, ``/mydata``, ``/forget``, ``/remind``, ``/reminders``,
contact requests. Choices that chat apps show as buttons are numbered; typing the number
(ASCII digits) picks one, and a number that is not on offer gets the chat's "no longer valid"
answer; anything else starting with ``/`` is a command, the rest a question.
Reminders and notices that fall due while it runs are printed by :class:`TerminalSender`,
the outbox sender of the ``terminal`` channel; a request for a network whose coordinators
have no route configured goes to :data:`COORDINATOR` and is printed as what would be sent.

``/quit``, ``/exit``, Ctrl-D (end of input) and Ctrl-C all leave without a traceback.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

from bot.pacing import ChannelLimits, Pacing
from bot.terminal import BidiMode, for_terminal
from catalog.vocabulary import RIGHT_TO_LEFT
from handlers.core.conversation import Conversation
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
    UserId,
)
from handlers.core.numbers import ascii_number
from handlers.core.ports import OutboxSender, SendOutcome

CHANNEL = "terminal"
USER = UserId(f"{CHANNEL}:local")
CHAT = ChatId(f"{CHANNEL}:local")
COORDINATOR = ChatId(f"{CHANNEL}:coordinator")
"""Where requests go when their network has no coordinator chat or e-mail configured."""

QUIT = frozenset({"/quit", "/exit"})

#: One person reading: no platform limits, at most 20 messages a second.
TERMINAL_LIMITS = ChannelLimits(overall=20)

BANNER = "Tarjotin — /help, /language, /place, /mydata, /reminders, /quit"


def choices(reply: Reply) -> tuple[Action, ...]:
    """The reply's actions a typed number picks (links are printed, not chosen)."""
    return tuple(action for action in reply.actions if action.kind is not ActionKind.LINK)


def show(reply: Reply, actions: tuple[Action, ...], bidi: BidiMode) -> str:
    """A reply's text, its links and its numbered choices, in the terminal's bidi order."""
    lines = [reply.text]
    links = [action for action in reply.actions if action.kind is ActionKind.LINK]
    if links:
        lines.append("")
        lines += [f"{link.label}: {link.argument}" for link in links]
    if actions:
        lines.append("")
        lines += [f"[{number}] {action.label}" for number, action in enumerate(actions, 1)]
    return for_terminal("\n".join(lines), reply.language in RIGHT_TO_LEFT, bidi)


def choice_number(text: str, offered: int) -> int | None:
    """The choice a typed line picks: ASCII digits within the offered ones, else ``None``."""
    number = ascii_number(text)
    return number if number is not None and 1 <= number <= offered else None


def is_typed_number(text: str) -> bool:
    """Whether a line is only ASCII digits (of any length): meant as a choice, not a question."""
    return text.isascii() and text.isdecimal()


@dataclass
class TerminalChat:
    """One console user talking to the conversation; remembers the choices last offered."""

    conversation: Conversation
    write: Callable[[str], None]
    bidi: BidiMode = "logical"
    actions: tuple[Action, ...] = field(default=())
    user: UserId = USER
    """Who types here (one local user; tests play several people)."""

    async def begin(self, network: str | None, language: str | None) -> None:
        """Apply ``--network``/``--lang``, then onboard what is still missing."""
        self.write(BANNER)
        profile = await self.conversation.profile(self.user)
        wanted = replace(
            profile,
            language=language or profile.language,
            network=network or profile.network,
        )
        if wanted != profile:
            await self.conversation.profiles.save(wanted)
        if not wanted.onboarded:
            self.answer(await self.conversation.on_command(Command(self.user, CHAT, "start")))

    async def handle(self, line: str) -> bool:
        """Handle one typed line; ``False`` when the user wants to leave."""
        text = line.strip()
        if text.lower() in QUIT:
            return False
        if not text:
            return True
        number = choice_number(text, len(self.actions))
        if number is not None:
            action = self.actions[number - 1]
            choice = Choice(self.user, CHAT, action.kind, action.argument)
            self.answer(await self.conversation.on_choice(choice))
        elif self.actions and is_typed_number(text):
            reply = await self.invalid_choice()  # the offer still stands: type again
            self.write(show(reply, reply.actions, self.bidi))
        elif text.startswith("/") and len(text) > 1:
            name, _, argument = text[1:].partition(" ")
            command = Command(self.user, CHAT, name, argument)
            self.answer(await self.conversation.on_command(command))
        else:
            message = IncomingMessage(self.user, CHAT, text)
            self.answer(await self.conversation.on_message(message))
        return True

    async def invalid_choice(self) -> Reply:
        """The chat's localised answer to a choice that is not on offer; nothing changes."""
        conversation = self.conversation
        profile = await conversation.profile(USER)
        return conversation.invalid_choice(conversation.speaker(profile.language))

    def answer(self, replies: list[Reply]) -> None:
        """Print the replies; the last one's choices are the ones a number picks."""
        for reply in replies:
            self.actions = choices(reply)
            self.write(show(reply, self.actions, self.bidi))
            if reply.document is not None:  # no files in a terminal: keep it beside the data
                self.write(f"[{reply.document.filename}: {len(reply.document.content)} bytes]")


@dataclass
class TerminalSender:
    """The outbox sender of the terminal: prints reminders, notices and forwarded requests."""

    write: Callable[[str], None]
    bidi: BidiMode = "logical"

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Print one message; a coordinator's is marked as what would be sent to them."""
        text = show(reply, (), self.bidi)
        if chat == COORDINATOR:
            self.write(f"--- to the coordinator (no route configured; not sent) ---\n{text}\n---")
        elif chat == CHAT:
            self.write(f"--- 🔔 ---\n{text}\n---")
        else:
            return SendOutcome.failed(f"not the terminal's chat: {chat}")
        return SendOutcome.delivered()


def terminal_senders(sender: TerminalSender) -> dict[str, tuple[OutboxSender, Pacing]]:
    """The terminal's outbox sender with its pacing, as the reminder service takes them."""
    return {CHANNEL: (sender, Pacing.of(TERMINAL_LIMITS))}


def line_reader(stream: TextIO, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines of ``stream`` read by a daemon thread; ``None`` at the end of input.

    A daemon thread, so that a Ctrl-C while it waits for a line ends the program at once.
    """
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(lines.put_nowait, line)
        except (OSError, ValueError, UnicodeDecodeError):
            pass
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="terminal input", daemon=True).start()
    return lines


async def run_chat(
    chat: TerminalChat,
    lines: asyncio.Queue[str | None],
    prompt: Callable[[], None] = lambda: None,
) -> None:
    """The read–answer loop; ends on /quit, /exit or the end of input."""
    while True:
        prompt()
        line = await lines.get()
        if line is None or not await chat.handle(line):
            return


def prompt_on(stream: TextIO) -> Callable[[], None]:
    """Show ``> `` before each line when a person types (not when input is piped)."""

    def prompt() -> None:
        if stream.isatty():
            sys.stdout.write("> ")
            sys.stdout.flush()

    return prompt
