"""Long messages: which parts of a message tell about the person and which ask something.

People often write several sentences: a greeting, who they are, when they moved, what they do,
and then the question. Background about the person ("we moved here in November", "I work
days", "my husband works") must not become what the question asks for: November is no window
and work is no activity. So the message is cut into clauses (at sentence ends, commas,
semicolons, line breaks and the language's contrast words such as "but", ``clause_breaks`` in
the lexicon), each clause is tokenised on its own, and a clause that holds a background word of
the language (``cue.background`` in the lexicon: moved, arrived, I live, I work, ago …) is read
for who the person is only (ages, children, family words, a personal matter), never for kinds,
languages or time, and for a place only when no other is named.

Two more rules find the request inside a long message:

- *The rest of a background sentence.* When the message asks its question in another sentence,
  the other clauses of a sentence that tells background ("I work as a cleaner, free in the
  evenings.", "we moved because my husband got a job here.") give no time, no bare language
  name and no audience either; their activity words still count.
- *The question decides what.* When a sentence that ends in a question mark names what is
  wanted (a kind, an audience, a group, a spoken language, a language with a course or
  practice word, or a person to talk to), the activity kinds, groups, persons and the learning
  or speaking words named only in the other sentences are background ("I am looking for work
  … Are there Finnish courses?"; "I saw there is a girls' group, but … Can you put me in touch
  with a person?"; "I have nobody to talk to. Is there a club for seniors?"), and so are the
  languages named before the question ("My Finnish is still basic. Is there a club …?"); a
  question that names whom it is for decides that too ("… our son is 6 … Is there a workshop
  for men?"), and the family told of before a deciding question is who the person lives with,
  not whom the activity is for ("we moved for my husband's job … the children are at school.
  Is there a women's group?"). A matter or trouble told before such a question, when it asks
  for no person, is the story too ("the neighbours are busy … is there a language café?").
- *The question says when.* A part of the day told in a statement before the question is the
  person's routine, whether the question names a day ("I go to a course in the mornings.
  Anything on Wednesday?") or not ("My husband studies in the mornings. Is there a women's
  group?"); only the question's own part of the day counts
  (:meth:`ClauseTokens.statements_before_a_question`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from catalog.understanding.lexicon import Hit
from catalog.understanding.normalise import Token
from catalog.vocabulary import AUDIENCES

BACKGROUND = "cue.background"
#: Concepts that set their clause aside: background, and good wishes ("have a nice weekend"
#: asks for no weekend).
_SETS_ASIDE = frozenset({BACKGROUND, "cue.courtesy"})
#: Concepts a background clause still contributes: how old the people are, family words, a
#: personal matter, greetings. Not "my husband" as an audience, nor the team at one's job, nor
#: "a mother of three children" or "we moved with the family" as an audience of children.
_ABOUT_THE_PERSON = frozenset(
    {
        "audience.youth",
        "audience.seniors",
        "cue.age",
        "cue.years",
        "cue.mother",
        "cue.father",
        "cue.baby",
        "cue.not_speak",
        "cue.matter",
        "cue.trouble",
        "cue.personal",
        BACKGROUND,
    }
)

# A clause ends at ! ? ; , . (also the Arabic, Chinese and full-width forms) followed by space or
# the end, at a line break, or at a space between Chinese characters; a full stop or comma
# after a one- or two-digit number is part of a date or an ordinal ("18.12.", "15.") and cuts
# nothing, nor do "klo 18.30" or "1,5".
_BOUNDARY = re.compile(
    r"[!?;…。！？；，、،؛؟]+(?=\s|$)"
    r"|(?<!(?<!\d)\d)(?<!(?<!\d)\d\d)[.,]+(?=\s|$)"
    r"|[！？。；，、،؛؟]+|\n+"
    r"|(?<=[\u3400-\u9fff])[ \u3000]+(?=[\u3400-\u9fff])"
)
_QUESTION = re.compile(r"[?？؟]")
#: Boundaries that end a clause but not the sentence (in Chinese a space between characters
#: is used as a comma: "我们九月搬来的 星期六有没有…").
_COMMA = re.compile(r"[,;，、،؛；]+|[ \u3000]+")


#: Concepts that name what is wanted, for the question-decides rule.
_WHAT = ("kind.", "class.")
#: Concepts that, named in a question, show that the question says what is wanted.
_DECIDES = (*_WHAT, "audience.", "spoken.")
#: Who the people are: when the question names an audience, the other sentences' give way.
_WHO = frozenset(
    {"audience." + name for name in AUDIENCES}
    | {"cue.age", "cue.years", "cue.mother", "cue.father", "cue.baby"}
)
#: The family told of before the question: who the person lives with, not whom it is for
#: (an age, and elderly or young people, still count: see ``_ABOUT_THE_PERSON``).
_FAMILY_TOLD = frozenset(
    {"audience.men", "audience.women", "audience.children", "audience.families"}
)
#: Languages: told before the question ("my Finnish is basic", "I speak Dari") they are the
#: person's, not the activity's.
_LANGUAGES = ("lang.", "spoken.")
_LEARNING_CUES = frozenset({"cue.course", "cue.learn", "cue.practise"})
#: Concepts the rest of a background sentence does not give (time is blanked separately).
_NOT_FROM_BACKGROUND_SENTENCE = ("lang.", "audience.")
#: Cues of learning, practice and groups that, like kinds, say what is wanted ("I went to
#: the mothers' group, but now … can I talk to someone?" asks for no group).
_WANT_CUES = frozenset({*_LEARNING_CUES, "cue.speak", "cue.group"})
#: Cues that name a person: asked in a question, they too decide what is wanted. Not the
#: contact words alone: "I'd like to volunteer. Whom do I contact?" still asks to volunteer.
_PERSON_CUES = frozenset({"cue.person", "cue.human", "cue.coordinator"})
#: A matter or trouble told before a question: when the question asks for an activity and for
#: no person ("The neighbours are kind but busy. Is there a language café?"), it is the story.
_STORY_MATTERS = frozenset({"cue.matter", "cue.trouble"})
_ASKS_SOMEONE = _PERSON_CUES | {"cue.contact", "cue.call_me", "cue.need_help"}


@dataclass(frozen=True, slots=True)
class Clause:
    """Characters ``start:end`` of the message; ``question`` if its sentence ends with "?".

    ``sentence`` numbers the sentences (clauses cut at commas or contrast words share one);
    ``part`` numbers the parts of sentences, a new one starting at each contrast word.
    """

    start: int
    end: int
    question: bool
    sentence: int = 0
    part: int = 0


def split_clauses(text: str, breaks: re.Pattern[str] | None = None) -> list[Clause]:
    """The clauses of ``text`` in order, covering it without gaps (boundaries included).

    ``breaks`` finds words that start a new clause inside a sentence ("but").
    """
    cuts: list[tuple[int, bool, bool]] = []  # (end, ends a sentence, with a question mark)
    for boundary in _BOUNDARY.finditer(text):
        mark = boundary.group()
        cuts.append((boundary.end(), not _COMMA.fullmatch(mark), bool(_QUESTION.search(mark))))
    if breaks is not None:
        cuts.extend((found.start(), False, False) for found in breaks.finditer(text))
        cuts.sort()
    raw: list[tuple[int, int, bool]] = []
    start = 0
    for end, ends_sentence, _ in cuts:
        if end > start and text[start:end].strip():
            raw.append((start, end, ends_sentence))
            start = end
    if text[start:].strip():
        raw.append((start, len(text), True))
    elif raw:
        raw[-1] = (raw[-1][0], raw[-1][1], True)
    clauses: list[Clause] = []
    sentence = part = 0
    pending: list[tuple[int, int, int]] = []
    for first, last, ends_sentence in raw:
        if pending and breaks is not None and breaks.match(text[first:last].lstrip()):
            part += 1
        pending.append((first, last, part))
        if ends_sentence:
            asked = bool(_QUESTION.search(text[first:last]))
            clauses.extend(Clause(a, b, asked, sentence, p) for a, b, p in pending)
            pending = []
            sentence += 1
            part += 1
    return clauses


@dataclass(frozen=True, slots=True)
class ClauseTokens:
    """A message's tokens with the clause each one stands in."""

    tokens: list[Token]
    clause_of: list[int]
    clauses: list[Clause]
    asked: list[bool] = field(default_factory=list)
    """For each token, whether its sentence ends with a question mark."""

    def background(self, hits: Sequence[Hit]) -> frozenset[int]:
        """The clauses that hold a background word or a good wish (see the module docstring)."""
        return frozenset(
            self.clause_of[index]
            for hit in hits
            if hit.concept in _SETS_ASIDE
            for index in hit.tokens
        )

    def rest_of_background_sentences(self, background: frozenset[int]) -> frozenset[int]:
        """The other clauses of the sentences that tell background, when the question is elsewhere.

        Only statements are extended (a background clause inside a question sentence, "I
        live in Espoo, is there …?", leaves the rest of it alone), only up to a contrast word
        ("I live in X, but on Saturday I am in Y."), and only when some other sentence asks a
        question.
        """
        if not background or not self.asked_elsewhere(background):
            return frozenset()
        parts = {self.clauses[number].part for number in background}
        return frozenset(
            number
            for number, clause in enumerate(self.clauses)
            if clause.part in parts and not clause.question and number not in background
        )

    def asked_elsewhere(self, background: frozenset[int]) -> bool:
        """Whether a sentence without background asks a question."""
        sentences = {self.clauses[number].sentence for number in background}
        return any(clause.question and clause.sentence not in sentences for clause in self.clauses)

    def statements_before_a_question(self) -> frozenset[int]:
        """The clauses of sentences that ask nothing and come before the first question.

        What follows the question refines it ("any club this week after work? like after 6");
        what comes before tells the story.
        """
        first = min((c.sentence for c in self.clauses if c.question), default=None)
        if first is None:
            return frozenset()
        return frozenset(
            number
            for number, clause in enumerate(self.clauses)
            if not clause.question and clause.sentence < first
        )

    def asked_in_question(self, hits: Sequence[Hit]) -> bool:
        """Whether a question sentence names what is wanted.

        A kind, an audience, a group, a spoken language, a language to learn, or a person ("… I
        saw there is a job clinic, but that is not our problem. Can I talk to someone about
        this?" asks for a person, not the clinic).
        """
        learning = language = False
        for hit in hits:
            concept = hit.concept
            if concept.startswith(_DECIDES) or concept in _PERSON_CUES or concept == "cue.group":
                if self._in_question(hit):
                    return True
            elif concept in _LEARNING_CUES:
                learning = learning or self._in_question(hit)
            elif concept.startswith("lang."):
                language = language or self._in_question(hit)
        return learning and language

    def request_only(self, hits: Sequence[Hit], soft: frozenset[int]) -> list[Hit]:
        """``hits`` after the two request rules of the module docstring.

        ``soft`` are the rest of the background sentences: they lose their languages; when a
        question names what is wanted, every statement loses its kinds and classes.
        """
        several = bool(self.clauses) and self.clauses[-1].sentence > 0
        question_decides = several and any(self.asked) and self.asked_in_question(hits)
        if not question_decides and not soft:
            return list(hits)
        first_question = min(
            (clause.sentence for clause in self.clauses if clause.question), default=0
        )
        whom_asked = question_decides and any(
            hit.concept.startswith("audience.") and self._in_question(hit) for hit in hits
        )
        someone_asked = any(
            hit.concept in _ASKS_SOMEONE and self._in_question(hit) for hit in hits
        )
        kept = []
        for hit in hits:
            if whom_asked and hit.concept in _WHO and not self._in_question(hit):
                continue  # "… our son is 6 … Is there a workshop for men?" asks for men
            if hit.concept.startswith(_NOT_FROM_BACKGROUND_SENTENCE) and self.in_clauses(hit, soft):
                continue
            if question_decides and not self._in_question(hit):
                if hit.concept.startswith(_WHAT) or hit.concept in _WANT_CUES | _PERSON_CUES:
                    continue  # the story's "nobody to talk to" asks for no person either
                if hit.concept.startswith(_LANGUAGES) and self._before(hit, first_question):
                    continue  # "My Finnish is still basic. Is there a club for …?"
                if hit.concept in _FAMILY_TOLD and self._before(hit, first_question):
                    continue  # "We moved for my husband's job … Is there a women's group?"
                if (
                    hit.concept in _STORY_MATTERS
                    and not someone_asked
                    and self._before(hit, first_question)
                ):
                    continue  # "The neighbours are kind but busy. Is there a language café?"
            kept.append(hit)
        return kept

    def _before(self, hit: Hit, sentence: int) -> bool:
        """Whether every token of ``hit`` stands in a sentence before ``sentence``."""
        clauses, clause_of = self.clauses, self.clause_of
        return all(clauses[clause_of[index]].sentence < sentence for index in hit.tokens)

    def _in_question(self, hit: Hit) -> bool:
        asked = self.asked
        return all(asked[index] for index, _, _ in hit.spans)

    def in_clauses(self, hit: Hit, clauses: frozenset[int]) -> bool:
        """Whether every token of ``hit`` stands in one of ``clauses``."""
        return all(self.clause_of[index] in clauses for index in hit.tokens)


