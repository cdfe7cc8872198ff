"""Language detection among the supported languages, and the fallback chain for replies."""

import timeit
from datetime import datetime

import pytest

from catalog.understanding import Understander
from catalog.understanding.language import (
    LanguageDetector,
    dominant_script,
    platform_language,
    reading_lexicon,
    reply_language,
)
from catalog.understanding.lexicon import LEXICON_LANGUAGES, ROMANISED_LEXICONS, load_lexicon
from catalog.understanding.normalise import spelt_words


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    codes = (*LEXICON_LANGUAGES, *ROMANISED_LEXICONS)
    return LanguageDetector.from_lexicons({code: load_lexicon(code) for code in codes})


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("你好", "zh"),
        ("Привіт", "uk"),
        ("Привет", "ru"),
        ("سلام چطوری", "fa"),
        ("مرحبا كيف الحال", "ar"),
        ("moi", "fi"),
        ("hej", "sv"),
        ("tere", "et"),
        ("hola", "es"),
        ("bonjour", "fr"),
        ("merhaba", "tr"),
        ("salaan", "so"),
        ("hello", "en"),
        ("kielikahvila?", "fi"),
        ("fotboll?", "sv"),
    ],
)
def test_very_short_texts_with_a_decisive_signal(
    detector: LanguageDetector, text: str, language: str
) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize("text", ["ok", "12:30", "🙂", "Espoo", "sport", "yoga?"])
def test_short_texts_without_a_signal_are_not_detected(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text).language is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Missä voin pelata sulkapalloa illalla?", "fi"),
        ("Finns det någon simskola för vuxna?", "sv"),
        ("Where can my son learn to swim?", "en"),
        ("Где можно научиться плавать взрослому?", "ru"),
        ("Де можна навчитися плавати дорослим?", "uk"),
        ("Kus saab täiskasvanu ujuma õppida?", "et"),
        ("أين يمكن للكبار تعلم السباحة؟", "ar"),
        ("بزرگسالان کجا می‌توانند شنا یاد بگیرند؟", "fa"),
        ("Halkee ayay dadka waaweyn ku baran karaan dabaasha?", "so"),
        ("Yetişkinler nerede yüzme öğrenebilir?", "tr"),
        ("成年人在哪里可以学游泳？", "zh"),
        ("¿Dónde pueden aprender a nadar los adultos?", "es"),
        ("Où les adultes peuvent-ils apprendre à nager ?", "fr"),
        ("Anything for grandparents in Tuusula?", "en"),
    ],
)
def test_sentences_are_detected(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


def test_a_guess_is_kept_when_not_sure(detector: LanguageDetector) -> None:
    detection = detector.detect("sport")
    assert detection.language is None
    assert detection.guess in {"en", "sv", "fr", "fi", "tr", "so", "es", "et"}


def test_dominant_script_counts_han_heavily() -> None:
    assert dominant_script("Espoo有什么") == "han"
    assert dominant_script("123 !?") == "none"


def test_reply_language_prefers_the_detected_language() -> None:
    assert reply_language("sv", "fi", "en") == ("sv", True)


def test_plain_finnish_is_kept_for_finnish_text() -> None:
    assert reply_language("fi", "fi-x-plain", None) == ("fi-x-plain", True)


@pytest.mark.parametrize(
    ("saved", "hint", "expected"),
    [
        ("uk", "en", "uk"),
        (None, "sv-FI", "sv"),
        (None, "pt-BR", "en"),
        ("xx", None, "en"),
        (None, None, "en"),
        ("fi-x-plain", None, "fi-x-plain"),
    ],
)
def test_fallback_chain_saved_then_hint_then_english(
    saved: str | None, hint: str | None, expected: str
) -> None:
    assert reply_language(None, saved, hint) == (expected, False)


def test_an_unsure_guess_comes_after_the_saved_choice_and_the_hint_but_before_english() -> None:
    assert reply_language(None, None, None, "ru") == ("ru", False)
    assert reply_language(None, "fa", None, "ru") == ("fa", False)
    assert reply_language(None, None, "sv-FI", "ru") == ("sv", False)
    assert reply_language(None, None, None, "xx") == ("en", False)


def test_a_long_transliterated_russian_question_is_answered_in_russian() -> None:
    query = Understander(preload=False).understand(
        "est chto-to v Finlyandii na den nezavisimosti", now=NOW
    )
    assert query.language == "ru"


def test_platform_language_normalises_locales() -> None:
    assert platform_language("zh-hans") == "zh"
    assert platform_language("fi_FI") == "fi"
    assert platform_language("FI-X-PLAIN") == "fi-x-plain"
    assert platform_language("") is None


# Arabic, Persian and Russian typed in Latin letters: detected as the language itself (the answer
# is written in its own script) and marked as romanised, so that the words are read with the
# chat-spelling lexicon.
ARABIZI = [
    "shu fi el yom?",
    "fi kors lugha finlandiya?",
    "marhaba, shu fi nashatat lal wlad bukra?",
    "ana bdi a7ki ma3 7ada",
    "3andi so2al 3an el kors",
    "wen fi nadi riyadi lal shabab",
    "kif bi2dar sa3ed el nas? bdi at6awa3",
    "ibni 3omro 7 snin, fi shi ilo?",
    "binti bidha tet3allam sba7a",
    "mama w atfal, shu fi el masa?",
    "fi shi lal nisa2 el osbu3 el jay?",
    "salam 3alaykom, wein el kors?",
    "ana mi7taj musa3ada bel awra2",
]
FINGLISH = [
    "emrooz chi barname hast?",
    "kelas zaban finlandi koja hast?",
    "baraye bache ha chi darid?",
    "barname baraye khanoom ha hast?",
    "mikham ba ye nafar harf bezanam",
    "salam, farda kelas ashpazi hast?",
    "pesaram 10 salesh hast, varzesh baraye nojavanan darid?",
    "mitoonam davtalab besham?",
    "emshab chi hast baraye khanevade?",
    "kojast kafe zaban?",
    "merci, khodahafez",
    "man be komak niaz daram, moshkel daram",
    # lingua reads these as English ("be", "farsi"): the Persian words decide
    "moshavere be farsi dar espoo hast?",
    "kelase varzesh baraye zanan dar vantaa hast?",
]
TRANSLIT = [
    "privet",
    "chto segodnya est?",
    "kak etim polzovatsya?",
    "kursy finskogo yazyka",
    "est chto-nibud dlya detey?",
    "gruppa dlya zhenshin v subbotu",
    "hochu pogovorit s kem-to",
    "spasibo, do svidaniya",
    "gde mozhno zanimatsya sportom zavtra?",
    "4to est na vyhodnyh dlya semey?",
    "ischu rabotu, nuzhna pomosch",
    "privet, gde mozhno vyuchit finskiy?",
]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        *((text, "ar") for text in ARABIZI),
        *((text, "fa") for text in FINGLISH),
        *((text, "ru") for text in TRANSLIT),
    ],
)
def test_latin_letter_arabic_persian_and_russian_are_detected(
    detector: LanguageDetector, text: str, language: str
) -> None:
    detection = detector.detect(text)
    assert detection.language == language
    assert detection.romanised
    assert reading_lexicon(language, detection.script) == f"{language}-latn"


