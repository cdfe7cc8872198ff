"""The terminal chat under hostile typing: nothing escapes, odd numbers get the chat's answers."""

from __future__ import annotations

from bot.terminal_chat import USER, TerminalChat, choice_number, is_typed_number
from handlers.core.events import ChatId, UserId
from tests.fuzz.core import NETWORK, Loop, fuzz_conversation
from tests.fuzz.explore import fuzz_strictly
from tests.fuzz.terminal import TerminalEntry, sessions


def test_no_typed_session_crashes_the_chat() -> None:
    tally = fuzz_strictly(TerminalEntry(), sessions, examples=150)
    assert tally.inputs >= 150
    assert not tally.problems()


def test_numbers_int_cannot_read_are_not_choices() -> None:
    for text in ("1" * 5000, "0" * 4400, "²", "①", "٣", "１２", "9" * 10):
        assert choice_number(text, 3) is None, text
    assert choice_number("0003", 3) == 3
    assert is_typed_number("1" * 5000)
    assert not is_typed_number("²")
    assert not is_typed_number("٣")


def test_a_5000_digit_number_gets_the_no_longer_valid_answer() -> None:
    conversation, fakes = fuzz_conversation(lambda n: UserId(f"t:{n}"), lambda n: ChatId(f"t:{n}"))
    shown: list[str] = []
    chat = TerminalChat(conversation, shown.append, "logical")
    loop = Loop()
    try:
        loop.run(lambda: chat.begin(NETWORK, "fi"))
        loop.run(lambda: chat.handle("/forget\n"))  # offers Yes / Cancel
        assert len(chat.actions) == 2
        for typed in ("1" * 5000, "7"):
            assert loop.run(lambda: chat.handle(typed + "\n"))  # noqa: B023 - run at once
            expected = conversation.invalid_choice(conversation.speaker("fi")).text
            assert shown[-1] == expected
        for typed in ("²", "①", "٣"):  # not a choice: asked as a question, answered
            before = len(shown)
            assert loop.run(lambda: chat.handle(typed + "\n"))  # noqa: B023 - run at once
            assert len(shown) > before
    finally:
        loop.close()
    assert fakes.profiles.profiles[USER].language == "fi"  # /forget was not confirmed
