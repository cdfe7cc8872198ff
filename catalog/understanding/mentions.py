"""Rules that depend on where words stand in a message, not only on which words occur in it.

The intent rules (:mod:`catalog.understanding.intent`) see a set of concepts; two readings need
the words' positions as well, so they are made here from the lexicon hits:

- *A language the person does not speak.* "My mother doesn't speak Finnish", ``Fince
  bilmiyor``, ``ei osaa suomea``: a language named next to a negated speak/know/understand
  (``cue.not_speak``) says what the person lacks, not the language an activity should be in.
- *A stated age.* A number next to an age word: ``cue.age`` words always state one
  ("15-year-old", ``15-vuotias``, ``15岁``, ``عمره ١٥``); ``cue.years`` words ("15 years",
  ``15 лет``, ``15 años``) only when the message speaks of someone (a child, a parent, an
  audience), because "5 years in Finland" is no age. With no age word, a bare number just
  after a child or parent ("my daughter is 15", ``син, йому 13``, ``isä 72``) is that
  person's age, unless it is part of a date or a count of something named after it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from catalog.understanding.lexicon import Hit
from catalog.understanding.normalise import Token

NOT_SPEAK = "cue.not_speak"
#: Other words allowed between a negated "speak" and the language it negates.
NEGATION_REACH = 2
#: Other characters allowed between them inside one run of Chinese characters.
HAN_NEGATION_REACH = 3
#: Ages outside this range are not ages but something else (a year, a time, a count).
MAX_AGE = 110
#: Question words ("where", "is there") that may follow an age ("my son is 16, is there…"):
#: a number before one of them counts nothing.
_QUESTION_CUES = frozenset({"cue.where", "cue.is_there"})
_PERSON_CONCEPTS = ("audience.", "cue.mother", "cue.father", "cue.baby")
#: The people whose age a bare number after them states.
_RELATION_CONCEPTS = (
    "audience.children",
    "audience.youth",
    "cue.mother",
    "cue.father",
    "cue.baby",
)
#: Other words allowed between such a person and the number ("is", "йому", "on").
RELATION_REACH = 2


def drop_negated_languages(hits: Sequence[Hit], tokens: Sequence[Token]) -> list[Hit]:
    """``hits`` without the language mentions that a ``cue.not_speak`` hit negates."""
    negations = [hit for hit in hits if hit.concept == NOT_SPEAK]
    if not negations:
        return list(hits)
    return [
        hit
        for hit in hits
        if not (
            hit.concept.startswith(("lang.", "spoken."))
            and any(_near(hit, negation, tokens) for negation in negations)
        )
    ]


def _near(hit: Hit, negation: Hit, tokens: Sequence[Token]) -> bool:
    for index, start, end in hit.spans:
        for other, first, last in negation.spans:
            if index == other:
                if not tokens[index].han:
                    return True  # one word: the language and the negation fused
                if max(first - end, start - last) <= HAN_NEGATION_REACH:
                    return True
            elif abs(index - other) <= NEGATION_REACH + 1:
                return True
    return False


def stated_age(
    hits: Sequence[Hit],
    tokens: Sequence[Token],
    time_words: Collection[str] = (),
    every_hit: Sequence[Hit] = (),
) -> int | None:
    """The age in years a message states next to an age word, if it states one.

    ``time_words`` are the words read as a date or time: such a number is no age.
    ``every_hit`` are the hits of the whole message, background included: a number before
    any of them is a count ("a mother of 4 children"), even where that word counts for nothing.
    """
    concepts = {hit.concept for hit in hits}
    speaks_of_someone = any(concept.startswith(_PERSON_CONCEPTS) for concept in concepts)
    for hit in hits:
        if hit.concept == "cue.age" or (hit.concept == "cue.years" and speaks_of_someone):
            age = _number_beside(hit, tokens)
            if age is not None:
                return age
    return _number_after_person(hits, tokens, time_words, every_hit or hits)


def _number_after_person(
    hits: Sequence[Hit],
    tokens: Sequence[Token],
    time_words: Collection[str],
    every_hit: Sequence[Hit],
) -> int | None:
    """A bare number within :data:`RELATION_REACH` words after a child or a parent."""
    people = [hit for hit in hits if hit.concept.startswith(_RELATION_CONCEPTS)]
    if not people or not any(token.text.isdigit() for token in tokens):
        return None
    taken = {index for hit in every_hit for index, _, _ in hit.spans}
    counted = {
        index
        for hit in every_hit
        if hit.concept not in _QUESTION_CUES
        for index, _, _ in hit.spans
    }
    for hit in people:
        last = max(index for index, _, _ in hit.spans)
        for index in range(last + 1, min(last + 2 + RELATION_REACH, len(tokens))):
            if index in taken:
                break  # another concept stands between: the number is not this person's
            if not tokens[index].text.isdigit():
                continue
            if tokens[index].text in time_words:
                break  # "for seniors on the 10th of January"
            after = index + 1
            if after < len(tokens) and (tokens[after].text.isdigit() or after in counted):
                break  # a date ("15.3.") or a count ("2 kids", "3 hours" read as time)
            number = int(tokens[index].text)
            if 0 < number <= MAX_AGE:
                return number
            break
    return None


def _number_beside(hit: Hit, tokens: Sequence[Token]) -> int | None:
    """A number just before the age word ("15 years", "15岁") or just after it ("aged 15")."""
    first_index, first_start, _ = hit.spans[0]
    last_index = hit.spans[-1][0]
    candidates = []
    if first_start == 0:
        candidates.append(first_index - 1)
    if hit.spans[-1][2] == len(tokens[last_index].text):
        candidates.append(last_index + 1)
    for index in candidates:
        if 0 <= index < len(tokens) and tokens[index].text.isdigit():
            number = int(tokens[index].text)
            if 0 < number <= MAX_AGE:
                return number
    return None
