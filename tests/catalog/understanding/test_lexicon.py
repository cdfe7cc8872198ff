"""The lexicon files and the matcher: inflection, compounds, phrases, typos, place names."""

import pytest

from catalog.understanding.intent import CUES
from catalog.understanding.lexicon import (
    LEXICON_LANGUAGES,
    ROMANISED_LEXICONS,
    Lexicon,
    LexiconError,
    diacritics_agree,
    gazetteer,
    lexicon_from_data,
    load_lexicon,
)
from catalog.understanding.normalise import tokenise
from catalog.vocabulary import KINDS

PEOPLE = ("women", "men", "children", "families", "youth", "seniors")


def concepts(lexicon: Lexicon, text: str) -> set[str]:
    return {hit.concept for hit in lexicon.match(tokenise(text, lexicon.language))}


@pytest.fixture(scope="module")
def names() -> Lexicon:
    return gazetteer(["Testikylä"])


def places(names: Lexicon, text: str, language: str) -> set[str]:
    return {hit.concept.partition(".")[2] for hit in names.match(tokenise(text, language))}


@pytest.mark.parametrize("language", [*LEXICON_LANGUAGES, *ROMANISED_LEXICONS])
def test_every_language_covers_every_kind_and_audience(language: str) -> None:
    known = load_lexicon(language).concepts
    missing = [f"kind.{k}" for k in KINDS if f"kind.{k}" not in known]
    missing += [f"audience.{a}" for a in PEOPLE if f"audience.{a}" not in known]
    assert not missing


@pytest.mark.parametrize("language", [*LEXICON_LANGUAGES, *ROMANISED_LEXICONS])
def test_every_cue_a_lexicon_uses_is_read_by_the_rules(language: str) -> None:
    cues = {c for c in load_lexicon(language).concepts if c.startswith(("cue.", "help."))}
    assert cues <= CUES


@pytest.mark.parametrize("language", [*LEXICON_LANGUAGES, *ROMANISED_LEXICONS])
def test_no_phrase_holds_a_word_that_starts_a_clause(language: str) -> None:
    """A phrase's words must stand in one clause; a break inside it would make it unreachable."""
    lexicon = load_lexicon(language)
    breaks = lexicon.clause_breaks
    if breaks is None:  # Chinese: its own punctuation cuts clauses
        assert language == "zh"
        return
    cut = [
        entry.source
        for entry in lexicon.entries
        if any(found.start() > 0 for found in breaks.finditer(entry.source.strip("=*")))
    ]
    assert not cut


def test_a_phrase_does_not_reach_across_clauses() -> None:
    spanish = load_lexicon("es")
    tokens = tokenise("encontrar trabajo. qué hay por las tardes", "es")
    clause_of = [0, 0, 1, 1, 1, 1, 1]
    assert len(tokens) == len(clause_of)
    assert "cue.background" in concepts(spanish, "trabajo por las tardes")
    found = {hit.concept for hit in spanish.match(tokens, clause_of=clause_of)}
    assert "cue.background" not in found


def test_unknown_concepts_are_rejected_with_the_language_named() -> None:
    with pytest.raises(LexiconError, match="xx"):
        lexicon_from_data("xx", {"language": "xx", "concepts": {"kind.juggling": ["juggle"]}})
    with pytest.raises(LexiconError, match="unknown concept"):
        lexicon_from_data("xx", {"language": "xx", "concepts": {"colour.red": ["red"]}})


def test_a_file_must_name_its_own_language() -> None:
    with pytest.raises(LexiconError):
        lexicon_from_data("fi", {"language": "sv", "concepts": {}})


