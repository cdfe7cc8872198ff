"""Normalisation, tokenising and stemming: the two sides of every match meet here."""

import pytest

from catalog.understanding.normalise import (
    arabic_variants,
    fold,
    normalise,
    stem_ukrainian,
    stemmer,
    suffix_variants,
    tokenise,
    words,
)


def test_arabic_letter_variants_become_one_spelling() -> None:
    assert normalise("إسبو") == normalise("اسبو")
    assert normalise("كيف") == normalise("کیف")  # Arabic kaf/yeh and Persian kaf/yeh


def test_zero_width_non_joiner_separates_persian_suffixes() -> None:
    assert words(normalise("خانم‌ها")) == ["خانم", "ها"]


def test_turkish_dotted_capital_i_is_a_plain_i() -> None:
    assert normalise("İstanbul") == "istanbul"


def test_apostrophes_split_french_but_not_ukrainian_words() -> None:
    assert words(normalise("l'aide aux devoirs")) == ["l", "aide", "aux", "devoirs"]
    assert words(normalise("у п’ятницю")) == ["у", "п'ятницю"]


def test_hyphens_split_compounds_into_words() -> None:
    assert words(normalise("äiti-lapsiryhmä af-Soomaali")) == [
        "äiti",
        "lapsiryhmä",
        "af",
        "soomaali",
    ]


def test_han_runs_are_kept_whole_and_apart_from_latin() -> None:
    tokens = tokenise("Espoo有中文活动吗", "zh")
    assert [(t.text, t.han) for t in tokens] == [("espoo", False), ("有中文活动吗", True)]


def test_fold_drops_latin_diacritics_but_keeps_cyrillic_letters() -> None:
    assert fold("hämeenlinna") == "hameenlinna"
    assert fold("çocuklar") == "cocuklar"
    assert fold("йога") == "йога"


@pytest.mark.parametrize(
    "forms",
    [
        ["діти", "дітей", "дітям", "дітьми"],
        ["жінки", "жінкам"],
        ["сім'я", "сімей", "сім'ї"],
        ["волонтер", "волонтером", "волонтерити"],
        ["консультація", "консультацію", "консультації"],
        ["курси", "курсів"],
    ],
)
def test_ukrainian_inflected_forms_share_a_stem(forms: list[str]) -> None:
    assert len({stem_ukrainian(form) for form in forms}) == 1


def test_ukrainian_stems_keep_at_least_three_letters() -> None:
    assert len(stem_ukrainian("їх")) == 2  # too short to strip anything
    assert stem_ukrainian("ліс") == "ліс"


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("fi", ["kielikerhoon", "kielikerhossa", "kielikerho"]),
        ("ru", ["координатором", "координатор"]),
        ("tr", ["çocuklar", "çocuklara"]),
    ],
)
def test_snowball_stems_meet_for_inflected_forms(language: str, forms: list[str]) -> None:
    stem = stemmer(language)
    assert len({stem(form) for form in forms}) == 1


def test_arabic_stemmer_removes_clitics_and_article() -> None:
    stem = stemmer("ar")
    assert stem(normalise("للنساء")) == stem(normalise("النساء")) == stem(normalise("نساء"))


def test_arabic_variants_peel_prefixes_in_turn() -> None:
    assert normalise("اسبو") in arabic_variants(normalise("بإسبو"))
    assert arabic_variants("في") == ("في",)  # too short to peel


def test_languages_without_stemmer_return_the_word() -> None:
    assert stemmer("so")("carruurta") == "carruurta"
    assert stemmer("zh")("孩子") == "孩子"


@pytest.mark.parametrize(
    ("word", "language", "variant"),
    [
        ("اقامتم", "fa", "اقامت"),  # my residence
        ("درساش", "fa", "درس"),  # his lessons
        ("پولمو", "fa", "پول"),  # my money (object)
        ("إقامتي", "ar", "اقامة"),  # my residence: ة is written ت before the ending
    ],
)
def test_possessive_endings_are_peeled_where_the_stemmer_leaves_them(
    word: str, language: str, variant: str
) -> None:
    assert variant in suffix_variants(normalise(word), language)


def test_no_endings_are_peeled_in_languages_whose_stemmer_handles_them() -> None:
    assert suffix_variants("kirjani", "fi") == ()
    assert suffix_variants("بچه", "fa") == ()  # too short to have an ending


def test_the_arabic_stem_keeps_a_first_letter_that_only_looks_like_a_particle() -> None:
    stem = stemmer("ar")
    assert stem(normalise("فيلم")).startswith("ف")  # film, not "and" + ...
    assert stem(normalise("فريق")) != stem(normalise("ريق"))
    assert stem(normalise("للنساء")) == stem(normalise("نساء"))  # the article still goes
