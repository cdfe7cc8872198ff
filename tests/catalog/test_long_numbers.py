"""Numbers too long for Python's ``int()`` in a catalogue: refused or kept as text, no traceback."""

from __future__ import annotations

import pytest

from catalog.source import SourceError, parse_json, parse_yaml


def test_a_5000_digit_yaml_number_stays_a_string() -> None:
    # was ValueError: Exceeds the limit (4300 digits) for integer string conversion
    assert parse_yaml("count: " + "9" * 5000).data == {"count": "9" * 5000}
    assert parse_yaml("count: 12").data == {"count": 12}
    assert parse_yaml("count: " + "9" * 100).data == {"count": int("9" * 100)}


def test_a_tagged_5000_digit_yaml_number_is_refused() -> None:
    with pytest.raises(SourceError, match="cannot be read"):
        parse_yaml("count: !!int " + "9" * 5000)


def test_a_5000_digit_json_number_is_refused() -> None:
    with pytest.raises(SourceError, match="5000 digits"):
        parse_json('{"count": ' + "9" * 5000 + "}")
    assert parse_json('{"count": -12}').data == {"count": -12}
