"""Which language a message is written in, and which language to answer in.

Detection only chooses among the product's languages. The script settles most cases cheaply
(Han → Chinese; Cyrillic → Ukrainian by ``і ї є ґ`` or Russian by ``ы э ъ ё``; Arabic script →
Persian by ``پ چ ژ گ`` and the Persian ``ی ک``, Arabic by ``ة`` and the Arabic ``ي ك``), and
for the rest lingua's statistics are weighed together with how many of the words are known
words of each language's lexicon; the function words (a lexicon's stop words) count extra, since
they carry the frame of a sentence: "any kielikahvila this week?" is English with a Finnish word
in it. A text that is too short or too mixed to decide is reported as not detected (so is a word
that several languages know equally, "futbol"), and :func:`reply_language` falls back to the
user's saved choice, then the platform's hint, then English.

Arabic, Persian and Russian are often typed in Latin letters (Arabizi "shu fi el yom", Finglish
"emrooz chi barname hast", translit "chto segodnya est"). Lingua knows these languages only in
their own scripts, so a Latin-letter text is also scored by the words of the romanised lexicons
(``ar-latn``, ``fa-latn``, ``ru-latn``), where a word that a Latin-script language also knows
(Somali "fi", Spanish "el", French "merci") counts half and at least one word must be the
romanised language's own; with two of its own it is preferred to lingua's Latin favourite
when its words are better known than that language's. Such a text is detected as ``ar``,
``fa`` or ``ru`` (the answer is written in that language's own script) and
:func:`reading_lexicon` names the lexicon to read its words with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from catalog.understanding.lexicon import ROMANISED_LEXICONS, Lexicon
from catalog.understanding.normalise import (
    DIGIT_LETTERS,
    ROMANISED_SUFFIX,
    fold,
    normalise,
    spell_digits,
    words,
)
from catalog.vocabulary import PLAIN_FINNISH, SUPPORTED_LANGUAGES

#: The languages detection may return (plain Finnish is a choice of register, not detected).
DETECTABLE = ("fi", "sv", "en", "ru", "uk", "et", "ar", "fa", "so", "tr", "zh", "es", "fr")

_LINGUA_NAMES = {
    "fi": "FINNISH",
    "sv": "SWEDISH",
    "en": "ENGLISH",
    "ru": "RUSSIAN",
    "uk": "UKRAINIAN",
    "et": "ESTONIAN",
    "ar": "ARABIC",
    "fa": "PERSIAN",
    "so": "SOMALI",
    "tr": "TURKISH",
    "zh": "CHINESE",
    "es": "SPANISH",
    "fr": "FRENCH",
}

Script = Literal["latin", "cyrillic", "arabic", "han", "none"]
_SCRIPT_LANGUAGES: dict[Script, tuple[str, ...]] = {
    "latin": ("fi", "sv", "en", "et", "so", "tr", "es", "fr"),
    "cyrillic": ("ru", "uk"),
    "arabic": ("ar", "fa"),
    "han": ("zh",),
    "none": (),
}

#: Languages also typed in Latin letters, each read with its romanised lexicon (``ar-latn``).
ROMANISED = tuple(code.removesuffix(ROMANISED_SUFFIX) for code in ROMANISED_LEXICONS)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_DIGIT = re.compile(r"\d")
_LETTER_RUN = re.compile(r"[^\W\d_]+")  # a word of a Latin-letter text, as ``words`` splits it
_UKRAINIAN_LETTERS = re.compile("[іїєґІЇЄҐ]")
_RUSSIAN_LETTERS = re.compile("[ыэъёЫЭЪЁ]")
_PERSIAN_LETTERS = re.compile("[پچژگیکۀ]")
_ARABIC_LETTERS = re.compile("[ةيكىؤإأ]")

#: Letters that only some of the Latin-script languages use, as a nudge for short texts.
_LATIN_LETTER_HINTS: dict[str, tuple[str, ...]] = {
    "ñ": ("es",),
    "¿": ("es",),
    "¡": ("es",),
    "õ": ("et",),
    "ğ": ("tr",),
    "ş": ("tr",),
    "ı": ("tr",),
    "å": ("sv",),
    "œ": ("fr",),
    "è": ("fr",),
    "ê": ("fr",),
    "à": ("fr",),
    "ç": ("fr", "tr"),
}

# Weights of the combined score; tuned on texts of one to twelve words.
_LINGUA_WEIGHT = 0.5
_LEXICON_WEIGHT = 1.0
_LETTER_WEIGHT = 0.3
_FRAME_WEIGHT = 0.5  # a function word counts this much more than another known word
_SHARED = 0.5  # a romanised word that a Latin-script language also knows counts this much
_MIN_SCORE = 0.4  # lingua alone, when it is sure (0.8 of 0.5), may decide a longer text
_MIN_MARGIN = 0.15
_SHORT_WORDS = 2
_DECIDING_WORDS = 3  # known words, and times the runner-up's, that decide a close call
_OWN_WORDS = 2  # words only a romanised lexicon knows, to overrule lingua's Latin favourite
_SHORT_LINGUA = 0.8
_MIN_PREFIX = 4  # the shortest stem a romanised lexicon lets meet longer words
_TIE_LINGUA = 0.95  # a word two lexicons know equally: only an overwhelming favourite ("moi")


@dataclass(frozen=True, slots=True)
class Detection:
    """The outcome of detection.

    ``language`` is set only when the evidence is clear; ``guess`` is the most likely language
    even when it is not (useful for choosing which lexicons to read the words with).
    """

    language: str | None
    guess: str | None
    confidence: float
    script: Script

    @property
    def romanised(self) -> bool:
        """Whether the language (or the guess) is Arabic, Persian or Russian in Latin letters."""
        return self.script == "latin" and (self.language or self.guess) in ROMANISED


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What the lexicons know of one word: the codes of those that know it, in each way."""

    known: frozenset[str]
    content: frozenset[str]
    function: frozenset[str]
    latin: bool  # a Latin-script language knows it