@pytest.mark.parametrize(
    "text", ["Missä on kielikerho?", "Pääsenkö kielikerhoon?", "Mitä kielikerhossa tehdään?"]
)
def test_finnish_inflected_forms_meet_the_basic_form(text: str) -> None:
    assert "kind.language_club" in concepts(load_lexicon("fi"), text)


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Onko naistenryhmää?", "kind.womens_group"),
        ("Koska on jalkapallovuoro?", "kind.sports"),
        ("Haluan tavata maahanmuuttokoordinaattorin", "cue.coordinator"),
        ("Onko sulkapallokerho auki?", "kind.sports"),
        ("Jag vill träffa integrationskoordinatorn", "cue.coordinator"),
    ],
)
def test_compound_words_contain_their_parts(text: str, concept: str) -> None:
    language = "sv" if text.startswith("Jag") else "fi"
    assert concept in concepts(load_lexicon(language), text)


def test_a_stem_in_the_middle_of_a_long_word_is_not_a_compound_part() -> None:
    found = concepts(load_lexicon("fi"), "ulkomaalaisille")
    assert not found & {"kind.crafts", "cue.father", "kind.outdoor"}


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("ru", "Занятия для детей", "audience.children"),
        ("ru", "Хочу поговорить с координатором", "cue.coordinator"),
        ("ru", "кружок для женщин", "audience.women"),
        ("uk", "Заходи для дітей", "audience.children"),
        ("uk", "Поговорити з координатором", "cue.coordinator"),
        ("uk", "Хочу волонтерити", "kind.volunteering"),
        ("uk", "консультацію з житла", "kind.guidance"),
    ],
)
def test_russian_and_ukrainian_cases_meet_the_lexicon(
    language: str, text: str, concept: str
) -> None:
    assert concept in concepts(load_lexicon(language), text)


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("ar", "نشاط للنساء", "audience.women"),
        ("ar", "والأطفال", "audience.children"),
        ("fa", "برای خانم‌ها", "audience.women"),
        ("fa", "برای بچه‌ها", "audience.children"),
    ],
)
def test_arabic_script_prefixes_and_suffixes(language: str, text: str, concept: str) -> None:
    assert concept in concepts(load_lexicon(language), text)


@pytest.mark.parametrize(
    ("text", "concept"),
    [("有没有烹饪课？", "kind.cooking"), ("孩子们可以踢足球吗", "kind.sports")],
)
def test_chinese_entries_are_found_inside_unspaced_text(text: str, concept: str) -> None:
    assert concept in concepts(load_lexicon("zh"), text)


def test_a_phrase_wins_over_the_words_inside_it() -> None:
    found = concepts(load_lexicon("en"), "I'd like a volunteer friend")
    assert "kind.friend_activity" in found
    assert "kind.volunteering" not in found


def test_phrase_words_may_have_a_few_words_between_them() -> None:
    lexicon = lexicon_from_data("en", {"language": "en", "concepts": {"cue.call_me": ["call me"]}})
    assert concepts(lexicon, "call me") == {"cue.call_me"}
    assert concepts(lexicon, "call back to me") == {"cue.call_me"}
    assert concepts(lexicon, "me call") == set()
    assert concepts(lexicon, "call them later and then also me") == set()


def test_exact_and_prefix_entries() -> None:
    lexicon = lexicon_from_data(
        "en",
        {"language": "en", "concepts": {"audience.men": ["=man"], "kind.sports": ["foot*"]}},
    )
    assert concepts(lexicon, "man") == {"audience.men"}
    assert concepts(lexicon, "manly") == set()
    assert concepts(lexicon, "footballers") == {"kind.sports"}


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("fi", "kielikahvla", "kind.language_club"),
        ("en", "volnteer", "kind.volunteering"),
        ("en", "homewrok", "kind.homework_help"),
        ("en", "fotball", "kind.sports"),
        ("sv", "frivilig", "kind.volunteering"),
        ("fi", "jalkapalo", "kind.sports"),
    ],
)
def test_typos_in_longer_words_are_forgiven(language: str, text: str, concept: str) -> None:
    hits = load_lexicon(language).match(tokenise(text, language))
    assert concept in {hit.concept for hit in hits}


def test_a_typo_the_stemmer_cannot_mend_is_marked_fuzzy() -> None:
    hits = load_lexicon("en").match(tokenise("homewrok", "en"))
    assert hits
    assert all(hit.fuzzy for hit in hits)


