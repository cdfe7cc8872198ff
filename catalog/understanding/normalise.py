"""Turning a message into comparable tokens: normalisation, tokenising and stemming per language.

Everything the lexicon matcher compares goes through here, both the user's words and the
lexicon's entries, so that the two meet however a word is inflected or spelt:

- Unicode is NFKC-normalised and case-folded; Arabic-script text loses diacritics and tatweel
  and has its letter variants unified (alef forms, yeh/kaf, ta marbuta), and a zero-width
  non-joiner (Persian ``خانم‌ها``) becomes a word break.
- Words are split on anything that is not a letter; hyphens split too (``äiti-lapsi``), and so
  do apostrophes except inside Cyrillic words (Ukrainian ``п'ятниця``).
- Each word gets a Snowball stem for its language (Ukrainian has its own light suffix
  stripper here, Somali and Chinese none), and a diacritic-free ``folded`` spelling so that
  ``Hameenlinna`` still meets ``Hämeenlinna``. Arabic-script words also have variants without
  the front particles (:func:`arabic_variants`) and without the possessive endings a stemmer
  leaves on (:func:`suffix_variants`).

Chinese has no spaces, so a run of Han characters is kept as one token and matched by
substring in :mod:`catalog.understanding.lexicon`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

#: The Snowball algorithm for each language code; ``None`` means no stemmer exists for it.
SNOWBALL_ALGORITHMS: dict[str, str | None] = {
    "fi": "finnish",
    "sv": "swedish",
    "en": "english",
    "ru": "russian",
    "et": "estonian",
    "ar": "arabic",
    "fa": "persian",
    "tr": "turkish",
    "es": "spanish",
    "fr": "french",
    "uk": None,
    "so": None,
    "zh": None,
}

ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
"""Arabic-script diacritics and tatweel: dropped before any matching."""

ARABIC_SCRIPT_FOLDS: dict[str, str] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ی",
    "ي": "ی",
    "ئ": "ی",
    "ك": "ک",
    "ۀ": "ه",
    "ؤ": "و",
    **{chr(0x0660 + n): str(n) for n in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + n): str(n) for n in range(10)},  # Persian digits
}
"""Arabic and Persian spellings of the same letter (and digit) folded to one form.

Shared with :mod:`catalog.understanding.mapped_text`, which reads time words.
"""

_ARABIC_LETTERS = str.maketrans(ARABIC_SCRIPT_FOLDS)
#: The ending of a lexicon code for a language typed in Latin letters (``ar-latn``).
ROMANISED_SUFFIX = "-latn"
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "´": "'", "‘": "'"})
_SPECIAL_FOLDS = str.maketrans(
    {"ı": "i", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "ة": "ه", "ʕ": "", "ʔ": ""}
)
_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_FROM_ARABIC = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})

#: Digits that chat spellings in Latin letters use for letters Latin lacks, per romanised
#: lexicon: Arabizi ``3`` for ع, ``7`` for ح, ``2`` for ء (``3andi``, ``7abibi``, ``nisa2``), a
#: digit with an apostrophe for the dotted letter (``3'`` غ); translit Russian ``4`` for ч
#: (``4to``). Each becomes a letter of its own that :func:`fold` turns into the plain spelling
#: (``ḥ`` → ``h``, ``ʕ`` and ``ʔ`` → nothing), so that ``7ada`` ("someone") stays apart from
#: ``hada`` ("this") while ``habibi`` typed without the digit still meets ``7abibi``.
DIGIT_LETTERS: dict[str, dict[str, str]] = {
    "ar-latn": {
        "3'": "gh", "7'": "kh", "6'": "ẓ", "9'": "ḍ",
        "2": "ʔ", "3": "ʕ", "5": "kh", "6": "ṭ", "7": "ḥ", "8": "gh", "9": "ṣ",
    },
    "ru-latn": {"4": "ch", "6": "sh"},
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a message (or one run of Han characters), in the forms the matcher compares.

    ``text`` is the normalised, case-folded word, ``folded`` the same without diacritics,
    ``stem`` its stem in the language it is read as (equal to ``text`` where there is no
    stemmer), and ``han`` tells a Chinese character run, which is matched by substring.
    """

    text: str
    folded: str
    stem: str
    han: bool = False


def normalise(text: str) -> str:
    """Return ``text`` NFKC-normalised, case-folded and with script-specific variants unified."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = text.replace("İ", "i").casefold().replace("i̇", "i")
    text = text.replace("\u200c", " ").replace("\u200d", "").replace("\u00ad", "")
    text = ARABIC_MARKS.sub("", text)
    return text.translate(_ARABIC_LETTERS)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Return ``word`` without diacritics (Latin and Cyrillic ``й``/``ё`` kept apart)."""
    decomposed = unicodedata.normalize("NFD", word.translate(_SPECIAL_FOLDS))
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and _CYRILLIC.match(kept[-1]):
            kept.append(char)  # й, ё, ї keep their marks: they are different letters
        elif not unicodedata.combining(char):
            kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def words(text: str) -> list[str]:
    """Split already normalised text into words, Han runs kept whole (see module docstring)."""
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if "'" in word and not _CYRILLIC.search(word):
            found.extend(part for part in word.split("'") if part)
        else:
            found.extend(_split_han(word))
    return found