def dominant_script(text: str) -> Script:
    """The script most of the letters of ``text`` are in; any Han character weighs three."""
    counts: dict[Script, int] = {
        "han": 3 * len(_HAN.findall(text)),
        "cyrillic": len(_CYRILLIC.findall(text)),
        "arabic": len(_ARABIC.findall(text)),
        "latin": len(_LATIN.findall(text)),
    }
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else "none"


def script_languages(script: Script) -> tuple[str, ...]:
    """The supported languages written in ``script``."""
    return _SCRIPT_LANGUAGES[script]


def reading_lexicon(language: str, script: Script) -> str:
    """The lexicon to read a text in ``script`` as ``language`` with (``ar-latn`` for Arabizi)."""
    if script == "latin" and language in ROMANISED:
        return language + ROMANISED_SUFFIX
    return language


def reading_lexicons(script: Script) -> tuple[str, ...]:
    """The lexicons that read texts in ``script``: its languages', for Latin the romanised too."""
    if script == "latin":
        return (*_SCRIPT_LANGUAGES[script], *ROMANISED_LEXICONS)
    return _SCRIPT_LANGUAGES[script]


def _script_verdict(text: str, script: Script) -> str | None:
    """A language the letters alone settle, or ``None``."""
    if script == "han":
        return "zh"
    if script == "cyrillic":
        ukrainian = bool(_UKRAINIAN_LETTERS.search(text))
        russian = bool(_RUSSIAN_LETTERS.search(text))
        if ukrainian != russian:
            return "uk" if ukrainian else "ru"
    if script == "arabic":
        persian = len(_PERSIAN_LETTERS.findall(text))
        arabic = len(_ARABIC_LETTERS.findall(text))
        if persian and not arabic:
            return "fa"
        if arabic and not persian:
            return "ar"
    return None


