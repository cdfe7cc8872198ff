"""Numbers from typing and buttons: ASCII digits of bounded length, nothing else."""

from __future__ import annotations

import pytest

from handlers.core.events import ActionKind, ChatId, Choice, UserId
from handlers.core.numbers import ascii_number
from tests.fuzz.core import PEOPLE, Loop, fuzz_conversation


def test_only_ascii_digits_of_bounded_length_are_numbers() -> None:
    assert ascii_number("0") == 0
    assert ascii_number("007") == 7
    assert ascii_number("123456789") == 123456789
    assert ascii_number("1234", max_digits=4) == 1234
    refused = ("", "²", "①", "٣", "١٢", "１２", "1.5", "-1", "+1", " 1", "1e9", "1234567890")
    assert [ascii_number(text) for text in refused] == [None] * len(refused)
    assert ascii_number("1" * 5000) is None
    assert ascii_number("12345", max_digits=4) is None


@pytest.mark.parametrize(
    ("kind", "argument"),
    [  # each was a ValueError from int() on str.isdigit() text
        (ActionKind.STOP_REMINDERS, "²"),
        (ActionKind.STOP_REMINDERS, "1" * 5000),
        (ActionKind.REMINDER_TIMES, "²:before-60m"),
        (ActionKind.REQUEST, "close:²"),
        (ActionKind.STAFF, "inv-page:²"),
        (ActionKind.STAFF, "roles:²"),
        (ActionKind.VOLUNTEER, "opage:²"),
        (ActionKind.VOLUNTEER, "apage:①"),
        (ActionKind.VOLUNTEER, "org:٣"),
        (ActionKind.MORE, "1" * 5000),
    ],
)
def test_a_choice_with_a_number_int_cannot_read_gets_an_answer(
    kind: ActionKind, argument: str
) -> None:
    conversation, _ = fuzz_conversation(lambda n: UserId(f"t:{n}"), lambda n: ChatId(f"t:{n}"))
    loop = Loop()
    try:
        for number in PEOPLE:
            choice = Choice(UserId(f"t:{number}"), ChatId(f"t:{number}"), kind, argument)
            replies = loop.run(lambda: conversation.on_choice(choice))  # noqa: B023 - at once
            assert replies, (number, kind, argument)
    finally:
        loop.close()
