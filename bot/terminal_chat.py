"""The terminal chat: the same core as Telegram and Matrix, in a console.

Choices that chat apps show as buttons are shown as numbered options; typing the number picks
one. Anything else is a question. ``/language CODE``, ``/place``, ``/help`` and ``/quit`` work
as on the chat platforms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.terminal import BidiMode, for_terminal
from catalog.model import Catalogue
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.assistant import Answer, Assistant
from handlers.events import Action, ActionKind, Reply
from handlers.formatting import localised

Clock = Callable[[], datetime]


@dataclass
class TerminalChat:
    """One console conversation: remembers the language, network and last answer."""

    assistant: Assistant
    clock: Clock
    network: str | None = None
    language: str | None = None
    bidi: BidiMode = "visual"
    last: Answer | None = None
    actions: tuple[Action, ...] = field(default=())

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue the assistant answers from."""
        return self.assistant.catalogue

    def show(self, reply: Reply) -> str:
        """Reply text plus numbered choices, ready for the terminal."""
        self.actions = tuple(a for a in reply.actions if a.kind is not ActionKind.REMIND)
        lines = [reply.text]
        if self.actions:
            lines.append("")
            lines += [f"[{i}] {action.label}" for i, action in enumerate(self.actions, start=1)]
        rtl = self.assistant.translator.speaker(reply.language).right_to_left
        return for_terminal("\n".join(lines), rtl, self.bidi)

    def network_menu(self) -> str:
        """The list of networks to choose from."""
        speaker = self.assistant.translator.speaker(self.language or "en")
        self.actions = tuple(
            Action(ActionKind.CHOOSE_NETWORK, localised(n.name, speaker, say_language=False), n.id)
            for n in self.catalogue.networks
        )
        lines = [speaker.gettext("Where do you live? Type a number:")]
        lines += [f"[{i}] {a.label}" for i, a in enumerate(self.actions, start=1)]
        return for_terminal("\n".join(lines), speaker.right_to_left, self.bidi)

    def handle(self, line: str) -> str | None:
        """Handle one typed line; ``None`` means the user wants to leave."""
        text = line.strip()
        if text in ("/quit", "/exit"):
            return None
        if text.isdigit() and 1 <= int(text) <= len(self.actions):
            return self.choose(self.actions[int(text) - 1])
        if text.startswith("/language"):
            code = text.partition(" ")[2].strip()
            if code in SUPPORTED_LANGUAGES:
                self.language = code
                return f"OK: {code}"
            return "/language " + " | ".join(SUPPORTED_LANGUAGES)
        if text in ("/place", "/network"):
            return self.network_menu()
        if text in ("/help", "/start"):
            text = ""
        self.last = self.assistant.answer(
            text, now=self.clock(), network_id=self.network, saved_language=self.language
        )
        return self.show(self.last.reply)

    def choose(self, action: Action) -> str:
        """Carry out a numbered choice."""
        if action.kind is ActionKind.CHOOSE_NETWORK:
            self.network = action.argument
            return f"✓ {action.label}"
        if action.kind is ActionKind.MORE and self.last is not None:
            self.last = self.assistant.page(
                self.last, int(action.argument or 0), self.clock(), self.network
            )
            return self.show(self.last.reply)
        if action.kind is ActionKind.SHOW:
            return self.handle_activity(action.argument)
        language = self.last.query.language if self.last else (self.language or "en")
        speaker = self.assistant.translator.speaker(language)
        network = self.catalogue.network(self.network) if self.network else None
        if action.kind is ActionKind.OTHER_DAY:
            return speaker.gettext("Which day? For example: tomorrow, Saturday, next week.")
        return self.show(self.assistant.contact_reply(speaker, network))

    def handle_activity(self, activity_id: str) -> str:
        """Show one activity's next occurrence and details."""
        language = self.last.query.language if self.last else (self.language or "en")
        reply = self.assistant.activity_reply(activity_id, language, self.clock())
        return self.show(reply)


def run_chat(chat: TerminalChat, read: Callable[[str], str], write: Callable[[str], None]) -> None:
    """The read–answer loop; ends on /quit or end of input."""
    write("Tarjotin — /help, /language CODE, /place, /quit")
    if chat.network is None:
        write(chat.network_menu())
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        answer = chat.handle(line)
        if answer is None:
            return
        write(answer)