class LanguageDetector:
    """Detects the language of a message among :data:`DETECTABLE`.

    ``vocabularies`` maps a lexicon code to the words its lexicon knows (stop words included),
    ``content_words`` to the subset that names concepts (for a text of one or two words, a
    greeting or a concept word weighs more than a function word another language shares),
    ``function_words`` to its stop words and ``prefix_words`` to the stems that also meet
    longer words (``kvartir`` meets ``kvartiroy``; read for romanised lexicons only). Romanised
    lexicons (``ar-latn`` …) score Latin-letter texts for their language (see the module
    docstring); :meth:`from_lexicons` builds the mappings from compiled lexicons.
    ``accuracy="low"`` uses lingua's trigram-only mode (about 40 MB, tens of microseconds);
    ``"high"`` uses all its models (about 330 MB once loaded) and is a little better on texts of
    two or three words.
    """

    def __init__(
        self,
        vocabularies: Mapping[str, frozenset[str]],
        content_words: Mapping[str, frozenset[str]] | None = None,
        *,
        function_words: Mapping[str, frozenset[str]] | None = None,
        prefix_words: Mapping[str, frozenset[str]] | None = None,
        accuracy: Literal["low", "high"] = "low",
        preload: bool = False,
    ) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self._romanised = tuple(
            code for code in ROMANISED if code + ROMANISED_SUFFIX in vocabularies
        )
        self._words = _word_index(vocabularies, content_words or {}, function_words or {})
        self._stems = _word_index(
            {
                code: stems
                for code, stems in (prefix_words or {}).items()
                if code.endswith(ROMANISED_SUFFIX)
            }
        )
        self._longest_stem = max(map(len, self._stems), default=0)
        self._evidence = lru_cache(maxsize=1 << 16)(self._find_evidence)
        self._by_lingua: dict[Any, str] = {
            getattr(Language, name): code for code, name in _LINGUA_NAMES.items()
        }
        builder = LanguageDetectorBuilder.from_languages(*self._by_lingua)
        if accuracy == "low":
            builder = builder.with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        self._lingua = builder.build()

    @classmethod
    def from_lexicons(
        cls,
        lexicons: Mapping[str, Lexicon],
        *,
        accuracy: Literal["low", "high"] = "low",
        preload: bool = False,
    ) -> LanguageDetector:
        """A detector that knows the words of ``lexicons`` (by lexicon code)."""
        return cls(
            {code: lexicon.vocabulary for code, lexicon in lexicons.items()},
            {code: lexicon.content_words for code, lexicon in lexicons.items()},
            function_words={code: lexicon.stopwords for code, lexicon in lexicons.items()},
            prefix_words={code: lexicon.prefix_words for code, lexicon in lexicons.items()},
            accuracy=accuracy,
            preload=preload,
        )

    def detect(self, text: str) -> Detection:
        """Detect the language of ``text`` (see the module docstring for how)."""
        script = dominant_script(text)
        candidates = script_languages(script)
        if not candidates:
            return Detection(None, None, 0.0, script)
        verdict = _script_verdict(text, script)
        if verdict is not None:
            return Detection(verdict, verdict, 1.0, script)
        normalised = normalise(text)
        tokens = [w for w in words(normalised) if not w.isdigit()]
        romanised = self._romanised_tokens(normalised, tokens) if script == "latin" else {}
        scores = self._scores(text, tokens, candidates)
        romanised_scores, own_words = self._romanised_scores(romanised)
        scores.update(romanised_scores)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        best, best_score = ranked[0]
        chat_spelling = self._chat_spelling(tokens, best, romanised_scores, own_words)
        if chat_spelling is not None:
            return Detection(chat_spelling, chat_spelling, romanised_scores[chat_spelling], script)
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if len(tokens) <= _SHORT_WORDS:
            decided = self._short_verdict(text, tokens, candidates, romanised)
            if decided is not None:
                return Detection(decided, decided, max(best_score, 0.9), script)
            return Detection(None, best if best_score > 0 else None, best_score, script)
        if best_score >= _MIN_SCORE and best_score - second >= _MIN_MARGIN:
            return Detection(best, best, min(best_score, 1.0), script)
        if best_score >= _MIN_SCORE and self._words_decide(tokens, best, ranked[1][0]):
            return Detection(best, best, min(best_score, 1.0), script)
        return Detection(None, best, best_score, script)

    def _words_decide(self, tokens: list[str], best: str, runner_up: str) -> bool:
        """Whether the favourite's lexicon knows many times the words the runner-up's does.

        Lingua leans to Finnish for Somali with one Finnish word in it ("Maalinta Quduusiinta
        (pyhäinpäivä) ma jiraa wax furan?"): four Somali words against one Finnish decide.
        """
        if best in ROMANISED or runner_up in ROMANISED:
            return False
        counts = self._known_counts(tokens, (best, runner_up))
        mine, theirs = counts[best][0], counts[runner_up][0]
        return mine >= _DECIDING_WORDS and mine >= _DECIDING_WORDS * theirs

    def _lingua_values(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        values = {code: 0.0 for code in candidates}
        for value in self._lingua.compute_language_confidence_values(text):
            code = self._by_lingua.get(value.language)
            if code in values:
                values[code] = float(value.value)
        total = sum(values.values())
        if total <= 0:
            return values
        return {code: value / total for code, value in values.items()}

    def _find_evidence(self, token: str) -> _Evidence:
        """What each lexicon knows of ``token`` (cached: detection runs on every message)."""
        own = self._words.get(token, _NOTHING)
        folded = fold(token)
        found = [own]
        if folded != token and folded in self._words:
            found.append(self._words[folded])
        for length in range(_MIN_PREFIX, min(len(token) - 1, self._longest_stem) + 1):
            stem = self._stems.get(token[:length])
            if stem is not None:
                found.append(stem)
        if len(found) == 1:
            return own
        return _Evidence(
            frozenset().union(*(evidence.known for evidence in found)),
            frozenset().union(*(evidence.content for evidence in found[:2])),
            frozenset().union(*(evidence.function for evidence in found[:2])),
            own.latin,
        )

    def _known_counts(
        self, tokens: list[str], candidates: tuple[str, ...]
    ) -> dict[str, tuple[int, int]]:
        """For each candidate, how many tokens its lexicon knows and how many are function words."""
        known = dict.fromkeys(candidates, 0)
        framing = dict.fromkeys(candidates, 0)
        for token in tokens:
            evidence = self._evidence(token)
            for code in evidence.known:
                if code in known:
                    known[code] += 1
            for code in evidence.function:
                if code in framing:
                    framing[code] += 1
        return {code: (known[code], framing[code]) for code in candidates}

    def _scores(
        self, text: str, tokens: list[str], candidates: tuple[str, ...]
    ) -> dict[str, float]:
        lingua = self._lingua_values(text, candidates)
        known = self._known_counts(tokens, candidates)
        letters = _letter_hints(text, candidates)
        return {
            code: _LINGUA_WEIGHT * lingua[code]
            + _lexicon_part(known[code], len(tokens))
            + _LETTER_WEIGHT * letters.get(code, 0.0)
            for code in candidates
        }

    def _romanised_tokens(self, normalised: str, tokens: list[str]) -> dict[str, list[str]]:
        """The words of a Latin-letter text as each romanised lexicon spells them."""
        if not self._romanised:
            return {}
        if not _DIGIT.search(normalised):
            return {code: tokens for code in self._romanised}
        return {
            code: _LETTER_RUN.findall(spell_digits(normalised, code + ROMANISED_SUFFIX))
            if code + ROMANISED_SUFFIX in DIGIT_LETTERS
            else tokens
            for code in self._romanised
        }

    def _chat_spelling(
        self,
        tokens: list[str],
        best: str,
        romanised_scores: Mapping[str, float],
        own_words: Mapping[str, int],
    ) -> str | None:
        """A romanised language that knows the words better than lingua's Latin favourite.

        Lingua has never seen Finglish or Arabizi: "moshavere be farsi dar hameenlinna hast"
        looks English to it. A romanised language with at least :data:`_OWN_WORDS` words of
        its own whose lexicon part beats the favourite's lexicon part takes the text.
        """
        if best in romanised_scores or not romanised_scores or len(tokens) <= _SHORT_WORDS:
            return None
        code, part = max(romanised_scores.items(), key=lambda item: item[1])
        if own_words.get(code, 0) < _OWN_WORDS:
            return None
        known = self._known_counts(tokens, (best,))[best]
        return code if part > _lexicon_part(known, len(tokens)) else None

    def _romanised_scores(
        self, romanised: Mapping[str, list[str]]
    ) -> tuple[dict[str, float], dict[str, int]]:
        """The lexicon part of a Latin-language score, for each romanised language (no lingua).

        A word a Latin-script language also knows counts :data:`_SHARED`; without one word of
        its own a language scores nothing. Languages that spell the text alike share one pass.
        """
        alike: dict[tuple[str, ...], list[str]] = {}
        for code, spelt in romanised.items():
            alike.setdefault(tuple(spelt), []).append(code)
        scores: dict[str, float] = {}
        owns: dict[str, int] = {}
        for tokens, codes in alike.items():
            lexicons = frozenset(code + ROMANISED_SUFFIX for code in codes)
            totals = dict.fromkeys(lexicons, 0.0)
            own = dict.fromkeys(lexicons, 0)
            for token in tokens:
                evidence = self._evidence(token)
                for lexicon in evidence.known & lexicons:
                    weight = _SHARED if evidence.latin else 1.0
                    if lexicon in evidence.function:
                        weight *= 1 + _FRAME_WEIGHT
                    totals[lexicon] += weight
                    if not evidence.latin:
                        own[lexicon] += 1
            size = max(len(tokens), 1)
            for lexicon, total in totals.items():
                code = lexicon.removesuffix(ROMANISED_SUFFIX)
                scores[code] = _LEXICON_WEIGHT * total / size if own[lexicon] else 0.0
                owns[code] = own[lexicon]
        return scores, owns

    def _short_verdict(
        self,
        text: str,
        tokens: list[str],
        candidates: tuple[str, ...],
        romanised: Mapping[str, list[str]],
    ) -> str | None:
        """Decide a text of one or two words, or return ``None``.

        The language whose lexicon knows the words best (letters only it uses, like ``¿`` or
        ``õ``, add a little) wins; when several know them equally well, only an overwhelming
        statistical favourite among them does ("moi" is Finnish rather than Finland-Swedish,
        "futbol" Spanish or Turkish is not decided); when none does, a clear favourite.
        """
        letters = _letter_hints(text, candidates)
        weights = {
            code: self._weight(tokens, code) + _LETTER_WEIGHT * letters.get(code, 0.0)
            for code in candidates
        }
        weights.update(
            (code, self._weight(spelt, code + ROMANISED_SUFFIX))
            for code, spelt in romanised.items()
        )
        top = max(weights.values())
        knowing = [code for code, weight in weights.items() if top and weight == top]
        if len(knowing) == 1:
            return knowing[0]
        if knowing:
            return self._lingua_favourite(text, candidates, knowing, _TIE_LINGUA)
        return self._lingua_favourite(text, candidates, candidates, _SHORT_LINGUA)

    def _lingua_favourite(
        self, text: str, candidates: tuple[str, ...], pool: Sequence[str], share: float
    ) -> str | None:
        """The language of ``pool`` lingua prefers with at least ``share`` of the pool's total."""
        lingua = self._lingua_values(text, candidates)
        total = sum(lingua.get(code, 0.0) for code in pool)
        if total <= 0:
            return None
        best = max(pool, key=lambda code: lingua.get(code, 0.0))
        return best if lingua[best] / total >= share else None

    def _weight(self, tokens: list[str], code: str) -> float:
        """How surely the lexicon ``code`` knows ``tokens``: concept words 1, others 0.5.

        A romanised lexicon's word that a Latin-script language also knows counts half.
        """
        romanised = code.endswith(ROMANISED_SUFFIX)
        weight = 0.0
        for token in tokens:
            evidence = self._evidence(token)
            if code in evidence.content:
                found = 1.0
            elif code in evidence.known:
                found = 0.5
            else:
                continue
            weight += found * _SHARED if romanised and evidence.latin else found
        return weight


_NOTHING = _Evidence(frozenset(), frozenset(), frozenset(), False)


def _word_index(
    known: Mapping[str, frozenset[str]],
    content: Mapping[str, frozenset[str]] | None = None,
    function: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, _Evidence]:
    """Every word of the tables, with the codes that know it (``known`` …) in each way."""
    tables = (known, content or {}, function or {})
    codes: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for table, position in zip(tables, range(3), strict=True):
        for code, spellings in table.items():
            for spelling in spellings:
                codes.setdefault(spelling, (set(), set(), set()))[position].add(code)
    latin = frozenset(_SCRIPT_LANGUAGES["latin"])
    # Most words are known the same way by the same one or two lexicons: ~50,000 words share
    # a few hundred kinds of evidence, one object each (10 MiB less than one per word).
    shared: dict[tuple[frozenset[str], ...], _Evidence] = {}
    index: dict[str, _Evidence] = {}
    for spelling, (knowing, naming, framing) in codes.items():
        key = (frozenset(knowing), frozenset(naming), frozenset(framing))
        evidence = shared.get(key)
        if evidence is None:
            evidence = shared[key] = _Evidence(*key, bool(knowing & latin))
        index[spelling] = evidence
    return index


def _lexicon_part(known: tuple[int, int], size: int) -> float:
    """A Latin-script language's lexicon share of a score.

    Its known words, function words counting :data:`_FRAME_WEIGHT` more, over the text's words.
    """
    words_known, framing = known
    return _LEXICON_WEIGHT * (words_known + _FRAME_WEIGHT * framing) / max(size, 1)


def _letter_hints(text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    hints: dict[str, float] = {}
    lowered = text.lower()
    for letter, languages in _LATIN_LETTER_HINTS.items():
        if letter in lowered:
            for code in languages:
                if code in candidates:
                    hints[code] = 1.0 / len(languages)
    return hints


def platform_language(hint: str | None) -> str | None:
    """The supported language a platform's locale (``en-US``, ``pt_BR``, ``zh-hans``) names."""
    if not hint:
        return None
    code = hint.strip().replace("_", "-").lower()
    if code in SUPPORTED_LANGUAGES:
        return code
    base = code.split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else None


def reply_language(
    detected: str | None, saved: str | None, hint: str | None, guess: str | None = None
) -> tuple[str, bool]:
    """The language to answer in, and whether it came from the text itself.

    A detected language wins, except that a user who chose plain Finnish keeps it when writing
    Finnish; otherwise the saved choice, then the platform hint, then the detector's best
    guess (a long transliterated message it was unsure of is still more likely Russian than
    English), then English. Only a detected language counts as the text's own.
    """
    if detected is not None:
        if detected == "fi" and saved == PLAIN_FINNISH:
            return PLAIN_FINNISH, True
        return detected, True
    for candidate in (saved, platform_language(hint), guess):
        if candidate in SUPPORTED_LANGUAGES:
            return candidate, False
    return "en", False
