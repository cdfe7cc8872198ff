"""The terminal chat's entry: typed lines, as ``tarjotin chat`` reads them from its input."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.terminal_chat import TerminalChat
from handlers.core.events import ChatId, UserId
from tests.fuzz.core import NETWORK, fuzz_conversation
from tests.fuzz.tally import Tally
from tests.fuzz.texts import NUMBERS, hostile_text, language_codes

#: A line as the reader hands it over: no line break inside, one at the end.
lines = st.one_of(
    hostile_text,
    st.sampled_from(NUMBERS),
    st.builds("/{} {}".format, st.sampled_from(("more", "remind", "reminders", "start", "help",
              "forget", "language", "place", "volunteer", "x")), hostile_text),
).map(lambda text: text.replace("\r", " ").replace("\n", " ") + "\n")  # fmt: skip

sessions = st.tuples(language_codes, st.lists(lines, min_size=1, max_size=4))


class TerminalEntry:
    """A terminal chat over the fuzz core; each input is a short session of typed lines."""

    def __init__(self) -> None:
        conversation, _ = fuzz_conversation(
            lambda n: UserId(f"fuzz:{n}"), lambda n: ChatId(f"fuzz:{n}")
        )
        self.shown: list[str] = []
        self.chat = TerminalChat(conversation, self.shown.append, "visual")
        self.tally = Tally("terminal chat", None, "characters")

    async def feed(self, given: tuple[str | None, list[str]]) -> None:
        """Start (with ``--lang``), then type each line; ``/quit`` is left for the end."""
        language, typed = given
        self.shown.clear()
        await self.chat.begin(NETWORK, language)
        for line in typed:
            if not await self.chat.handle(line):
                break
        for text in self.shown:
            self.tally.measure(len(text), given, "a printed reply")