# Ordinary messages that share words with the chat spellings (Somali "fi" and "wax", Spanish
# "el", English "shop", "man", "to") stay in their language.
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Is there a shop near the library?", "en"),
        ("I want to talk to a man about my visa", "en"),
        ("Where can my kids play football on Sunday?", "en"),
        ("hi, any yoga class for women today?", "en"),
        ("Maxaa jira maanta oo carruurta loogu talagalay?", "so"),
        ("Wax ciyaar ah ma jiraan fiidka?", "so"),
        ("Haluan puhua jonkun kanssa, onko mahdollista?", "fi"),
        ("Mitä tänään on lapsille?", "fi"),
        ("Bugün çocuklar için ne var?", "tr"),
        ("Mis on täna lastele?", "et"),
        ("¿Hay fútbol para niños el sábado?", "es"),
        ("Merci, est-ce qu'il y a un cours de français ?", "fr"),
        ("Finns det något för barn i kväll?", "sv"),
    ],
)
def test_latin_script_languages_do_not_flip_to_romanised(
    detector: LanguageDetector, text: str, language: str
) -> None:
    detection = detector.detect(text)
    assert detection.language == language
    assert not detection.romanised


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # a foreign content word inside an English frame: the function words decide
        ("any kielikahvila this week?", "en"),
        ("is there a kielikahvila today", "en"),
        ("where is the perhekahvila", "en"),
        ("Is the äitiryhmä open on Friday?", "en"),
        ("onko language cafe tänään?", "fi"),
        # Somali with a Finnish name in it: the Somali words outweigh lingua's Finnish lean
        ("Maalinta Shuhadaaiinta (loppiainen) ma jiraa wax furan?", "so"),
        # Turkish typed without its special letters
        ("bugun ne var", "tr"),
        ("bugun ne var?", "tr"),
        ("cocuklar icin etkinlik var mi", "tr"),
        ("yarin aksam", "tr"),
        ("kadinlar icin spor var mi", "tr"),
        ("turkce konusan bir grup var mi", "tr"),
        ("fince ogrenmek istiyorum", "tr"),
        ("hafta sonu aileler icin ne var", "tr"),
    ],
)
def test_mixed_and_plain_lettered_texts(
    detector: LanguageDetector, text: str, language: str
) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize("text", ["futbol", "salam", "mama", "ok", "futbol?"])
def test_one_word_several_languages_know_is_not_detected(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text).language is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("marhaba", "ar"),
        ("3andi", "ar"),
        ("wen", "ar"),
        ("bukra", "ar"),
        ("ibni", "ar"),
        ("kelas zaban", "fa"),
        ("khanoom ha", "fa"),
        ("privet", "ru"),
        ("spasibo", "ru"),
        ("dlya detey", "ru"),
        ("merci", "fr"),
    ],
)
def test_short_chat_spellings(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


def test_arabizi_digits_are_letters_that_fold_to_the_plain_spelling() -> None:
    assert spelt_words("3andi 7abibi nisa2 2 kids 10am", "ar-latn") == [
        "ʕandi",
        "ḥabibi",
        "nisaʔ",
        "2",
        "kids",
        "10",
        "am",
    ]
    assert spelt_words("4to est", "ru-latn") == ["chto", "est"]
    assert spelt_words("3andi", "en") == ["3", "andi"]


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander(preload=False)


NOW = datetime(2026, 11, 24, 10, 0)


@pytest.mark.parametrize(
    ("text", "language", "field", "value"),
    [
        ("fi kors lugha finlandiya?", "ar", "kinds", {"language_course"}),
        ("shu fi lal atfal?", "ar", "audiences", {"children", "families"}),
        ("fi shi lal nisa2?", "ar", "audiences", {"women"}),
        ("ana bdi a7ki ma3 7ada", "ar", "intent", "contact"),
        ("kelas zaban finlandi koja hast?", "fa", "kinds", {"language_course"}),
        ("baraye khanoom ha chi darid?", "fa", "audiences", {"women"}),
        ("mikham ba ye nafar harf bezanam", "fa", "intent", "contact"),
        ("kursy finskogo yazyka", "ru", "kinds", {"language_course"}),
        ("est chto-nibud dlya detey?", "ru", "audiences", {"children", "families"}),
        ("hochu pogovorit s kem-to", "ru", "intent", "contact"),
        ("kak etim polzovatsya?", "ru", "intent", "help"),
    ],
)
def test_latin_letter_messages_are_read_with_the_romanised_lexicon(
    understander: Understander, text: str, language: str, field: str, value: object
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.language == language
    found = getattr(query, field)
    assert (set(found) if isinstance(value, set) else found) == value


def test_an_ambiguous_word_falls_back_to_the_saved_language(understander: Understander) -> None:
    query = understander.understand("futbol", now=NOW, saved_language="tr")
    assert query.language == "tr"
    assert not query.language_detected
    assert "sports" in query.kinds


def test_a_saved_arabic_user_typing_a_shared_greeting_is_read_as_arabizi(
    understander: Understander,
) -> None:
    query = understander.understand("salam", now=NOW, saved_language="ar")
    assert query.language == "ar"
    assert query.intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "marhaba, ana bdi a3ref eza fi kors lugha finlandiya la ibni w binti bel masa bukra. "
        * 12,
        "Hello, is there any language cafe or sports club for my children in Espoo this week? "
        * 12,
    ],
)
def test_detection_stays_fast_on_long_messages(detector: LanguageDetector, text: str) -> None:
    text = text[:1000]
    detector.detect(text)
    seconds = min(timeit.repeat(lambda: detector.detect(text), number=20, repeat=3)) / 20
    assert seconds < 0.005
