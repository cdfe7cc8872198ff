"""The multilingual lexicon: data files that name concepts, compiled once and matched fast.

Each language has ``catalog/data/lexicon/<code>.yaml`` mapping concept names (``kind.sports``,
``audience.women``, ``cue.coordinator`` …) to words and phrases, so that a coordinator or a
translator can extend it without touching code; ``municipalities.yaml`` maps each municipality's
Finnish name to its names and spellings in other languages and scripts. The files' own header
comments describe the entry syntax; in short:

- ``word`` meets the same word inflected: equal stems, or (in languages marked ``prefix``) a
  longer word starting with the stem, or (``compounds``) a word containing it (Finnish
  ``naistenryhmä`` contains ``ryhmä``);
- ``two words`` is a phrase: the words in this order, at most two other words between them;
  ``two+words`` (and every phrase naming a spoken language, "in Finnish") only side by side
  ("work+out" is no "work permit runs out");
- ``=word`` is matched as written only (short or ambiguous words), ``word*`` as a prefix;
- Chinese entries are matched as substrings (a space in one allows a short gap).

Arabic words are also read without the particles glued to their front (``و`` "and", ``ب``
"in", the article); Persian words are not, whose first ``ب`` belongs to the verb. Persian
possessive endings and the Arabic ``ة`` written ``ت`` before one are peeled off for non-exact
entries (:func:`~catalog.understanding.normalise.suffix_variants`).

Words of six letters or more (eight in Arabic script, whose words are denser) also meet typos
of one edit (two from nine letters on; a swap of two neighbours is one edit) through rapidfuzz,
provided the first letter is right and the word is not a known word itself. Folded spellings
only bridge diacritics a user left out, never different ones (:func:`diacritics_agree`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from sys import intern
from typing import Any, TypeVar

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from catalog.understanding.normalise import (
    Token,
    arabic_variants,
    fold,
    is_han,
    normalise,
    spelt_words,
    stemmer,
    suffix_variants,
    words,
)
from catalog.vocabulary import AUDIENCES, CLASSES, KINDS

#: The languages that have a lexicon file.
LEXICON_LANGUAGES = ("fi", "sv", "en", "ru", "uk", "et", "ar", "fa", "so", "tr", "zh", "es", "fr")
#: Lexicons of chat spellings in Latin letters (Arabizi, Finglish, translit Russian): a message
#: detected as one of these languages but typed in Latin letters is read with them.
ROMANISED_LEXICONS = ("ar-latn", "fa-latn", "ru-latn")

#: Concept-name prefixes a lexicon may use; kinds, audiences and classes must be in the vocabulary.
CONCEPT_FAMILIES = ("kind", "audience", "class", "lang", "spoken", "cue", "help")

_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_MAX_PHRASE_GAP = 2  # other words allowed between two words of a phrase
_SPOKEN = "spoken."  # phrases naming the language spoken: their words stand together
_MAX_HAN_GAP = 4  # other characters allowed between two parts of a Chinese phrase
_MIN_STEM_KEY = 3  # shorter stems (Finnish "as" of "asiani") would meet unrelated words
_MAX_ENDING = 5  # letters an inflectional ending may add after the last part of a compound
_NO_CLITICS = frozenset({"fa"})  # Arabic-script languages whose words take no Arabic clitics
_SECOND_EDIT = 9  # words this long may have two typos
_T = TypeVar("_T")
_ARABIC_FUZZY_EXTRA = 2  # Arabic-script words need two letters more for each allowed typo


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the file and the entry named."""


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """How loosely a lexicon's single words meet the words of a message."""

    prefix: bool = False
    compounds: bool = False
    min_prefix: int = 4
    min_internal: int = 5
    max_leftover: int | None = None
    stem_leftover: re.Pattern[str] | None = None
    fuzzy: bool = True
    min_fuzzy: int = 6
    same_stem: bool = True
    """Whether a word meets an entry by having the same stem in the message's language. Not for
    names: English "hang" has the stem of Swedish "Hangö"; their endings are found by prefix."""