@pytest.mark.parametrize("text", ["remember", "vouchers", "sport"])
def test_typo_matching_does_not_invent_concepts(text: str) -> None:
    hits = load_lexicon("en").match(tokenise(text, "en"))
    assert not [hit for hit in hits if hit.fuzzy]


def test_fuzzy_matching_can_be_switched_off_per_token() -> None:
    lexicon = load_lexicon("en")
    assert lexicon.match(tokenise("volnteer", "en"))
    assert not lexicon.match(tokenise("volnteer", "en"), no_fuzzy={0})


def test_function_words_are_not_matched_by_stem() -> None:
    assert "kind.job_search" not in concepts(load_lexicon("es"), "algo para mujeres")
    assert "audience.men" not in concepts(load_lexicon("sv"), "man kan spela")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Mitä Kirkkonummella tapahtuu?", "fi", {"Kirkkonummi"}),
        ("Onko Helsingissä kerhoja?", "fi", {"Helsinki"}),
        ("Nurmijärvellä ja Turussa", "fi", {"Nurmijärvi", "Turku"}),
        ("Aktiviteter i Grankulla och Esbo", "sv", {"Kauniainen", "Espoo"}),
        ("Mis toimub Hattulas?", "et", {"Hattula"}),
        ("Что будет в Хямеэнлинне?", "ru", {"Hämeenlinna"}),
        ("Що є у Кірконуммі?", "uk", {"Kirkkonummi"}),
        ("هل يوجد شيء في إسبو؟", "ar", {"Espoo"}),
        ("نشاط بإسبو", "ar", {"Espoo"}),
        ("برنامه در هلسینکی", "fa", {"Helsinki"}),
        ("万塔有中文活动吗", "zh", {"Vantaa"}),
        ("Espoo'da ne var?", "tr", {"Espoo"}),
        ("Tapahtumia Testikylässä", "fi", {"Testikylä"}),
        ("Hameenlinna", "fi", {"Hämeenlinna"}),
    ],
)
def test_municipalities_in_any_script_and_case(
    names: Lexicon, text: str, language: str, expected: set[str]
) -> None:
    assert places(names, text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kurssin loppu on perjantaina", "fi"),
        ("ماذا يوجد الأسبوع القادم؟", "ar"),
        ("lopettaa", "fi"),
    ],
)
def test_ordinary_words_are_not_taken_for_places(names: Lexicon, text: str, language: str) -> None:
    assert places(names, text, language) == set()


@pytest.mark.parametrize(
    ("written", "entry", "agree"),
    [
        ("hameenlinna", "hämeenlinna", True),  # diacritics left out
        ("yasli", "yaşlı", True),
        ("yaşli", "yaşlı", True),  # some left out
        ("nåt", "nät", False),  # a different letter typed
        ("yaş", "yas", False),  # a diacritic the entry lacks
        ("strasse", "straße", True),
    ],
)
def test_folding_only_bridges_diacritics_left_out(written: str, entry: str, agree: bool) -> None:
    assert diacritics_agree(written, entry) is agree


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("sv", "nåt kul", "kind.digital_skills"),  # nåt "something" is not nät "the net"
        ("tr", "15 yaşında", "kind.peer_group"),  # yaş "age" is not yas "grief"
        ("sv", "det är jobbigt", "kind.job_search"),
        ("fr", "à la mer", "cue.mother"),
        ("fa", "سال آینده", "audience.seniors"),  # year, not سالمند
        ("en", "activities for all ages", "audience.seniors"),
    ],
)
def test_everyday_words_do_not_meet_a_concept_by_accident(
    language: str, text: str, concept: str
) -> None:
    assert concept not in concepts(load_lexicon(language), text)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "عندي شهادة تمريض"),  # nursing, one letter from تمرين "exercise"
        ("fa", "رایگانه"),  # "it's free", one letter from رایانه "computer"
        ("uk", "грати"),  # "to play", one letter from гранти "grants"
    ],
)
def test_short_words_and_arabic_script_words_are_not_taken_for_typos(
    language: str, text: str
) -> None:
    hits = load_lexicon(language).match(tokenise(text, language))
    assert not [hit for hit in hits if hit.fuzzy]