def _split_han(word: str) -> list[str]:
    """Separate Han runs from letters glued to them (``Espoo有``)."""
    if not _HAN.search(word):
        return [word]
    parts: list[str] = []
    last = 0
    for match in _HAN.finditer(word):
        if match.start() > last:
            parts.append(word[last : match.start()])
        parts.append(match.group())
        last = match.end()
    if last < len(word):
        parts.append(word[last:])
    return parts


def is_han(word: str) -> bool:
    """Tell whether ``word`` is a run of Chinese characters."""
    return bool(_HAN.fullmatch(word))


@cache
def _digit_pattern(language: str) -> re.Pattern[str] | None:
    """A lone digit (or digit and apostrophe) touching a Latin letter, for ``language``."""
    letters = DIGIT_LETTERS.get(language)
    if not letters:
        return None
    digit = "|".join(re.escape(d) for d in sorted(letters, key=len, reverse=True))
    return re.compile(rf"(?<=[a-z])(?:{digit})(?!\d)|(?<![\da-z])(?:{digit})(?=[a-z])")


def spell_digits(text: str, language: str) -> str:
    """Normalised ``text`` with the letter-digits of ``language`` (:data:`DIGIT_LETTERS`) read.

    Only a single digit inside or at either end of a word counts: ``2 kids`` and ``10am`` stay.
    """
    pattern = _digit_pattern(language)
    if pattern is None:
        return text
    letters = DIGIT_LETTERS[language]
    return pattern.sub(lambda match: letters[match.group()], text)


def spelt_words(text: str, language: str) -> list[str]:
    """The words of raw ``text`` as :func:`tokenise` reads them for ``language``."""
    return words(spell_digits(normalise(text), language))


def tokenise(text: str, language: str) -> tuple[Token, ...]:
    """Normalise ``text`` and return its tokens stemmed as ``language``.

    Plain numbers are their own fold and stem in every language: they are made directly,
    not cached (a catalogue's titles hold a hundred thousand of them).
    """
    return tuple(
        Token(word, word, word) if word.isascii() and word.isdigit() else word_token(word, language)
        for word in spelt_words(text, language)
    )


@lru_cache(maxsize=262_144)
def word_token(word: str, language: str) -> Token:
    """One spelt word as a token of ``language``.

    Cached: a catalogue of 100,000 activities repeats a few thousand words, and stemming each
    of their occurrences anew was most of its start-up.
    """
    if is_han(word):
        return Token(word, word, word, han=True)
    return Token(word, fold(word), stemmer(language)(word))


@cache
def stemmer(language: str) -> Callable[[str], str]:
    """Return a cached stemming function for ``language`` (identity where none exists)."""
    if language.endswith(ROMANISED_SUFFIX):
        return _identity  # chat spellings have no stemmer: the lexicon lists their forms
    base = language.split("-")[0]
    if base == "uk":
        return lru_cache(maxsize=16384)(stem_ukrainian)
    if base == "ar":
        return lru_cache(maxsize=16384)(_arabic_stemmer())
    algorithm = SNOWBALL_ALGORITHMS.get(base)
    if algorithm is None:
        return _identity
    import snowballstemmer

    snowball = snowballstemmer.stemmer(algorithm)
    return lru_cache(maxsize=16384)(snowball.stemWord)


def _identity(word: str) -> str:
    return word


_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "کال", "لل", "ال", "و", "ف", "ب", "ل")


_ARABIC_ARTICLES = ("وال", "بال", "فال", "كال", "کال", "لل", "ال")
#: One-letter prefixes Snowball strips that are as often the first letter of the word itself
#: (``فنلندا`` "Finland", ``فريق`` "team", ``وحيد`` "alone", ``بنت`` "girl").
_ARABIC_ROOT_INITIALS = frozenset("فوبلکك")


def _arabic_stemmer() -> Callable[[str], str]:
    """Snowball's Arabic stemmer after stripping the article, keeping a word's own first letter.

    Snowball leaves some prefix combinations (``باللغة``) in place, so the article with any
    particle before it is stripped first. A one-letter particle (``و`` "and", ``ب`` "in"), on
    the other hand, cannot be told from a word's first letter, so the stem keeps the letter
    Snowball would strip; :func:`arabic_variants` gives the matcher the word without it as
    well, so that ``وأطفال`` still meets ``أطفال``.
    """
    import snowballstemmer

    snowball = snowballstemmer.stemmer("arabic")

    def stem(word: str) -> str:
        for article in _ARABIC_ARTICLES:
            if word.startswith(article) and len(word) - len(article) >= 3:
                word = word[len(article) :]
                break
        result: str = snowball.stemWord(word.translate(_TO_ARABIC)).translate(_FROM_ARABIC)
        first = word[:1]
        if first in _ARABIC_ROOT_INITIALS and not result.startswith(first):
            result = first + result
        return result

    return stem


