"""Understanding a newcomer's message in any supported language.

:class:`Understander` is built once (it loads the lexicons and the language detector) and then
turns each message into a :class:`~catalog.understanding.query.Query`: the language to answer
in, the intent, and the constraints the matcher applies (kinds, classes, audiences, spoken
languages, municipalities, a time window) plus the leftover content words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Literal

from catalog.understanding.intent import interpret
from catalog.understanding.language import (
    Detection,
    LanguageDetector,
    reply_language,
    script_languages,
)
from catalog.understanding.lexicon import (
    LEXICON_LANGUAGES,
    Hit,
    Lexicon,
    gazetteer,
    load_lexicon,
)
from catalog.understanding.mentions import drop_negated_languages, stated_age
from catalog.understanding.normalise import Token, is_han, normalise, tokenise, words
from catalog.understanding.query import Intent, Query, TimeWindow
from catalog.understanding.timewords import find_window_spans

__all__ = ["Intent", "Query", "TimeWindow", "Understander"]

_MIN_TERM = 3
_MIN_HAN_TERM = 2
#: Only the start of a very long message is read: a question fits, and time stays bounded.
MAX_CHARACTERS = 500


class Understander:
    """Reads messages into queries; build one and share it (loading takes a fraction of a second).

    ``municipalities_in_catalogue`` adds municipality names the catalogue uses that the shared
    name list lacks. ``accuracy`` and ``preload`` are passed to the language detector
    (:class:`~catalog.understanding.language.LanguageDetector`); preloading its models and the
    time-word patterns at construction (about 0.6 s in all) spares the first messages 50-300 ms.
    """

    def __init__(
        self,
        municipalities_in_catalogue: Collection[str] = (),
        *,
        accuracy: Literal["low", "high"] = "low",
        preload: bool = True,
    ) -> None:
        self._lexicons: dict[str, Lexicon] = {
            code: load_lexicon(code) for code in LEXICON_LANGUAGES
        }
        self._names = gazetteer(municipalities_in_catalogue)
        self._detector = LanguageDetector(
            {code: lexicon.vocabulary for code, lexicon in self._lexicons.items()},
            {code: lexicon.content_words for code, lexicon in self._lexicons.items()},
            accuracy=accuracy,
            preload=preload,
        )
        if preload:  # compile every language's time patterns now rather than on a first message
            for code in LEXICON_LANGUAGES:
                find_window_spans("x", code, datetime.now())

    def understand(
        self,
        text: str,
        *,
        now: datetime,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Query:
        """Understand one message written at ``now`` (local, aware or naive as the caller keeps).

        ``saved_language`` is the user's chosen language and ``platform_hint`` the locale the
        chat platform reports; both only matter when the text does not show its language.
        Only the first :data:`MAX_CHARACTERS` characters are read.
        """
        text = text[:MAX_CHARACTERS]
        detection = self._detector.detect(text)
        language, detected = reply_language(detection.language, saved_language, platform_hint)
        readings = self._reading_languages(detection, language)
        primary = readings[0]
        tokens = tokenise(text, primary)
        places = self._names.match(tokens)
        hits = self._concept_hits(text, readings, tokens, places)
        municipalities = _municipalities(places)
        time = find_window_spans(text, primary, now)
        window = time.window
        meant = drop_negated_languages(hits, tokens)
        reading = interpret(
            {hit.concept for hit in meant},
            has_window=window is not None,
            has_place=bool(municipalities),
            age=stated_age(meant, tokens),
        )
        remind = any(hit.concept == "cue.remind" for hit in meant)
        intent = reading.intent
        names_something = bool(
            reading.kinds or reading.classes or reading.audiences or window or municipalities
        )
        if remind and intent == "help" and names_something:  # "remind me about the club"
            intent = "activities"
        stopwords = frozenset().union(
            *(self._lexicons[code].stopwords for code in readings),
            (word for start, end in time.spans for word in words(normalise(text[start:end]))),
        )
        return Query(
            language=language,
            intent=intent,
            window=window,
            kinds=reading.kinds,
            classes=reading.classes,
            audiences=reading.audiences,
            spoken_languages=reading.spoken_languages,
            municipalities=municipalities,
            terms=leftover_terms(tokens, [*hits, *places], stopwords),
            language_detected=detected,
            remind=remind,
        )

    def _concept_hits(
        self, text: str, readings: Sequence[str], tokens: Sequence[Token], places: Iterable[Hit]
    ) -> list[Hit]:
        """Concepts found by each reading language's lexicon; place names are not typos."""
        named = frozenset(index for hit in places for index in hit.tokens)
        hits = list(self._lexicons[readings[0]].match(tokens, no_fuzzy=named))
        for code in readings[1:]:
            hits.extend(self._lexicons[code].match(tokenise(text, code), no_fuzzy=named))
        return hits

    def _reading_languages(self, detection: Detection, language: str) -> list[str]:
        """The lexicons to read the words with: the detected language, else the likely ones."""
        if detection.language is not None:
            return [detection.language]
        reply = language.split("-")[0]
        script = script_languages(detection.script)
        candidates = [detection.guess, reply]
        chosen = [
            code
            for code in dict.fromkeys(candidates)
            if code in LEXICON_LANGUAGES and (not script or code in script)
        ]
        if not chosen:
            chosen = [script[0]] if script else [reply if reply in LEXICON_LANGUAGES else "en"]
        return chosen


def _municipalities(places: Iterable[Hit]) -> tuple[str, ...]:
    """Finnish names of the municipalities found, in order of mention."""
    ordered = sorted(places, key=lambda hit: hit.spans[0])
    names = (hit.concept.partition(".")[2] for hit in ordered)
    return tuple(dict.fromkeys(names))


def leftover_terms(
    tokens: Sequence[Token], hits: Iterable[Hit], stopwords: Collection[str]
) -> tuple[str, ...]:
    """Content words no concept, place, time word or stop word accounts for, in text order.

    Han runs lose the characters any hit covered and any stop word; what is left in pieces of
    two characters or more are terms.
    """
    covered: dict[int, list[tuple[int, int]]] = {}
    for hit in hits:
        for index, start, end in hit.spans:
            covered.setdefault(index, []).append((start, end))
    terms: list[str] = []
    for index, token in enumerate(tokens):
        if token.han:
            terms.extend(_han_terms(token.text, covered.get(index, []), stopwords))
            continue
        if index in covered or token.text.isdigit() or len(token.text) < _MIN_TERM:
            continue
        if token.text in stopwords or token.folded in stopwords:
            continue
        terms.append(token.text)
    return tuple(dict.fromkeys(terms))


def _han_terms(
    text: str, covered: list[tuple[int, int]], stopwords: Collection[str]
) -> list[str]:
    keep = [True] * len(text)
    for start, end in covered:
        for position in range(start, end):
            keep[position] = False
    for word in stopwords:
        if not is_han(word):
            continue
        start = text.find(word)
        while start >= 0:
            for position in range(start, start + len(word)):
                keep[position] = False
            start = text.find(word, start + 1)
    pieces: list[str] = []
    current = ""
    for char, kept in zip(text, keep, strict=True):
        if kept:
            current += char
        elif current:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return [piece for piece in pieces if len(piece) >= _MIN_HAN_TERM]
