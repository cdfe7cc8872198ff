"""Readings that depend on where words stand: negated languages and stated ages."""

import pytest

from catalog.understanding.lexicon import Hit, load_lexicon
from catalog.understanding.mentions import drop_negated_languages, stated_age
from catalog.understanding.normalise import tokenise


def read(language: str, text: str) -> tuple[list[Hit], list[str]]:
    tokens = tokenise(text, language)
    hits = load_lexicon(language).match(tokens)
    meant = drop_negated_languages(hits, tokens)
    return meant, [hit.concept for hit in meant]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "my mum doesn't speak Finnish"),
        ("fi", "isä ei osaa suomea"),
        ("tr", "babam Fince bilmiyor"),
        ("ru", "мама не говорит по-фински"),
        ("zh", "我爸爸不会说芬兰语"),
        ("fa", "پدرم فنلاندی بلد نیست"),
        ("ar", "أبي لا يتكلم الفنلندية"),
        ("so", "aabbahay ma yaqaan af-finnish"),
    ],
)
def test_a_language_someone_does_not_speak_is_no_constraint(language: str, text: str) -> None:
    _, found = read(language, text)
    assert not [c for c in found if c.startswith(("lang.", "spoken."))]


def test_only_the_negated_language_is_dropped() -> None:
    _, found = read("en", "I don't speak Finnish, is there anything in English here?")
    assert "spoken.en" in found
    assert "lang.fi" not in found


def test_a_language_without_negation_stays() -> None:
    _, found = read("fi", "äiti puhuu vain arabiaa")
    assert "lang.ar" in found


@pytest.mark.parametrize(
    ("language", "text", "age"),
    [
        ("en", "my 15-year-old son", 15),
        ("en", "for kids aged 7", 7),
        ("fi", "14-vuotiaalle tytölle", 14),
        ("et", "mu 16-aastane poeg", 16),
        ("ru", "сыну 13 лет", 13),
        ("es", "mi hija de 12 años", 12),
        ("tr", "15 yaşındaki oğlum", 15),
        ("zh", "我儿子15岁", 15),
        ("ar", "ابني عمره ١٤ سنة", 14),
        ("fa", "پسر ۱۶ ساله", 16),
        ("so", "wiilkayga 15 sano jira", 15),
    ],
)
def test_an_age_is_a_number_next_to_an_age_word(language: str, text: str, age: int) -> None:
    tokens = tokenise(text, language)
    assert stated_age(load_lexicon(language).match(tokens), tokens) == age


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I have lived here for 5 years"),  # years, but of no one
        ("es", "vivo aquí desde hace 5 años"),
        ("en", "my son goes to class 3 times a week"),
        ("fi", "kaksi lasta"),
    ],
)
def test_a_number_of_years_without_a_person_is_no_age(language: str, text: str) -> None:
    tokens = tokenise(text, language)
    assert stated_age(load_lexicon(language).match(tokens), tokens) is None