@dataclass(frozen=True, slots=True)
class Part:
    """One word of a lexicon entry in the spellings the matcher compares."""

    text: str
    folded: str
    stem: str
    exact: bool = False
    prefix: bool = False
    han: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A word or phrase that names a concept."""

    concept: str
    parts: tuple[Part, ...]
    source: str
    tight: bool = False
    """Whether the phrase's words must stand side by side (``two+words``, and every phrase
    naming a spoken language: "in a Finnish course" is a course, not Finnish spoken)."""


#: Where one part of an entry was found: token index, first and end character in the token.
Span = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a concept in a message."""

    concept: str
    spans: tuple[Span, ...]
    fuzzy: bool = False
    source: str = ""

    @property
    def tokens(self) -> frozenset[int]:
        """Indices of the tokens this hit touches."""
        return frozenset(span[0] for span in self.spans)

    @property
    def size(self) -> int:
        """Characters covered, to prefer the longer of two overlapping readings."""
        return sum(end - start for _, start, end in self.spans)

    def within(self, other: Hit) -> bool:
        """Tell whether every part of this hit lies inside a part of ``other``."""
        return all(
            any(i == j and s >= t and e <= u for j, t, u in other.spans) for i, s, e in self.spans
        )


PartRef = tuple[int, int]  # (entry index, part index)
#: One part a token meets: the part, its first and end character in the token, and whether
#: it was met through a typo.
_TokenPart = tuple[PartRef, int, int, bool]
#: Tokens whose matches are remembered per lexicon (a few MiB at most; cleared when full).
_TOKEN_CACHE_SIZE = 50_000


#: An index value: the part it leads to and the spelling it was made from (before folding), so
#: that a match through a diacritic-free key can be checked (see :func:`diacritics_agree`).
Keyed = tuple[PartRef, str]


@dataclass(frozen=True, slots=True)
class _Index:
    """A lexicon's lookup tables, frozen into tuples once built (a list keeps spare room)."""

    keys: dict[str, tuple[Keyed, ...]]
    stems: dict[str, tuple[Keyed, ...]]
    internal: dict[str, tuple[Keyed, ...]]
    prefixes: dict[str, tuple[tuple[PartRef, bool, str], ...]]
    han: dict[str, tuple[PartRef, ...]]
    fuzzy: dict[str, tuple[str, ...]]
    fuzzy_refs: dict[str, tuple[Keyed, ...]]
    max_prefix: int
    max_internal: int
    max_han: int


def _frozen(table: Mapping[str, list[_T]]) -> dict[str, tuple[_T, ...]]:
    return {key: tuple(values) for key, values in table.items()}


def diacritics_agree(written: str, entry: str) -> bool:
    """Tell whether ``written`` is ``entry`` itself or ``entry`` with diacritics left out.

    Folding lets a user who types without diacritics (``Hameenlinna``, ``yasli``) meet the
    lexicon, but a diacritic the user did type is a letter of its own: Swedish ``nåt`` is not
    ``nät``, Turkish ``yaş`` (age) is not ``yas`` (grief). Where folding changes the length
    (``ß``), only a word typed wholly without diacritics is let through.
    """
    if written == entry:
        return True
    if len(written) != len(entry):
        return written == fold(written)
    return all(w == e or w == fold(e) for w, e in zip(written, entry, strict=True))


