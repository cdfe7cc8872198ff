"""From the concepts found in a message to what it asks for: intent, kinds, audiences, languages.

The lexicons only say which words occurred (``kind.sports``, ``audience.women``, ``lang.fi``,
``cue.course`` …); the rules that combine them live here, once for every language:

- *Language as a subject or as a medium.* A language named next to learning words (course,
  learn, practise, a language café) is what the user wants to learn, which makes the kind
  ``language_course`` or ``language_club`` when nothing else is asked; Finnish and Swedish next
  to learning words are always the subject. Otherwise a named language is the one spoken at the
  activity ("in Arabic", "Persian poetry night"). Explicit forms ("in Arabic", ``по-русски``,
  ``arabiaksi``) are always the spoken language.
- *Groups.* "A group for women" with no other kind is the kind ``womens_group`` (likewise men,
  and mothers with children make ``mother_child_group``); a kind that implies its audience
  (homework help, family café, women's group) absorbs the audience words. Children and families
  go together: either one asks for activities that suit both.
- *Recruitment.* Joining an association or a team, or becoming a member, is the class
  ``recruitment``; volunteering is the kind ``volunteering``.
- *Intent.* ``contact`` when the user asks for the coordinator, a real person, to be called, has
  a personal matter, or an organisation wants to join the network; ``help`` for greetings and
  questions about the assistant itself; ``activities`` whenever anything about activities, a
  time or a place was recognised; anything else is ``help`` (which offers a person). Kinds,
  audiences and languages are only reported for ``activities``: for the other intents they
  would be constraints on nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from catalog.understanding.query import Intent

#: Cue concepts the rules below read; a lexicon may use only these under ``cue.``/``help.``.
CUES: frozenset[str] = frozenset(
    {
        "cue.learn",
        "cue.course",
        "cue.practise",
        "cue.speak",
        "cue.group",
        "cue.mother",
        "cue.father",
        "cue.baby",
        "cue.person",
        "cue.human",
        "cue.coordinator",
        "cue.contact",
        "cue.call_me",
        "cue.personal",
        "cue.need_help",
        "cue.network",
        "cue.association",
        "cue.join",
        "cue.member",
        "cue.team",
        "cue.whats_on",
        "cue.activity",
        "cue.time",
        "help.greeting",
        "help.meta",
        "help.thanks",
    }
)

LANGUAGE_KINDS = frozenset({"language_club", "language_course"})
#: Languages a newcomer typically sets out to learn; "where can I speak Finnish" is practice.
LOCAL_LANGUAGES = frozenset({"fi", "sv"})

#: Audiences a kind already implies, so that naming them adds no constraint.
IMPLIED_AUDIENCES: dict[str, frozenset[str]] = {
    "womens_group": frozenset({"women"}),
    "mens_group": frozenset({"men"}),
    "mother_child_group": frozenset({"women", "children", "families"}),
    "family_activity": frozenset({"families", "children"}),
    "homework_help": frozenset({"children", "youth", "families"}),
    "network_meeting": frozenset(),
}

_STRONG_CONTACT = frozenset({"cue.coordinator", "cue.human", "cue.personal", "cue.call_me"})
_PERSON_NEEDS = frozenset({"cue.speak", "cue.contact", "cue.need_help", "cue.call_me"})
_LEARNING = frozenset({"cue.learn", "cue.course", "cue.practise"})
_ACTIVITY_CUES = frozenset({"cue.whats_on", "cue.activity", "cue.time"})


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What the rules made of the concepts of one message."""

    intent: Intent
    kinds: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    spoken_languages: frozenset[str] = frozenset()


def _named(concepts: Collection[str], family: str) -> set[str]:
    prefix = family + "."
    return {c[len(prefix) :] for c in concepts if c.startswith(prefix)}


