"""Which language a message is written in, and which language to answer in.

Detection only chooses among the product's languages. The script settles most cases cheaply
(Han → Chinese; Cyrillic → Ukrainian by ``і ї є ґ`` or Russian by ``ы э ъ ё``; Arabic script →
Persian by ``پ چ ژ گ`` and the Persian ``ی ک``, Arabic by ``ة`` and the Arabic ``ي ك``), and
for the rest lingua's statistics are weighed together with how many of the words are known
words of each language's lexicon. A text that is too short or too mixed to decide is reported
as not detected, and :func:`reply_language` falls back to the user's saved choice, then the
platform's hint, then English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from catalog.understanding.normalise import fold, normalise, words
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

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
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
_MIN_SCORE = 0.4  # lingua alone, when it is sure (0.8 of 0.5), may decide a longer text
_MIN_MARGIN = 0.15
_SHORT_WORDS = 2
_SHORT_LINGUA = 0.8


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

    ``vocabularies`` maps a language to the words its lexicon knows (stop words included) and
    ``content_words`` to the subset that names concepts: for a text of one or two words, a
    greeting or a concept word weighs more than a function word another language shares.
    ``accuracy="low"`` uses lingua's trigram-only mode (about 40 MB, tens of microseconds);
    ``"high"`` uses all its models (about 330 MB once loaded) and is a little better on texts of
    two or three words.
    """

    def __init__(
        self,
        vocabularies: Mapping[str, frozenset[str]],
        content_words: Mapping[str, frozenset[str]] | None = None,
        *,
        accuracy: Literal["low", "high"] = "low",
        preload: bool = False,
    ) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self._vocabularies = dict(vocabularies)
        self._content = dict(content_words or {})
        self._by_lingua: dict[Any, str] = {
            getattr(Language, name): code for code, name in _LINGUA_NAMES.items()
        }
        builder = LanguageDetectorBuilder.from_languages(*self._by_lingua)
        if accuracy == "low":
            builder = builder.with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        self._lingua = builder.build()

    def detect(self, text: str) -> Detection:
        """Detect the language of ``text`` (see the module docstring for how)."""
        script = dominant_script(text)
        candidates = script_languages(script)
        if not candidates:
            return Detection(None, None, 0.0, script)
        verdict = _script_verdict(text, script)
        if verdict is not None:
            return Detection(verdict, verdict, 1.0, script)
        tokens = [w for w in words(normalise(text)) if not w.isdigit()]
        scores = self._scores(text, tokens, candidates)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        best, best_score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if len(tokens) <= _SHORT_WORDS:
            decided = self._short_verdict(text, tokens, candidates)
            if decided is not None:
                return Detection(decided, decided, max(best_score, 0.9), script)
            return Detection(None, best if best_score > 0 else None, best_score, script)
        if best_score >= _MIN_SCORE and best_score - second >= _MIN_MARGIN:
            return Detection(best, best, min(best_score, 1.0), script)
        return Detection(None, best, best_score, script)

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

    def _known_counts(self, tokens: list[str], candidates: tuple[str, ...]) -> dict[str, int]:
        counts = {}
        for code in candidates:
            vocabulary = self._vocabularies.get(code, frozenset())
            counts[code] = sum(1 for t in tokens if t in vocabulary or fold(t) in vocabulary)
        return counts

    def _scores(
        self, text: str, tokens: list[str], candidates: tuple[str, ...]
    ) -> dict[str, float]:
        lingua = self._lingua_values(text, candidates)
        known = self._known_counts(tokens, candidates)
        letters = _letter_hints(text, candidates)
        size = max(len(tokens), 1)
        return {
            code: _LINGUA_WEIGHT * lingua[code]
            + _LEXICON_WEIGHT * known[code] / size
            + _LETTER_WEIGHT * letters.get(code, 0.0)
            for code in candidates
        }

    def _short_verdict(
        self, text: str, tokens: list[str], candidates: tuple[str, ...]
    ) -> str | None:
        """Decide a text of one or two words, or return ``None``.

        The language whose lexicon knows the words best (letters only it uses, like ``¿`` or
        ``õ``, add a little) wins; among several equally good (or none), only a clear
        statistical favourite does.
        """
        letters = _letter_hints(text, candidates)
        weights = {
            code: self._weight(tokens, code) + _LETTER_WEIGHT * letters.get(code, 0.0)
            for code in candidates
        }
        top = max(weights.values())
        knowing = [code for code, weight in weights.items() if top and weight == top]
        if len(knowing) == 1:
            return knowing[0]
        lingua = self._lingua_values(text, candidates)
        pool = knowing or list(candidates)
        total = sum(lingua[code] for code in pool)
        if total <= 0:
            return None
        best = max(pool, key=lambda code: lingua[code])
        return best if lingua[best] / total >= _SHORT_LINGUA else None


    def _weight(self, tokens: list[str], code: str) -> float:
        content = self._content.get(code, frozenset())
        vocabulary = self._vocabularies.get(code, frozenset())
        weight = 0.0
        for token in tokens:
            spellings = {token, fold(token)}
            if spellings & content:
                weight += 1.0
            elif spellings & vocabulary:
                weight += 0.5
        return weight


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
    detected: str | None, saved: str | None, hint: str | None
) -> tuple[str, bool]:
    """The language to answer in, and whether it came from the text itself.

    A detected language wins, except that a user who chose plain Finnish keeps it when writing
    Finnish; otherwise the saved choice, then the platform hint, then English.
    """
    if detected is not None:
        if detected == "fi" and saved == PLAIN_FINNISH:
            return PLAIN_FINNISH, True
        return detected, True
    for candidate in (saved, platform_language(hint)):
        if candidate in SUPPORTED_LANGUAGES:
            return candidate, False
    return "en", False
