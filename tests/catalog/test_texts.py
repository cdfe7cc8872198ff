"""FORMAT.md's fallback: reader's language, English, Finnish, any other."""

from __future__ import annotations

import pytest

from catalog.texts import pick_text


@pytest.mark.parametrize(
    ("versions", "reader", "expected"),
    [
        ({"fi": "Kerho", "en": "Club", "ar": "نادي"}, "ar", "ar"),
        ({"fi": "Kerho", "en": "Club"}, "ar", "en"),
        ({"sv": "Klubb", "fi": "Kerho"}, "so", "fi"),
        ({"sv": "Klubb", "uk": "Клуб"}, "so", "sv"),
        ({"fi": "Kerho", "fi-x-plain": "Kerho (selko)"}, "fi-x-plain", "fi-x-plain"),
        ({"fi": "Kerho", "en": "Club"}, "fi-x-plain", "fi"),
        ({"fi-x-plain": "Helppo kerho", "en": "Club"}, "fi", "fi-x-plain"),
    ],
)
def test_fallback_order(versions: dict[str, str], reader: str, expected: str) -> None:
    shown = pick_text(tuple(versions.items()), reader)
    assert shown is not None
    assert shown.language == expected
    assert shown.text == versions[expected]


def test_empty_text_gives_nothing() -> None:
    assert pick_text((), "fi") is None


def test_plain_finnish_reader_reads_standard_finnish_as_own_language() -> None:
    shown = pick_text((("fi", "Kerho"),), "fi-x-plain")
    assert shown is not None
    assert shown.is_in("fi-x-plain")
    assert not shown.is_in("en")