def tokenise_clauses(
    text: str,
    tokenise: Callable[[str], Sequence[Token]],
    breaks: re.Pattern[str] | None = None,
) -> ClauseTokens:
    """Tokenise each clause of ``text`` on its own and remember where each token stands."""
    clauses = split_clauses(text, breaks)
    tokens: list[Token] = []
    clause_of: list[int] = []
    for number, clause in enumerate(clauses):
        found = tokenise(text[clause.start : clause.end])
        tokens.extend(found)
        clause_of.extend([number] * len(found))
    asked = [clauses[number].question for number in clause_of]
    return ClauseTokens(tokens, clause_of, clauses, asked)


def about_the_person(
    hits: Sequence[Hit], reading: ClauseTokens, background: frozenset[int]
) -> list[Hit]:
    """``hits`` without what the ``background`` clauses would otherwise add to the question."""
    if not background:
        return list(hits)
    return [
        hit
        for hit in hits
        if hit.concept in _ABOUT_THE_PERSON
        or hit.concept.startswith("help.")
        or not reading.in_clauses(hit, background)
    ]


def places_asked(
    places: Sequence[Hit], reading: ClauseTokens, background: frozenset[int], *, there: bool
) -> list[Hit]:
    """The places the question is about: where one lives counts only if no other is named.

    "I live in Nurmijärvi but will be in Espoo: is there …" asks about Espoo; "my cousin lives
    in Hattula, is there anything there on Sunday?" still asks about Hattula; a question in a
    sentence of its own after the story asks about none of the story's places, unless it points
    back at one (``there``: the message says "there", ``siellä``, ``там`` …).
    """
    asked = about_the_person(places, reading, background)
    if asked or not background:
        return asked or list(places)
    if reading.asked_elsewhere(background) and not there:
        return []  # "I lived in Vaasa, now we moved to Espoo. Is there …?" names no place
    return list(places)


def blank_clauses(text: str, reading: ClauseTokens, background: frozenset[int]) -> str:
    """``text`` with its ``background`` clauses blanked (same length: offsets still hold)."""
    if not background:
        return text
    characters = list(text)
    for number in background:
        clause = reading.clauses[number]
        characters[clause.start : clause.end] = " " * (clause.end - clause.start)
    return "".join(characters)