class Lexicon:
    """One language's compiled lexicon (or the municipality gazetteer), ready to match tokens."""

    def __init__(
        self,
        language: str,
        entries: Sequence[Entry],
        *,
        stopwords: Iterable[str] = (),
        options: MatchOptions = MatchOptions(),
        clause_breaks: Iterable[str] = (),
        not_places: Iterable[str] = (),
        clause_ends: Iterable[str] = (),
    ) -> None:
        self.language = language
        self.entries = tuple(entries)
        self.options = options
        self.clause_breaks = clause_break_pattern(clause_breaks, clause_ends)
        """Where a new clause starts inside a sentence ("but", ``mutta``, ``لكن``), or None."""
        self.not_places = frozenset(w for word in not_places for w in (word, fold(word)))
        """Ordinary words of the language spelt like a municipality (Estonian ``lahti``: open)."""
        self.stopwords = frozenset(w for word in stopwords for w in (word, fold(word)))
        self.vocabulary = self.stopwords | frozenset(
            spelling
            for entry in self.entries
            for part in entry.parts
            if not part.han
            for spelling in (part.text, part.folded)
        )
        self._index = self._build_index()
        self._token_cache: dict[tuple[Token, bool], tuple[_TokenPart, ...]] = {}

    @property
    def content_words(self) -> frozenset[str]:
        """Single-word entries, which tell the language more surely than function words."""
        return frozenset(
            spelling
            for entry in self.entries
            if len(entry.parts) == 1 and not entry.parts[0].han
            for spelling in (entry.parts[0].text, entry.parts[0].folded)
        )

    @property
    def prefix_words(self) -> frozenset[str]:
        """Single-word entries that also meet longer words starting with them (their stems)."""
        return frozenset(
            spelling
            for entry in self.entries
            if len(entry.parts) == 1
            and (entry.parts[0].prefix or (self.options.prefix and not entry.parts[0].exact))
            for spelling in (entry.parts[0].text, entry.parts[0].folded)
            if len(spelling) >= self.options.min_prefix
        )

    @property
    def concepts(self) -> frozenset[str]:
        """Every concept name this lexicon knows words for."""
        return frozenset(entry.concept for entry in self.entries)

    def _build_index(self) -> _Index:
        keys: defaultdict[str, list[Keyed]] = defaultdict(list)
        stems: defaultdict[str, list[Keyed]] = defaultdict(list)
        internal: defaultdict[str, list[Keyed]] = defaultdict(list)
        prefixes: defaultdict[str, list[tuple[PartRef, bool, str]]] = defaultdict(list)
        han: defaultdict[str, list[PartRef]] = defaultdict(list)
        fuzzy: defaultdict[str, list[str]] = defaultdict(list)
        fuzzy_refs: defaultdict[str, list[Keyed]] = defaultdict(list)
        max_prefix = max_internal = max_han = 0
        options = self.options
        for e, entry in enumerate(self.entries):
            for p, part in enumerate(entry.parts):
                ref = (e, p)
                # One pair per part and spelling, shared by every table that lists it.
                by_text: Keyed = (ref, part.text)
                by_stem: Keyed = (ref, part.stem)
                if part.han:
                    han[part.text].append(ref)
                    max_han = max(max_han, len(part.text))
                    continue
                if not part.prefix:
                    for key in {part.text, part.folded}:
                        keys[key].append(by_text)
                    if options.same_stem and not part.exact and len(part.stem) >= _MIN_STEM_KEY:
                        for key in {part.stem, fold(part.stem)}:
                            stems[key].append(by_stem)
                if options.compounds and not part.exact and len(part.stem) >= options.min_internal:
                    for key in {part.stem, fold(part.stem)}:
                        internal[key].append(by_stem)
                        max_internal = max(max_internal, len(key))
                if part.prefix or (options.prefix and not part.exact):
                    minimum = 2 if part.prefix else options.min_prefix
                    spellings = dict.fromkeys((part.text, part.folded, part.stem, fold(part.stem)))
                    as_written, as_stem = (ref, False, part.text), (ref, True, part.stem)
                    for key in spellings:
                        if len(key) >= minimum:
                            is_stem = key not in (part.text, part.folded)
                            prefixes[key].append(as_stem if is_stem else as_written)
                            max_prefix = max(max_prefix, len(key))
                if (
                    options.fuzzy
                    and not part.exact
                    and not part.prefix
                    and len(part.text) >= options.min_fuzzy
                ):
                    for key in {part.text, part.folded}:
                        if all(ref != known for known, _ in fuzzy_refs[key]):
                            if not fuzzy_refs[key]:
                                fuzzy[key[0]].append(key)
                            fuzzy_refs[key].append(by_text)
        return _Index(
            _frozen(keys),
            _frozen(stems),
            _frozen(internal),
            _frozen(prefixes),
            _frozen(han),
            _frozen(fuzzy),
            _frozen(fuzzy_refs),
            max_prefix,
            max_internal,
            max_han,
        )

    def match(
        self,
        tokens: Sequence[Token],
        *,
        no_fuzzy: Collection[int] = (),
        clause_of: Sequence[int] | None = None,
    ) -> list[Hit]:
        """Find every concept occurrence in ``tokens``, shorter readings inside longer dropped.

        Tokens whose index is in ``no_fuzzy`` (say, already read as a place name) are not
        compared for typos. With ``clause_of`` (each token's clause) a phrase's words must
        stand in one clause: "… to find work. What is on in the afternoons?" holds no
        "work in the afternoons".
        """
        found: dict[PartRef, list[tuple[Span, bool]]] = defaultdict(list)
        for i, token in enumerate(tokens):
            parts = self._token_parts(token, fuzzy=i not in no_fuzzy)
            for ref, start, end, fuzzy in parts:
                found[ref].append(((i, start, end), fuzzy))
        hits = self._assemble(found, clause_of)
        return _drop_contained(hits)

    def _token_parts(self, token: Token, *, fuzzy: bool) -> tuple[_TokenPart, ...]:
        """The entry parts one token meets, remembered: long messages repeat their words.

        A token is compared for typos only when it met nothing as written (and ``fuzzy``).
        """
        key = (token, fuzzy)
        known = self._token_cache.get(key)
        if known is not None:
            return known
        found: dict[PartRef, list[tuple[Span, bool]]] = defaultdict(list)
        self._match_token(0, token, found)
        if not found and fuzzy and self._fuzzy_candidate(token):
            self._match_fuzzy(0, token, found)
        parts = tuple(
            (ref, start, end, is_fuzzy)
            for ref, spans in found.items()
            for (_, start, end), is_fuzzy in spans
        )
        if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
            self._token_cache.clear()
        self._token_cache[key] = parts
        return parts

    def _match_token(
        self, i: int, token: Token, found: dict[PartRef, list[tuple[Span, bool]]]
    ) -> None:
        index = self._index
        if token.han:
            text = token.text
            for start in range(len(text)):
                for end in range(start + 1, min(len(text), start + index.max_han) + 1):
                    for ref in index.han.get(text[start:end], ()):
                        found[ref].append(((i, start, end), False))
            return
        full = len(token.text)
        if token.text in self.stopwords or token.folded in self.stopwords:
            # A function word meets entries only as written: its stem would be too short
            # and too common (Spanish "para" and "paro" share the stem "par"), and its
            # letters are its meaning (Swedish "man" is not "män").
            for ref, origin in index.keys.get(token.text, ()):
                if origin == token.text:
                    found[ref].append(((i, 0, full), False))
            return
        stem = stemmer(self.language)
        forms = [(token.text, token.stem)]
        if self._peels_clitics(token):
            forms.extend((variant, stem(variant)) for variant in arabic_variants(token.text)[1:])
        refs: set[PartRef] = set()
        for surface, surface_stem in forms:
            refs.update(_agreeing(index.keys, surface))
            refs.update(_agreeing(index.stems, surface_stem))
        for variant in suffix_variants(token.text, self.language):
            # An ending peeled off (Persian "my", "his") never makes an exact entry.
            candidates = {*_agreeing(index.keys, variant), *_agreeing(index.stems, stem(variant))}
            refs.update(ref for ref in candidates if not self._part(ref).exact)
        for ref in refs:
            found[ref].append(((i, 0, full), False))
        if index.prefixes or index.internal:
            self._match_prefixes(i, token, found)

    def _peels_clitics(self, token: Token) -> bool:
        """Arabic glues "and", "in", "for" and the article to a word; Persian does not.

        A Persian word's first ``ب`` is a verb prefix (``بخونم`` "I sing"), not "in".
        """
        return self.language not in _NO_CLITICS and bool(_ARABIC_SCRIPT.match(token.text))

    def _part(self, ref: PartRef) -> Part:
        return self.entries[ref[0]].parts[ref[1]]

    def _match_prefixes(
        self, i: int, token: Token, found: dict[PartRef, list[tuple[Span, bool]]]
    ) -> None:
        index = self._index
        options = self.options
        # Each spelling compared, with the same letters as typed (for diacritics_agree).
        spellings = {token.text: token.text}
        if len(token.folded) == len(token.text):
            spellings[token.folded] = token.text
        else:
            spellings.setdefault(token.folded, token.folded)
        limit = options.max_leftover
        if self._peels_clitics(token):
            for variant in arabic_variants(token.text)[1:]:
                spellings.setdefault(variant, variant)
            if limit is not None:
                limit = 0  # names in Arabic script take no endings, only the clitics peeled off
        for spelling, written in spellings.items():
            offset = len(token.text) - len(spelling)
            longest = min(len(spelling), index.max_prefix)
            for length in range(2, longest + 1):
                refs = index.prefixes.get(spelling[:length])
                if not refs:
                    continue
                leftover = spelling[length:]
                if limit is not None and len(leftover) > limit:
                    continue
                for ref, is_stem, origin in refs:
                    if (
                        is_stem
                        and options.stem_leftover
                        and not options.stem_leftover.match(leftover)
                    ):
                        continue
                    if not diacritics_agree(written[:length], origin):
                        continue
                    found[ref].append(((i, offset, offset + length), False))
            if options.compounds:
                self._match_compound(i, spelling, written, offset, found)

    def _match_compound(
        self,
        i: int,
        spelling: str,
        written: str,
        offset: int,
        found: dict[PartRef, list[tuple[Span, bool]]],
    ) -> None:
        """Find entry stems as the last part of a compound word (``naisten|ryhmä|ssä``).

        Only stems of five letters or more count, and at most a case ending may follow them:
        a stem in the middle of a long word is more often a coincidence than a compound part.
        """
        index = self._index
        minimum = self.options.min_internal
        for start in range(3, len(spelling) - minimum + 1):
            rest = spelling[start:]
            longest = min(len(rest), index.max_internal)
            for length in range(max(minimum, len(rest) - _MAX_ENDING), longest + 1):
                for ref, origin in index.internal.get(rest[:length], ()):
                    if diacritics_agree(written[start : start + length], origin):
                        span = (i, offset + start, offset + start + length)
                        found[ref].append((span, False))

    def _fuzzy_candidate(self, token: Token) -> bool:
        minimum = self.options.min_fuzzy
        if _ARABIC_SCRIPT.match(token.text):
            # Written without short vowels, Arabic-script words are dense: one letter off is
            # usually another word (تمريض "nursing" and تمرين "exercise").
            minimum += _ARABIC_FUZZY_EXTRA
        return (
            self.options.fuzzy
            and not token.han
            and len(token.text) >= minimum
            and token.text not in self.vocabulary
            and token.folded not in self.vocabulary
        )

    def _match_fuzzy(
        self, i: int, token: Token, found: dict[PartRef, list[tuple[Span, bool]]]
    ) -> None:
        index = self._index
        spelling = token.text
        second_edit = _SECOND_EDIT + (_ARABIC_FUZZY_EXTRA if _ARABIC_SCRIPT.match(spelling) else 0)
        allowed = 2 if len(spelling) >= second_edit else 1
        choices = index.fuzzy.get(spelling[0])
        if not choices:
            return
        best = process.extractOne(spelling, choices, scorer=OSA.distance, score_cutoff=allowed)
        if best is None:
            return
        for ref, _ in index.fuzzy_refs[best[0]]:
            found[ref].append(((i, 0, len(token.text)), True))

    def _assemble(
        self,
        found: Mapping[PartRef, list[tuple[Span, bool]]],
        clause_of: Sequence[int] | None = None,
    ) -> list[Hit]:
        hits: list[Hit] = []
        # Places arrive in token order: the next word of a phrase is looked up by bisection,
        # so a long message with many repeated words costs no pairwise comparison.
        positions = {ref: [span[0] for span, _ in places] for ref, places in found.items()}
        for (e, p), places in found.items():
            if p != 0:
                continue
            entry = self.entries[e]
            if any((e, later) not in found for later in range(1, len(entry.parts))):
                continue  # a word of the phrase is missing from the message altogether
            for span, fuzzy in places:
                chain = self._follow(e, entry, span, found, positions, clause_of)
                if chain is None:
                    continue
                spans, chain_fuzzy = chain
                hits.append(Hit(entry.concept, spans, fuzzy or chain_fuzzy, entry.source))
        return hits

    def _follow(
        self,
        e: int,
        entry: Entry,
        first: Span,
        found: Mapping[PartRef, list[tuple[Span, bool]]],
        positions: Mapping[PartRef, list[int]],
        clause_of: Sequence[int] | None = None,
    ) -> tuple[tuple[Span, ...], bool] | None:
        spans = [first]
        clauses: Sequence[int] = clause_of or ()
        clause = clauses[first[0]] if clauses else None
        fuzzy = False
        gap = 0 if entry.tight else _MAX_PHRASE_GAP
        for p in range(1, len(entry.parts)):
            previous = spans[-1]
            places = found.get((e, p), ())
            at = positions.get((e, p), [])
            low = bisect_left(at, previous[0])
            high = bisect_right(at, previous[0] + gap + 1)
            candidates = [
                (span, fz)
                for span, fz in places[low:high]
                if _follows(previous, span, gap) and (not clauses or clauses[span[0]] == clause)
            ]
            if not candidates:
                return None
            # the nearest next word, read as a whole rather than by a shorter prefix of it
            span, fz = min(candidates, key=lambda c: (c[0][0], c[0][1], -c[0][2]))
            spans.append(span)
            fuzzy = fuzzy or fz
        return tuple(spans), fuzzy