def test_a_phrase_takes_the_whole_next_word_so_its_parts_mean_nothing_else() -> None:
    found = concepts(load_lexicon("ru"), "дайте номер телефона")
    assert "cue.contact" in found
    assert "kind.digital_skills" not in found


def test_persian_words_keep_their_first_letter() -> None:
    # بخونم "I sing" is no ب "in" + خونم "my house", as it could be in Arabic
    assert "kind.guidance" not in concepts(load_lexicon("fa"), "بخونم")
    assert "audience.women" in concepts(load_lexicon("ar"), "بالنساء")


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("fa", "درباره اقامتم", "kind.guidance"),  # my residence
        ("fa", "تو درساش کمکش کنن", "kind.homework_help"),  # help him with his lessons
        ("ar", "إقامتي", "kind.guidance"),
    ],
)
def test_possessive_endings_meet_the_basic_form(language: str, text: str, concept: str) -> None:
    hits = load_lexicon(language).match(tokenise(text, language))
    assert concept in {hit.concept for hit in hits if not hit.fuzzy}


def test_an_ending_peeled_off_never_makes_an_exact_entry() -> None:
    lexicon = lexicon_from_data("fa", {"language": "fa", "concepts": {"kind.job_search": ["=کار"]}})
    assert concepts(lexicon, "کار") == {"kind.job_search"}
    assert concepts(lexicon, "کارت") == set()  # a card, not "work" + "your"


@pytest.mark.parametrize(
    ("language", "text", "concept"),
    [
        ("ar-latn", "3andi wlad", "audience.children"),
        ("ar-latn", "bdi 7ada", "cue.person"),
        ("ar-latn", "kors lugha", "kind.language_course"),
        ("fa-latn", "bachehaye man", "audience.children"),
        ("fa-latn", "kelase zabane finlandi", "kind.language_course"),
        ("ru-latn", "dlya zhenshchin", "audience.women"),
        ("ru-latn", "kursy finskogo", "lang.fi"),
        ("ru-latn", "4to est", "cue.whats_on"),
    ],
)
def test_romanised_lexicons_read_chat_spellings(language: str, text: str, concept: str) -> None:
    assert concept in concepts(load_lexicon(language), text)


def test_a_plain_arabizi_word_does_not_meet_its_digit_spelled_namesake() -> None:
    # "hada" ("this") is not "7ada" ("someone"), though "habibi" meets "7abibi"
    assert "cue.person" not in concepts(load_lexicon("ar-latn"), "hada")


@pytest.mark.parametrize("language", [*LEXICON_LANGUAGES, *ROMANISED_LEXICONS])
def test_no_word_of_a_lexicon_is_read_as_a_town(names: Lexicon, language: str) -> None:
    """A word of the lexicon that meets a town is listed under ``not_places``.

    Swedish "inga" (none) met Ingå, Arabizi "esbo3" (week) Espoo, Finglish "vase" (for) Vaasa.
    """
    lexicon = load_lexicon(language)
    stemmed_as = language.split("-")[0] if language in LEXICON_LANGUAGES else "en"
    towns = {
        word
        for word in lexicon.vocabulary
        if " " not in word
        and word not in lexicon.not_places
        and names.match(tokenise(word, stemmed_as))
    }
    assert not towns


def test_a_tight_phrase_meets_only_words_side_by_side() -> None:
    lexicon = lexicon_from_data(
        "en", {"language": "en", "concepts": {"kind.sports": ["work+out"]}}
    )
    assert [h.concept for h in lexicon.match(tokenise("where to work out", "en"))] == [
        "kind.sports"
    ]
    assert not lexicon.match(tokenise("my work permit runs out", "en"))
