"""Command arguments: every command of the flow table, typed by people of every role.

Each reply is rendered for Telegram (HTML, split, buttons encoded) and for Matrix (the notice
the channel would send); the tally measures the Telegram messages against their 4096 UTF-16
units and counts any markup leak or oversized event on either.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from bot.matrix.translate import notice_content, offered_actions, render
from bot.telegram.callbacks import CallbackCodec, UnencodableError
from bot.telegram.translate import MAX_MESSAGE_UTF16, render_reply
from handlers.core.events import Action, ChatId, Command, Reply, UserId
from tests.fuzz.core import COORDINATOR_CHAT, NOW, PEOPLE, fuzz_conversation
from tests.fuzz.tally import Tally, check_callback_data, check_matrix_content, check_telegram_html
from tests.fuzz.texts import hostile_text, language_codes
from tests.wiring import declared_table

SECRET = b"tarjotin-fuzz-secret-0123456789abcdef"
COMMAND_NAMES = tuple(sorted(declared_table().command_names))


def person(number: int) -> UserId:
    """The fuzz core's person ``number``."""
    return UserId(f"telegram:{number}")


def chat(number: int) -> ChatId:
    """The fuzz core's chat ``number`` (private chats share the person's number)."""
    return ChatId(f"telegram:{number}")


@dataclass(frozen=True)
class Typed:
    """One command as typed: by whom, where, which command (in any case) and its argument."""

    person: int
    name: str
    argument: str
    in_group: bool
    hint: str | None


typed_commands = st.builds(
    Typed,
    st.sampled_from(PEOPLE),
    st.one_of(
        st.sampled_from(COMMAND_NAMES),
        st.sampled_from(COMMAND_NAMES).map(str.upper),
        st.sampled_from(("", "nosuch", "Start")),
    ),
    hostile_text,
    st.integers(0, 3).map(lambda n: n == 0),
    language_codes,
)


def check_replies(
    tally: Tally, codec: CallbackCodec, replies: list[Reply], commands: frozenset[str],
    given: object,
) -> None:  # fmt: skip
    """Render each reply for Telegram and for Matrix and check both."""

    def encode(action: Action) -> str | None:
        try:
            return codec.encode(action.kind, action.argument, 1)
        except UnencodableError:
            return None

    for reply in replies:
        for part in render_reply(reply, encode):
            check_telegram_html(tally, part.html, given)
            for row in part.keyboard.inline_keyboard if part.keyboard is not None else ():
                for button in row:
                    check_callback_data(tally, str(button.callback_data or ""), given)
        actions = offered_actions(reply)
        plain, markup = render(reply, actions, "hint" if actions else None, commands)
        matrix = Tally("Matrix", tally.limit, "")
        check_matrix_content(matrix, notice_content(plain, markup, answer_to="$e"), given)
        tally.leaks += matrix.leaks


class CommandEntry:
    """Every command with random argument text, in several languages and roles."""

    def __init__(self) -> None:
        self.conversation, _ = fuzz_conversation(person, lambda n: chat(-n))
        self.codec = CallbackCodec(SECRET, clock=NOW.timestamp)
        self.tally = Tally("command arguments", MAX_MESSAGE_UTF16, "UTF-16 units")

    async def feed(self, given: Typed) -> None:
        """Hand the command to the core as an adapter would; check what it answers."""
        where = chat(-COORDINATOR_CHAT) if given.in_group else chat(given.person)
        command = Command(
            person(given.person), where, given.name.lower(), given.argument.strip(), given.hint,
            in_group=given.in_group,
        )  # fmt: skip
        replies = await self.conversation.on_command(command)
        commands = self.conversation.flows.command_names
        check_replies(self.tally, self.codec, replies, commands, given)
