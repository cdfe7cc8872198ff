"""Any Matrix event JSON through the translation and the core to the notice the bot sends."""

from __future__ import annotations

from typing import Any

import pytest

from bot.matrix.translate import InboundKind, RoomView, inbound
from tests.fuzz.explore import fuzz_strictly
from tests.fuzz.matrix import BOT, MatrixEntry, events
from tests.fuzz.tally import Tally, check_matrix_content


def test_no_event_crashes_and_every_notice_is_escaped_and_small() -> None:
    tally = fuzz_strictly(MatrixEntry(), events(), examples=250)
    assert tally.inputs >= 250
    assert 0 < tally.longest < 40_000


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("msgtype", {"a": 1}, InboundKind.UNSUPPORTED),  # was TypeError: unhashable type: 'dict'
        ("msgtype", [{}, {}], InboundKind.UNSUPPORTED),  # was TypeError: unhashable type: 'list'
        ("type", ["m.sticker"], InboundKind.IGNORE),
    ],
)
def test_a_type_or_msgtype_that_is_not_a_string(field: str, value: Any, kind: InboundKind) -> None:
    event: dict[str, Any] = {
        "type": "m.room.message", "sender": "@ana:x", "event_id": "$1",
        "content": {"msgtype": "m.text", "body": "hei"},
    }  # fmt: skip
    if field == "type":
        event["type"] = value
    else:
        event["content"]["msgtype"] = value
    assert inbound(event, RoomView(bot=BOT)).kind is kind


def test_the_markup_check_sees_a_tag_from_the_input() -> None:
    tally = Tally("check", 40_000, "bytes")
    check_matrix_content(tally, {"formatted_body": 'hei<br><a href="x">y</a>'}, "given")
    check_matrix_content(tally, {"formatted_body": "a &amp; b<br><em>c</em>"}, "given")
    check_matrix_content(tally, {"formatted_body": "a & b"}, "given")
    assert len(tally.leaks) == 2
