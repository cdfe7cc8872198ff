"""Understanding a newcomer's message in any supported language.

:class:`Understander` is built once (it loads the lexicons and the language detector) and then
turns each message into a :class:`~catalog.understanding.query.Query`: the language to answer
in, the intent, and the constraints the matcher applies (kinds, classes, audiences, spoken
languages, municipalities, a time window) plus the leftover content words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Literal

from catalog.understanding.clauses import (
    ClauseTokens,
    about_the_person,
    blank_clauses,
    places_asked,
    tokenise_clauses,
)
from catalog.understanding.holidays import finnish_holidays
from catalog.understanding.intent import interpret
from catalog.understanding.language import (
    Detection,
    LanguageDetector,
    reading_lexicon,
    reading_lexicons,
    reply_language,
)
from catalog.understanding.lexicon import (
    LEXICON_LANGUAGES,
    ROMANISED_LEXICONS,
    Hit,
    Lexicon,
    gazetteer,
    load_lexicon,
)
from catalog.understanding.mentions import drop_negated_languages, stated_age
from catalog.understanding.normalise import (
    Token,
    is_han,
    normalise,
    tokenise,
    word_token,
    words,
)
from catalog.understanding.query import Intent, Query, TimeWindow
from catalog.understanding.timewords import find_window_spans

__all__ = ["Intent", "Query", "TimeWindow", "Understander"]

_MIN_TERM = 3
_MIN_HAN_TERM = 2
#: Only the start of a very long message is read: a question fits, and time stays bounded.
MAX_CHARACTERS = 1000
#: From this length on, a detected language is sure enough that time words are read in it only.
SURE_LANGUAGE_LENGTH = 200
#: Words a message needs before the detector's unsure best guess picks the reply language.
GUESS_WORDS = 4
#: Readings in which a Finnish activity word may stand ("my wife wants to go to äitiryhmä").
#: Not Somali or Turkish: their own words end like Finnish ones too often (Somali "joogaa",
#: "is staying", is Finnish "joogaa", yoga).
BORROWING_READINGS = frozenset({"en", "sv", "es", "fr", "et", "ar-latn", "fa-latn", "ru-latn"})
#: The shortest word looked up in the Finnish lexicon (short ones are too often other words).
_MIN_BORROWED = 6


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
            code: load_lexicon(code) for code in (*LEXICON_LANGUAGES, *ROMANISED_LEXICONS)
        }
        self._names = gazetteer(municipalities_in_catalogue)
        self._detector = LanguageDetector.from_lexicons(
            self._lexicons, accuracy=accuracy, preload=preload
        )
        if preload:  # compile every language's time patterns now rather than on a first message
            for code in LEXICON_LANGUAGES:
                find_window_spans("x", code, datetime.now())
            this_year = datetime.now().year  # the holiday tables of the years questions reach
            for year in (this_year, this_year + 1):
                finnish_holidays(year)

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
        # An unsure guess from a few words ("ok" is Finnish too) is no better than English.
        guess = detection.guess if len(text.split()) >= GUESS_WORDS else None
        language, detected = reply_language(
            detection.language, saved_language, platform_hint, guess
        )
        readings = self._reading_languages(detection, language)
        primary = readings[0]
        clauses = tokenise_clauses(text, _tokeniser(primary), self._breaks(primary))
        tokens = clauses.tokens
        places = self._not_words_of(readings, self._names.match(tokens), tokens)
        found = self._concept_hits(text, readings, clauses, places)
        background = clauses.background(found)
        soft = clauses.rest_of_background_sentences(background)
        places = places_asked(
            places, clauses, background, there=any(hit.concept == "cue.there" for hit in found)
        )
        other_languages = detection.language is None or len(text) <= SURE_LANGUAGE_LENGTH
        told = background | soft
        time = find_window_spans(
            blank_clauses(text, clauses, told), primary, now, other_languages=other_languages
        )
        statements = clauses.statements_before_a_question() - told
        if (time.clock is not None or time.window is not None) and statements:
            # "I go to a course in the mornings. Is there a women's group (on Wednesday
            # evening)?", "My husband studies in the mornings. Is there a group for women?":
            # the part of the day is the question's own (or none); one told in a statement
            # before it is the person's routine.
            asked = find_window_spans(
                blank_clauses(text, clauses, told | statements),
                primary,
                now,
                other_languages=other_languages,
            )
            time = replace(time, clock=asked.clock)
        time_words = _time_words(text, time.spans)
        hits = without_time_words(
            clauses.request_only(about_the_person(found, clauses, background), soft),
            tokens,
            time_words,
        )
        municipalities = _municipalities(places)
        window = time.window
        meant = drop_negated_languages(hits, tokens)
        reading = interpret(
            {hit.concept for hit in meant},
            has_window=window is not None,
            has_place=bool(municipalities),
            age=_youngest(
                stated_age(meant, tokens, time_words, found),
                [token for at, token in enumerate(tokens) if clauses.clause_of[at] not in told],
                time_words,
            ),
        )
        remind = any(hit.concept == "cue.remind" for hit in meant)
        intent = reading.intent
        names_something = bool(
            reading.kinds
            or reading.classes
            or reading.audiences
            or window
            or time.clock
            or municipalities
        )
        if remind and intent == "help" and names_something:  # "remind me about the club"
            intent = "activities"
        stopwords = frozenset().union(
            *(self._lexicons[code].stopwords for code in readings), time_words
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
            clock=time.clock,
            holiday=time.holiday,
            named_audiences=reading.named_audiences,
        )

    def _concept_hits(
        self, text: str, readings: Sequence[str], clauses: ClauseTokens, places: Iterable[Hit]
    ) -> list[Hit]:
        """Concepts found by each reading language's lexicon; place names are not typos.

        Another reading language's hits are read through its own tokens and kept only where
        they are not background (their token indices belong to that reading).
        """
        named = frozenset(index for hit in places for index in hit.tokens)
        hits = list(
            self._lexicons[readings[0]].match(
                clauses.tokens, no_fuzzy=named, clause_of=clauses.clause_of
            )
        )
        if readings[0] in BORROWING_READINGS:
            hits.extend(self._finnish_words(readings[0], clauses.tokens, [*hits, *places]))
        for code in readings[1:]:
            other = tokenise_clauses(text, _tokeniser(code), self._breaks(code))
            found = self._lexicons[code].match(
                other.tokens, no_fuzzy=named, clause_of=other.clause_of
            )
            kept = about_the_person(found, other, other.background(found))
            hits.extend(placed_among(kept, len(other.tokens), len(clauses.tokens)))
        return hits

    def _finnish_words(
        self, reading: str, tokens: Sequence[Token], hits: Iterable[Hit]
    ) -> list[Hit]:
        """Finnish activity words inside a message in another language ("äitiryhmä", "neuvola").

        Newcomers pick up the local names of things; a word the message's own lexicon does not
        know is looked up in the Finnish one, as written (no typos), for kinds and audiences.
        """
        own = self._lexicons[reading]
        covered = {index for hit in hits for index in hit.tokens}
        candidates = [
            index
            for index, token in enumerate(tokens)
            if index not in covered
            and not token.han
            and len(token.text) >= _MIN_BORROWED
            and token.text not in own.vocabulary
            and token.folded not in own.vocabulary
        ]
        if not candidates:
            return []
        finnish = [word_token(tokens[index].text, "fi") for index in candidates]
        found = self._lexicons["fi"].match(finnish, no_fuzzy=range(len(finnish)))
        return [
            Hit(hit.concept, tuple((candidates[i], start, end) for i, start, end in hit.spans))
            for hit in found
            if hit.concept.startswith(("kind.", "audience."))
        ]

    def _not_words_of(
        self, readings: Sequence[str], places: Iterable[Hit], tokens: Sequence[Token]
    ) -> list[Hit]:
        """Place names that are not an ordinary word of the message's language.

        Estonian "kas keelekohvik on lahti?" asks whether the café is open, not about Lahti;
        each lexicon lists such words (``not_places``).
        """
        reading = readings[0]
        ordinary = (
            self._lexicons[reading].not_places
            | self._lexicons[reading.split("-")[0]].not_places
        )
        if not ordinary:
            return list(places)
        return [
            hit
            for hit in places
            if not all(tokens[index].text in ordinary for index in hit.tokens)
        ]

    def _breaks(self, reading: str) -> re.Pattern[str] | None:
        """The contrast words that start a clause in a reading language (its base language's)."""
        lexicon = self._lexicons.get(reading)
        base = self._lexicons.get(reading.split("-")[0])
        if lexicon is not None and lexicon.clause_breaks is not None:
            return lexicon.clause_breaks
        return base.clause_breaks if base is not None else None

    def _reading_languages(self, detection: Detection, language: str) -> list[str]:
        """The lexicons to read the words with: the detected language, else the likely ones.

        Arabic, Persian or Russian in Latin letters is read with its romanised one (``ar-latn``).
        """
        if detection.language is not None:
            return [reading_lexicon(detection.language, detection.script)]
        reply = language.split("-")[0]
        script = reading_lexicons(detection.script)
        candidates = [
            reading_lexicon(code, detection.script) for code in (detection.guess, reply) if code
        ]
        chosen = [
            code
            for code in dict.fromkeys(candidates)
            if code in self._lexicons and (not script or code in script)
        ]
        if not chosen:
            chosen = [script[0]] if script else [reply if reply in LEXICON_LANGUAGES else "en"]
        return chosen


def _tokeniser(language: str) -> Callable[[str], Sequence[Token]]:
    """``tokenise`` for one reading language."""
    return lambda part: tokenise(part, language)


def placed_among(hits: Iterable[Hit], their_tokens: int, our_tokens: int) -> list[Hit]:
    """Another reading's hits, their token indices moved into the message's own tokens.

    That reading tokenised the same text with its own rules ("3ira2", "ta2dim" are words of
    Arabizi, not of the Arabic reading), perhaps into a different number of words; what comes
    after (clauses, the question, time words) reads the message's own tokens. A hit keeps its
    place in the message: the same share of the way through it.
    """
    if their_tokens == our_tokens:
        return list(hits)
    last = max(our_tokens - 1, 0)
    scale = last / max(their_tokens - 1, 1)
    return [
        replace(hit, spans=tuple((round(i * scale), start, end) for i, start, end in hit.spans))
        for hit in hits
    ]


def _time_words(text: str, spans: Iterable[tuple[int, int]]) -> frozenset[str]:
    """The words of the message that were read as time words."""
    return frozenset(word for start, end in spans for word in words(normalise(text[start:end])))


def without_time_words(
    hits: Iterable[Hit], tokens: Sequence[Token], time_words: Collection[str]
) -> list[Hit]:
    """Hits that are not just a time word read again as a kind ("en soirée" is no party)."""
    return [
        hit
        for hit in hits
        if not hit.concept.startswith(("kind.", "class."))
        or not all(tokens[index].text in time_words for index in hit.tokens)
    ]


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
    han_stopwords: re.Pattern[str] | None = None
    han_seen = False  # the pattern is made once, and only when a Han run comes
    for index, token in enumerate(tokens):
        if token.han:
            if not han_seen:
                han_seen = True
                han_stopwords = _han_stopword_pattern(
                    frozenset(word for word in stopwords if word and is_han(word))
                )
            terms.extend(_han_terms(token.text, covered.get(index, []), han_stopwords))
            continue
        if index in covered or token.text.isdigit() or len(token.text) < _MIN_TERM:
            continue
        if token.text in stopwords or token.folded in stopwords:
            continue
        terms.append(token.text)
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=64)
def _han_stopword_pattern(stopwords: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern that finds, at each position, the longest Han stop word starting there.

    A lookahead, so that stop words that overlap are all found (one pass over the run
    instead of one search per stop word: a long Chinese message has many runs).
    """
    if not stopwords:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(stopwords, key=len, reverse=True))
    return re.compile(f"(?=({alternatives}))")


def _han_terms(
    text: str, covered: list[tuple[int, int]], stopwords: re.Pattern[str] | None
) -> list[str]:
    """The pieces of a Han run that no hit and no (Han) stop word covers."""
    keep = [True] * len(text)
    for start, end in covered:
        for position in range(start, end):
            keep[position] = False
    for found in stopwords.finditer(text) if stopwords is not None else ():
        start = found.start()
        for position in range(start, start + len(found.group(1))):
            keep[position] = False
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


def _youngest(age: int | None, tokens: Sequence[Token], time_words: Collection[str]) -> int | None:
    """The youngest of the ages a message states ("they are 5 and 8 years": 5), or ``age``.

    Only smaller bare numbers that are no time words count, and only beside a stated age;
    the caller leaves out the background ("we have lived here for 2 years. My son is 13").
    """
    if age is None:
        return None
    smaller = [
        int(token.text)
        for token in tokens
        if token.text.isascii()
        and token.text.isdigit()
        and token.text not in time_words
        and int(token.text) < age
    ]
    return min(smaller, default=age)
