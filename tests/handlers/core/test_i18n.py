"""Language names as a reader sees them."""

from __future__ import annotations

import pytest

from catalog.vocabulary import PLAIN_FINNISH, SUPPORTED_LANGUAGES
from handlers.core.i18n import Translator


@pytest.mark.parametrize("reader", SUPPORTED_LANGUAGES)
def test_every_language_has_a_name_of_its_own_for_every_reader(reader: str) -> None:
    speaker = Translator().speaker(reader)
    names = [speaker.language_name(code) for code in SUPPORTED_LANGUAGES]
    assert len(set(names)) == len(names)


def test_plain_finnish_is_named_as_such() -> None:
    assert Translator().speaker("fi").language_name(PLAIN_FINNISH) == "selkosuomi"
    assert Translator().speaker("en").language_name(PLAIN_FINNISH) == "Plain Finnish"