def interpret(
    concepts: Collection[str], *, has_window: bool = False, has_place: bool = False
) -> Interpretation:
    """Apply the rules of the module docstring to the concept names found in a message."""
    cues = {c for c in concepts if c.startswith(("cue.", "help."))}
    kinds = _named(concepts, "kind")
    audiences = _named(concepts, "audience") | _family_audiences(cues)
    kinds |= _mother_child(cues, audiences, kinds)
    kinds, spoken = _languages(cues, kinds, _named(concepts, "lang"), _named(concepts, "spoken"))
    kinds |= _group_kinds(cues, audiences, kinds)
    if "organisations" in audiences and not kinds:
        kinds.add("network_meeting")
    for kind in kinds:
        audiences -= IMPLIED_AUDIENCES.get(kind, frozenset())
    if audiences & {"children", "families"}:
        audiences |= {"children", "families"}
    joins_network = _joins_network(cues)
    classes = _named(concepts, "class")
    if not joins_network and _joins_organisation(cues):
        classes.add("recruitment")
    intent = _intent(
        cues,
        kinds=kinds,
        wanted=bool(kinds or audiences or classes or has_window or has_place),
        spoken=bool(spoken),
        joins_network=joins_network,
    )
    if intent != "activities":
        return Interpretation(intent)
    return Interpretation(
        intent,
        frozenset(kinds),
        frozenset(classes),
        frozenset(audiences),
        frozenset(spoken),
    )


def _family_audiences(cues: set[str]) -> set[str]:
    """Mothers are women, fathers men, babies children."""
    found = set()
    if "cue.mother" in cues:
        found.add("women")
    if "cue.father" in cues:
        found.add("men")
    if "cue.baby" in cues:
        found.add("children")
    return found


def _mother_child(cues: set[str], audiences: set[str], kinds: set[str]) -> set[str]:
    """Mothers together with children, babies or a group make a mother–child group."""
    if "cue.mother" not in cues or kinds - {"mother_child_group"}:
        return set()
    if "children" in audiences or cues & {"cue.baby", "cue.group"}:
        return {"mother_child_group"}
    return set()


def _languages(
    cues: set[str], kinds: set[str], named: set[str], explicit: set[str]
) -> tuple[set[str], set[str]]:
    """Split the named languages into learning targets and spoken languages."""
    kinds = set(kinds)
    other_kinds = kinds - LANGUAGE_KINDS
    learning = bool(cues & _LEARNING or kinds & LANGUAGE_KINDS)
    targets: set[str] = named & LOCAL_LANGUAGES if learning else set()
    if not other_kinds:
        if learning:
            targets = set(named)
        elif "cue.speak" in cues and not cues & {"cue.person", "cue.human"}:
            targets = named & LOCAL_LANGUAGES
    if targets and not kinds:
        if "cue.course" in cues:
            kinds.add("language_course")
        if cues & {"cue.practise", "cue.speak"}:
            kinds.add("language_club")
        if not kinds:
            kinds |= LANGUAGE_KINDS
    return kinds, explicit | (named - targets)


def _group_kinds(cues: set[str], audiences: set[str], kinds: set[str]) -> set[str]:
    """A group for women or for men, with nothing else asked, is that kind of group."""
    if "cue.group" not in cues or kinds or audiences & {"children", "youth", "families"}:
        return set()
    if audiences == {"women"}:
        return {"womens_group"}
    if audiences == {"men"}:
        return {"mens_group"}
    return set()


def _joins_network(cues: set[str]) -> bool:
    """An organisation that wants to join the integration network."""
    return "cue.network" in cues and bool(
        cues & {"cue.association", "cue.join", "cue.member", "cue.contact"}
    )


def _joins_organisation(cues: set[str]) -> bool:
    """Someone who wants to join an association or team, or become a member."""
    if "cue.member" in cues:
        return True
    return "cue.join" in cues and bool(cues & {"cue.association", "cue.team"})


def _intent(
    cues: set[str], *, kinds: set[str], wanted: bool, spoken: bool, joins_network: bool
) -> Intent:
    if joins_network or cues & _STRONG_CONTACT:
        return "contact"
    if kinds <= {"guidance"}:
        if "cue.person" in cues and cues & _PERSON_NEEDS:
            return "contact"
        if "cue.contact" in cues:
            return "contact"
    if "help.meta" in cues and not wanted:
        return "help"
    if wanted or spoken or cues & _ACTIVITY_CUES:
        return "activities"
    return "help"
