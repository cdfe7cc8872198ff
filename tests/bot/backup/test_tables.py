"""Column values survive the trip through JSON whatever their type, and bad lines are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from bot.backup.tables import RowFormatError, decode_row, decode_value, encode_row, encode_value

VALUES = [
    None,
    True,
    0,
    -(2**62),
    "kielikahvila ☕ «عربي» \n\"quoted\"",
    1.5,
    float("inf"),
    datetime(2026, 11, 24, 8, 0, 1, 123456, tzinfo=UTC),
    datetime(2026, 11, 24, 18, 0),
    date(2026, 2, 28),
    time(18, 30),
    timedelta(days=-1, seconds=3600, microseconds=5),
    b"\x00\xffbytes",
    Decimal("12.50"),
    {"nested": [1, "two"]},
    ["a", 1],
]


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_each_value_round_trips(value: object) -> None:
    back = decode_value(encode_value(value))
    assert back == value
    assert type(back) is type(value)


def test_a_row_is_one_line() -> None:
    row = {"id": 7, "text": "a\nb", "at": datetime(2026, 1, 1, tzinfo=UTC)}
    line = encode_row(row)
    assert "\n" not in line
    assert decode_row(line, ["id", "text", "at"]) == row


@pytest.mark.parametrize(
    "line",
    ['{"id": 1, "nope": 2}', "[1, 2]", "not json", '{"id": {"$what": 1}}',
     '{"id": {"$date": "2026-13-01"}}', '{"id": {"$date": "x", "$time": "y"}}', '{"id": [1]}'],
)
def test_a_bad_line_is_refused(line: str) -> None:
    with pytest.raises(RowFormatError):
        decode_row(line, ["id"])


def test_an_unknown_type_is_not_written() -> None:
    with pytest.raises(TypeError):
        encode_value(object())