def arabic_variants(word: str) -> tuple[str, ...]:
    """The word with leading conjunction, preposition and article clitics peeled off in turn."""
    variants = [word]
    current = word
    for _ in range(2):
        for clitic in _ARABIC_CLITICS:
            if current.startswith(clitic) and len(current) - len(clitic) >= 3:
                current = current[len(clitic) :]
                variants.append(current)
                break
        else:
            break
    return tuple(variants)


#: Persian endings a word may carry after its stem, longest first: the colloquial object marker
#: (``پولمو`` "my money" + object), possessives ("my", "your", "his", "our" …) and plurals with
#: a possessive (``درساش`` "his lessons"). Snowball's Persian stemmer leaves them on.
_PERSIAN_ENDINGS = (
    "هامون", "هاتون", "هاشون", "هامو", "هاشو", "هاتو", "مونو", "تونو", "شونو",
    "مان", "تان", "شان", "مون", "تون", "شون", "های", "هام", "هات", "هاش", "ام", "ات", "اش",
    "مو", "تو", "شو", "رو", "ها", "م", "ت", "ش", "و",
)  # fmt: skip
#: Arabic possessive endings after a feminine ``ة``, which is written ``ت`` before them
#: (``إقامتي`` "my residence" of ``إقامة``).
_ARABIC_TA_ENDINGS = ("تها", "تهم", "تكم", "تنا", "تي", "تک", "ته", "تو", "تی")
_MIN_VARIANT = 3


def suffix_variants(word: str, language: str) -> tuple[str, ...]:
    """The word without the possessive or plural ending a stemmer leaves on, if it has one.

    Persian ``اقامتم`` ("my residence") gives ``اقامت``, ``درساش`` gives ``درس``; Arabic
    ``إقامتي`` gives ``اقامة``. Other languages' stemmers handle their endings themselves.
    """
    variants: list[str] = []
    if language == "fa":
        for ending in _PERSIAN_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _MIN_VARIANT:
                variants.append(word[: -len(ending)])
    elif language == "ar":
        for ending in _ARABIC_TA_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _MIN_VARIANT - 1:
                variants.append(word[: -len(ending)] + "ة")
                break
    return tuple(dict.fromkeys(variants))


# A light Ukrainian stemmer in the manner of Snowball's Russian one: the longest known
# inflectional ending is removed from the part of the word after its first vowel. It aims at
# giving the inflected forms of one word the same stem, not at linguistic roots.
_UK_VOWELS = frozenset("аеиоуюяіїє")
_UK_REFLEXIVE = ("ся", "сь")
_UK_ENDINGS = tuple(
    sorted(
        {
            # verbs
            "ати", "яти", "ити", "іти", "ути", "ти", "ть", "ать", "ять", "ить", "іть", "уть",
            "ють", "ла", "ло", "ли", "ав", "ив", "ів", "ємо", "емо", "имо", "імо", "ете", "єте",
            "ите", "іте", "еш", "єш", "иш", "іш", "ую", "юю", "ала", "ало", "али", "ила", "ило",
            "или", "ючи", "учи", "ячи", "ачи", "вши", "ши", "мо", "те", "йте",
            # nouns
            "а", "я", "и", "і", "ї", "у", "ю", "о", "е", "є", "ь", "ам", "ям", "ах", "ях",
            "ами", "ями", "ьми", "ми", "ою", "ею", "єю", "ом", "ем", "єм", "ей", "ові", "еві",
            "єві", "ой", "ія", "ії", "ію", "ій", "їв",
            # adjectives and participles
            "ий", "ого", "ього", "ому", "ьому", "им", "ім", "их", "іх", "ими", "іми", "ої",
            "ної", "ний", "ним", "них", "ного", "ному", "ною",
        },
        key=len,
        reverse=True,
    )
)


def stem_ukrainian(word: str) -> str:
    """Strip one reflexive and one inflectional ending from a Ukrainian word (see above).

    Endings are only taken from after the first vowel, and at least three letters stay.
    """
    start = next((i + 1 for i, char in enumerate(word) if char in _UK_VOWELS), len(word))
    stem = word
    for ending in _UK_REFLEXIVE:
        if stem.endswith(ending) and len(stem) - len(ending) >= max(start, 3):
            stem = stem[: -len(ending)]
            break
    for ending in _UK_ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= max(start, 3):
            stem = stem[: -len(ending)]
            break
    return stem.rstrip("ь'")
