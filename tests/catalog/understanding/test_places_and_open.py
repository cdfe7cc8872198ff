"""Towns spelt by ear or in another script, and "is it open" that is no background.

Written for these tests: a newcomer often writes a Finnish name with single letters
("Kirkonumi", "Hamenlina") and a Ukrainian writes ``Е`` where Russian writes ``Э``; "работает
ли …" asks whether something is open, it does not tell that someone works.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding import Understander
from catalog.understanding.lexicon import spelling_variants

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander()


def test_spelling_variants_single_the_doubled_letters_and_swap_cyrillic_e() -> None:
    assert "Kirkonumi" in spelling_variants("Kirkkonummi")
    assert "Еспоо" in spelling_variants("Эспоо")
    assert spelling_variants("Ii") == []  # too short to stay a name
    assert spelling_variants("Vaasa") == []


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("mitä tapahtuu Kirkonumella lauantaina?", "Kirkkonummi"),
        ("anything in Hamenlina on Friday?", "Hämeenlinna"),
        ("Що є в Еспоо в суботу?", "Espoo"),
        ("Що є в Кірконумі у неділю?", "Kirkkonummi"),
    ],
)
def test_a_town_spelt_by_ear_is_found(understander: Understander, text: str, place: str) -> None:
    assert understander.understand(text, now=NOW).municipalities == (place,)


@pytest.mark.parametrize(
    "text",
    [
        "Работает ли консультация для иммигрантов в Сочельник?",
        "Чи працює консультація для іммігрантів у Святвечір?",
    ],
)
def test_asking_whether_a_service_is_open_keeps_its_day(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "guidance" in query.kinds
    assert query.window is not None
    assert query.window.start == date(2026, 12, 24)


def test_a_word_of_the_language_spelt_like_a_town_is_the_word(understander: Understander) -> None:
    """Estonian ``lahti`` is "open": the question is about the café, not the town of Lahti."""
    asked = understander.understand("kas keelekohvik on homme lahti?", now=NOW)
    assert asked.municipalities == ()
    assert "language_club" in asked.kinds
    assert understander.understand("kas Lahtis on homme keelekohvik?", now=NOW).municipalities == (
        "Lahti",
    )
    assert understander.understand("onko Lahdessa kielikahvila?", now=NOW).municipalities == (
        "Lahti",
    )


def test_an_english_word_with_a_towns_stem_is_no_town(understander: Understander) -> None:
    """English "hang" has the stem of Swedish "Hangö" (Hanko); "Hangös" and "Hankoon" are it."""
    assert understander.understand("a club where people hang out?", now=NOW).municipalities == ()
    for text in ("finns det något i Hangös bibliotek?", "mitä Hankoon lauantaina?"):
        assert understander.understand(text, now=NOW).municipalities == ("Hanko",)