def _agreeing(table: Mapping[str, Sequence[Keyed]], written: str) -> Iterable[PartRef]:
    """Parts indexed under ``written`` or its folded spelling whose diacritics agree with it."""
    for key in {written, fold(written)}:
        for ref, origin in table.get(key, ()):
            if diacritics_agree(written, origin):
                yield ref


def _follows(previous: Span, span: Span, gap: int = _MAX_PHRASE_GAP) -> bool:
    """Tell whether ``span`` can be the next word of a phrase after ``previous``."""
    if span[0] == previous[0]:
        return previous[2] <= span[1] <= previous[2] + _MAX_HAN_GAP
    return previous[0] < span[0] <= previous[0] + gap + 1


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Keep only the hits that no strictly larger hit covers.

    Hits are hashed once (to drop repeats) and then referred to by position: a long message
    has thousands of hits, and hashing a hit again for every comparison was a tenth of the
    time spent understanding it.
    """
    unique = list(dict.fromkeys(hits))
    sizes = [hit.size for hit in unique]
    by_token: dict[int, list[int]] = defaultdict(list)
    for number in sorted(range(len(unique)), key=sizes.__getitem__, reverse=True):
        for index in {span[0] for span in unique[number].spans}:
            by_token[index].append(number)
    return [
        hit
        for number, hit in enumerate(unique)
        if not _covered(number, unique, sizes, by_token[hit.spans[0][0]])
    ]


def _covered(
    number: int, hits: Sequence[Hit], sizes: Sequence[int], larger_first: Sequence[int]
) -> bool:
    """Tell whether a strictly larger hit in ``larger_first`` (by size) covers hit ``number``."""
    size = sizes[number]
    hit = hits[number]
    for other in larger_first:
        if sizes[other] <= size:
            return False
        if hit.within(hits[other]):
            return True
    return False


def parse_entry(concept: str, source: str, language: str) -> Entry:
    """Compile one lexicon string (see the module docstring for its syntax)."""
    stem = stemmer(language)
    exact = source.startswith("=")
    prefix = source.endswith("*")
    body = source.strip("=*").strip()
    parts: list[Part] = []
    for word in spelt_words(body, language):
        # Interned: the same words recur across concepts, lexicons and the detector's index.
        word = intern(word)
        if is_han(word):
            parts.append(Part(word, word, word, han=True))
        else:
            folded, stemmed = intern(fold(word)), intern(stem(word))
            parts.append(Part(word, folded, stemmed, exact=exact, prefix=prefix))
    if not parts:
        raise LexiconError(f"{language}: entry {source!r} of {concept} has no words")
    tight = "+" in body or concept.startswith(_SPOKEN)
    return Entry(concept, tuple(parts), source, tight=tight)


def _check_concept(language: str, concept: str) -> None:
    family, _, name = concept.partition(".")
    if family not in CONCEPT_FAMILIES or not name:
        raise LexiconError(f"{language}: unknown concept {concept!r}")
    allowed = {"kind": KINDS, "audience": AUDIENCES, "class": CLASSES}.get(family)
    if allowed is not None and name not in allowed:
        raise LexiconError(f"{language}: {concept!r} is not in the vocabulary")


def _read_yaml(name: str) -> Any:
    path = resources.files("catalog") / "data" / "lexicon" / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _word_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value]
    raise LexiconError(f"expected a list of words, got {type(value).__name__}")


def lexicon_from_data(language: str, data: Mapping[str, Any]) -> Lexicon:
    """Compile a language lexicon from its parsed YAML mapping."""
    if data.get("language") != language:
        raise LexiconError(f"{language}: the file says language {data.get('language')!r}")
    options = MatchOptions(
        prefix=bool(data.get("prefix", False)),
        compounds=bool(data.get("compounds", False)),
    )
    entries: list[Entry] = []
    concepts = data.get("concepts") or {}
    if not isinstance(concepts, dict):
        raise LexiconError(f"{language}: 'concepts' must be a mapping")
    for concept, sources in concepts.items():
        _check_concept(language, concept)
        entries.extend(parse_entry(concept, source, language) for source in _word_list(sources))
    stopwords = [
        w for word in _word_list(data.get("stopwords")) for w in spelt_words(word, language)
    ]
    breaks = [*_word_list(data.get("clause_breaks")), *_word_list(data.get("question_starts"))]
    not_places = [normalise(word) for word in _word_list(data.get("not_places"))]
    return Lexicon(
        language,
        entries,
        stopwords=stopwords,
        options=options,
        clause_breaks=breaks,
        not_places=not_places,
        clause_ends=_word_list(data.get("clause_ends")),
    )


def clause_break_pattern(
    words_: Iterable[str], ends: Iterable[str] = ()
) -> re.Pattern[str] | None:
    """A pattern that finds where a clause starts inside a sentence (any case), or None.

    Before each of ``words_`` standing alone: "I live in Nurmijärvi but on Saturday I'm in
    Espoo": the part after "but" is a clause of its own, so the background of the first part
    does not swallow the second one's day. Right after each of ``ends``: languages that put
    the verb last end a clause with it (Turkish "eylülde taşındık | cumartesi … var mı").
    """
    alternatives = sorted({w.strip() for w in words_ if w.strip()}, key=len, reverse=True)
    after = sorted({w.strip() for w in ends if w.strip()}, key=len, reverse=True)
    found = []
    if alternatives:
        body = "|".join(re.escape(w) for w in alternatives)
        found.append(rf"(?<![\w'’])(?:{body})(?![\w'’])")
    # one fixed-width look-behind per word (a look-behind cannot hold alternatives of two widths)
    found += [rf"(?<=(?<![\w'’]){re.escape(word)})(?=\s)" for word in after]
    return re.compile("|".join(found), re.IGNORECASE) if found else None


@cache
def load_lexicon(language: str) -> Lexicon:
    """Load and compile ``catalog/data/lexicon/<language>.yaml`` (once per process)."""
    if language not in LEXICON_LANGUAGES and language not in ROMANISED_LEXICONS:
        raise LexiconError(f"no lexicon for language {language!r}")
    data = _read_yaml(f"{language}.yaml")
    if not isinstance(data, dict):
        raise LexiconError(f"{language}.yaml is not a mapping")
    return lexicon_from_data(language, data)


#: After a name's vowel-dropped stem, an inflected form goes on with one of these letters
#: (Finnish ``Nurmijärvellä``, Russian ``в Хямеэнлинне``, Ukrainian ``у Лохʼї``).
_NAME_STEM_LEFTOVER = re.compile("[eеєуыоіїиюяй]")
_VOWELS = frozenset("aeiouyäöåáéíóúàèìòùâêîôûаеиоуыэюяіїєё")


def municipality_entries(name: str, spellings: Iterable[str]) -> list[Entry]:
    """Entries for one municipality: each spelling, and its inflection stem as a prefix.

    The stem drops a final vowel (``Kirkkonummi`` → ``Kirkkonumm-``, so that
    ``Kirkkonummella`` and ``Кирконумми`` in a Russian case form are found); irregular stems
    are written in the data with a trailing ``*`` (``Helsingi*``).
    """
    concept = f"municipality.{name}"
    entries: list[Entry] = []
    written = [name, *spellings]
    for spelling in dict.fromkeys([*written, *(v for s in written for v in spelling_variants(s))]):
        body = normalise(spelling.strip("*"))
        if is_han(body.replace(" ", "")):
            entries.append(Entry(concept, (Part(body, body, body, han=True),), spelling))
            continue
        parts = words(body)
        if not parts:
            raise LexiconError(f"municipality {name}: spelling {spelling!r} has no letters")
        last = parts[-1]
        prefix = spelling.endswith("*")  # written as the stem already: not cut again
        stem = last[:-1] if last[-1] in _VOWELS and len(last) >= 5 and not prefix else last
        compiled = [Part(w, fold(w), w, exact=True) for w in parts[:-1]]
        compiled.append(Part(last, fold(last), stem, prefix=prefix))
        entries.append(Entry(concept, tuple(compiled), spelling))
    return entries


_DOUBLE = re.compile(r"([^\W\d_])\1", re.UNICODE)
#: A name spelt with single letters must keep this many to stay a name ("Vaasa" → "Vasa").
_MIN_SINGLED = 5
#: Cyrillic spellings of the same sound: Russian "Э", Ukrainian "Е" ("Эспоо", "Еспо").
_CYRILLIC_E = str.maketrans({"Э": "Е", "э": "е", "Е": "Э", "е": "э"})


def spelling_variants(spelling: str) -> list[str]:
    """Ways people write a name spelt this way: doubled letters single, ``Э`` as ``Е``.

    "Kirkkonumi", "Hamenlina", "Еспо" for "Эспоо": a newcomer often does not hear
    Finnish long sounds, and Ukrainian writes ``Е`` where Russian writes ``Э``.
    """
    base = spelling.rstrip("*")
    star = "*" if spelling.endswith("*") else ""
    found: list[str] = []
    singled = _DOUBLE.sub(r"\1", base)
    if singled != base and len(singled) >= _MIN_SINGLED:
        found.append(singled + star)
    for form in (base, singled):
        if form[:1] in "ЭЕ" and _CYRILLIC.match(form[:1]):
            found.append(form[0].translate(_CYRILLIC_E) + form[1:] + star)
    return found


def gazetteer(extra_names: Iterable[str] = ()) -> Lexicon:
    """The municipality lexicon from ``municipalities.yaml`` plus any further Finnish names."""
    data = _municipality_data()
    entries: list[Entry] = []
    for name, spellings in data.items():
        entries.extend(municipality_entries(name, spellings))
    for name in extra_names:
        if name not in data:
            entries.extend(municipality_entries(name, ()))
    return Lexicon(
        "names",
        entries,
        options=MatchOptions(
            prefix=True,
            min_prefix=4,
            max_leftover=5,
            stem_leftover=_NAME_STEM_LEFTOVER,
            min_fuzzy=7,
            same_stem=False,
        ),
    )


@cache
def _municipality_data() -> dict[str, list[str]]:
    data = _read_yaml("municipalities.yaml")
    if not isinstance(data, dict):
        raise LexiconError("municipalities.yaml is not a mapping")
    return {str(name): _word_list(spellings) for name, spellings in data.items()}
