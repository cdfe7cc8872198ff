"""From the concepts found in a message to what it asks for: intent, kinds, audiences, languages.

The lexicons only say which words occurred (``kind.sports``, ``audience.women``, ``lang.fi``,
``cue.course`` …); the rules that combine them live here, once for every language:

- *Language as a subject or as a medium.* A language named next to learning words (course,
  learn, practise, a language café) is what the user wants to learn, which makes the kind
  ``language_course`` or ``language_club`` when nothing else is asked; Finnish and Swedish next
  to learning or speaking words are always the subject. Otherwise a named language is the one
  spoken at the activity ("in Arabic", "Persian poetry night", "someone who speaks Arabic");
  asking whether the assistant speaks a language makes it neither. Work named beside learning
  Finnish or Swedish is the reason to learn ("to find a job"), not a second kind. Explicit
  forms ("in Arabic", ``по-русски``, ``arabiaksi``) are always the spoken language.
- *Groups.* "A group for women" with no other kind is the kind ``womens_group`` (likewise men,
  girls make a women's group for youth, fathers a men's group, and mothers with children make
  ``mother_child_group``); a kind that implies its audience
  (homework help, family café, women's group) absorbs the audience words. Children and families
  go together: either one asks for activities that suit both.
- *Who it is for.* A group for women next to another kind ("a support group for women") is
  that kind for women, not a women's group; next to making friends it stays the group (that is
  what the group is for). A mother or father who is elderly is a senior, not
  a woman or a man. An explicit age (a 15-year-old son) decides between children, youth and
  seniors whatever family word came with it (see :func:`age_audiences`); a small child's gender
  is no audience (a teenage girl's can be: girls' football is for young women).
- *Recruitment.* Joining an association or a team, or becoming a member, is the class
  ``recruitment`` (a team beside a kind to play is taking part in that kind); volunteering is
  the kind ``volunteering``, and volunteering in another kind of activity (a volunteer football
  coach) asks for that kind's recruitment. The people a
  volunteer would help (children, seniors) are not an audience constraint.
- *Advice on a subject.* Advice or guidance about finding work or digital skills asks for
  that kind, not general guidance beside it. Advice alone is for the one who asks: a mother's
  papers or a child's school do not make it an activity for women or children.
- *A friend, not a volunteer's post.* "A volunteer friend for me" asks for friend activity (the
  volunteer is the friend); only joining or membership words make it recruitment.
- *Intent.* ``contact`` when the user asks for the coordinator, a real person, to be called, has
  a personal matter, or an organisation wants to join the network. Real people next to a
  language activity are whom to practise with, not a wish for staff. A personal matter (a landlord
  keeping a deposit, a neighbour, an employer, a lost job, bullying: ``cue.matter``) wants a
  person even when an activity is named beside it, unless the user only asks *where* to go.
  Asking whether the assistant is a bot or a person is ``help``, not a wish for a person; so is
  a question between a person and a machine, or whether the assistant is one
  (``cue.bot_or_person``: "or a bot", "vai kone", "mise mashiin", "are you a robot", "am I
  talking to a computer program"), even with "am I talking to" or a kind word beside it
  (a computer is no digital-skills course here), unless a contact, a call or a matter is asked.
  Wanting someone (to talk to, to help, a number to call) or telling of one's own trouble (a
  permit expiring, money cut) is contact when nothing but guidance was asked; asking *where*
  guidance is given, without asking for a person, stays ``activities``. ``help`` for greetings
  and questions about the assistant itself (whether it speaks a language, whether it can
  notify), whatever language they name; ``activities`` whenever anything about activities, a
  time or a place was recognised; anything else is ``help`` (which offers a person). Kinds,
  audiences and languages are only reported for ``activities``: for the other intents they would
  be constraints on nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from catalog.understanding.query import Intent
from catalog.vocabulary import AUDIENCES

#: Cue concepts the rules read (below, and by position in :mod:`catalog.understanding.mentions`:
#: ``cue.not_speak``, ``cue.age``, ``cue.years``); a lexicon may use only these under
#: ``cue.``/``help.``.
CUES: frozenset[str] = frozenset(
    {
        "cue.learn",
        "cue.remind",
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
        "cue.trouble",
        "cue.where",
        "cue.is_there",
        "cue.lonely",
        "cue.there",
        "cue.bot_or_person",
        "cue.not_speak",
        "cue.age",
        "cue.years",
        "cue.network",
        "cue.association",
        "cue.join",
        "cue.member",
        "cue.team",
        "cue.whats_on",
        "cue.activity",
        "cue.time",
        "cue.background",
        "cue.courtesy",
        "cue.matter",
        "help.greeting",
        "help.meta",
        "help.thanks",
    }
)

LANGUAGE_KINDS = frozenset({"language_club", "language_course"})
#: Kinds that are the reason for learning the local language, not a second wish beside it.
MOTIVES = frozenset({"job_search"})
#: Kinds that are themselves advice on one subject: "advice on looking for work" is the job
#: search service, not general guidance beside it.
ADVICE_SUBJECTS = frozenset({"job_search", "digital_skills"})
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
    # whom a volunteer would help, not who may volunteer
    "volunteering": frozenset(AUDIENCES) - {"organisations"},
}

#: Audiences that say how old people are; an explicit age replaces them.
AGE_AUDIENCES = frozenset({"children", "families", "youth", "seniors"})
#: Ages up to this are children, up to :data:`YOUTH_AGE` youth, from :data:`SENIOR_AGE` seniors.
CHILD_AGE = 12
YOUTH_AGE = 24
SCHOOL_AGE = 6  # from here a child's own activities, not the family's, are what is asked for
SENIOR_AGE = 65
#: Audiences a family member brings ("my mother", "my child"); advice is for the one who asks.
_FAMILY = frozenset({"women", "men", "children", "families"})
#: The group kinds that are only an audience when another kind is asked for.
GROUP_AUDIENCE = {"womens_group": "women", "mens_group": "men"}

_STRONG_CONTACT = frozenset({"cue.coordinator", "cue.human", "cue.personal", "cue.call_me"})
_PERSON_NEEDS = frozenset({"cue.speak", "cue.contact", "cue.need_help", "cue.call_me"})
_LEARNING = frozenset({"cue.learn", "cue.course", "cue.practise"})
#: Feeling lonely asks for company: what is on for the person, of no one kind.
_ACTIVITY_CUES = frozenset({"cue.whats_on", "cue.activity", "cue.time", "cue.lonely"})
#: Cues that ask for a person, as opposed to asking *whether* the assistant is one.
_ASKS_FOR_PERSON = frozenset(
    {"cue.speak", "cue.contact", "cue.call_me", "cue.need_help", "cue.coordinator", "cue.matter"}
)
_TELLS_OF_TROUBLE = frozenset({"cue.person", "cue.human", "cue.trouble", *_ASKS_FOR_PERSON})
#: Asking where to go, or whether there is such a service: the user looks for an activity.
_SEEKS_A_SERVICE = frozenset({"cue.where", "cue.is_there"})


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What the rules made of the concepts of one message."""

    intent: Intent
    kinds: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    spoken_languages: frozenset[str] = frozenset()
    named_audiences: frozenset[str] = frozenset()
    """The audiences named before children and families were taken together (if that changed
    anything): "for families" prefers what is for families."""


def _named(concepts: Collection[str], family: str) -> set[str]:
    prefix = family + "."
    return {c[len(prefix) :] for c in concepts if c.startswith(prefix)}


def interpret(
    concepts: Collection[str],
    *,
    has_window: bool = False,
    has_place: bool = False,
    age: int | None = None,
) -> Interpretation:
    """Apply the rules of the module docstring to the concept names found in a message.

    ``age`` is an age in years the message states (see
    :func:`catalog.understanding.mentions.stated_age`).
    """
    cues = {c for c in concepts if c.startswith(("cue.", "help."))}
    kinds = _named(concepts, "kind")
    audiences = _named(concepts, "audience")
    elderly = age is not None and age >= SENIOR_AGE
    audiences |= _family_audiences(cues, audiences | ({"seniors"} if elderly else set()))
    if age is not None:
        audiences = age_audiences(age, audiences)
    kinds |= _mother_child(cues, audiences, kinds)
    kinds, spoken = _languages(cues, kinds, _named(concepts, "lang"), _named(concepts, "spoken"))
    kinds |= _group_kinds(cues, audiences, kinds)
    kinds, audiences = _groups_as_audiences(kinds, audiences)
    if "organisations" in audiences and not kinds:
        kinds.add("network_meeting")
    if kinds & ADVICE_SUBJECTS:
        kinds.discard("guidance")  # "where do they give advice on finding a job?"
    if "friend_activity" in kinds and not cues & {"cue.join", "cue.member"}:
        kinds.discard("volunteering")  # "a volunteer friend for me": the friend is wanted
    for kind in kinds:
        audiences -= IMPLIED_AUDIENCES.get(kind, frozenset())
    if kinds == {"guidance"}:
        audiences -= _FAMILY  # advice on my mother's papers, my child's school: for the asker
    parent = cues & {"cue.mother", "cue.father"}
    if parent and "seniors" in audiences and "children" not in audiences:
        audiences.discard("families")  # "mi padre es mayor": an elderly parent, not a family
    named = frozenset(audiences)
    if audiences & {"children", "families"}:
        audiences |= {"children", "families"}
        if age is not None and SCHOOL_AGE <= age <= CHILD_AGE:
            audiences.discard("families")  # "my son is 8": his activity, not a family outing
    joins_network = _joins_network(cues)
    classes = _named(concepts, "class")
    if not joins_network and _joins_organisation(cues, kinds):
        classes.add("recruitment")
    if "volunteering" in kinds and kinds - {"volunteering"}:
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
        named if named != audiences else frozenset(),
    )


def age_audiences(age: int, audiences: Collection[str]) -> set[str]:
    """The audiences once an explicit age is known: it replaces any other age audience.

    A child of twelve or under is ``children``, a teenager or young adult ``youth``, from
    sixty-five ``seniors``; an adult age in between leaves the audiences as they were. A
    child's gender is no audience (a 4-year-old daughter asks for no women's group).
    """
    found = set(audiences)
    if YOUTH_AGE < age < SENIOR_AGE:
        return found
    found -= AGE_AUDIENCES
    if age <= CHILD_AGE:
        found -= {"women", "men"}  # "my 4-year-old daughter" asks for no women's group
    if age <= CHILD_AGE:
        found.add("children")
    elif age <= YOUTH_AGE:
        found.add("youth")
    else:
        found.add("seniors")
    return found


def _groups_as_audiences(kinds: set[str], audiences: set[str]) -> tuple[set[str], set[str]]:
    """A women's or men's group asked for together with another kind is only its audience.

    Making friends is what such a group is for, not another kind ("a women's group where
    she could meet women and make friends"): the group stays the kind asked for.
    """
    groups = kinds & GROUP_AUDIENCE.keys()
    if groups and kinds - groups == {"friend_activity"}:
        return set(groups), audiences
    if not groups or not kinds - groups:
        return kinds, audiences
    return kinds - groups, audiences | {GROUP_AUDIENCE[group] for group in groups}


def _family_audiences(cues: set[str], audiences: set[str]) -> set[str]:
    """Mothers are women, fathers men, babies children; an elderly parent is only a senior."""
    found = set()
    if "seniors" not in audiences:
        if "cue.mother" in cues:
            found.add("women")
        if "cue.father" in cues:
            found.add("men")
    if "cue.baby" in cues:
        found.add("children")
    return found


def _mother_child(cues: set[str], audiences: set[str], kinds: set[str]) -> set[str]:
    """Mothers together with children, babies or a group make a mother–child group.

    Not an elderly mother ("my mother is 75, is there a club for her?"): she is a senior.
    """
    if "cue.mother" not in cues or kinds - {"mother_child_group"} or "seniors" in audiences:
        return set()
    if "children" in audiences or cues & {"cue.baby", "cue.group"}:
        return {"mother_child_group"}
    return set()


def _languages(
    cues: set[str], kinds: set[str], named: set[str], explicit: set[str]
) -> tuple[set[str], set[str]]:
    """Split the named languages into learning targets and spoken languages."""
    kinds = set(kinds)
    learning = bool(cues & _LEARNING or kinds & LANGUAGE_KINDS)
    if learning and named & LOCAL_LANGUAGES and kinds & MOTIVES:
        kinds -= MOTIVES  # "I want to learn Finnish to find work": the work is the reason
    other_kinds = kinds - LANGUAGE_KINDS
    # "someone who speaks Arabic" names the speaker's language; "do you speak Finnish?" asks
    # about the assistant: in neither is a language to learn or practise.
    speaker = "cue.speak" in cues and bool(cues & {"cue.person", "cue.human", "help.meta"})
    practising = learning or ("cue.speak" in cues and not speaker)
    targets: set[str] = named & LOCAL_LANGUAGES if practising else set()
    if not other_kinds:
        if learning:
            targets = named & LOCAL_LANGUAGES if speaker else set(named)
        elif "cue.speak" in cues and not speaker:
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
    """A group for women or for men, with nothing else asked, is that kind of group.

    Girls (women who are young) make a women's group for young people; fathers meeting other
    fathers ("a fathers' group", "grupo de padres") a men's group.
    """
    if "cue.group" not in cues or kinds:
        return set()
    fathers = "cue.father" in cues and not cues & {"cue.mother", "cue.baby"}
    if fathers and audiences <= {"men", "families"}:
        return {"mens_group"}
    if audiences & {"children", "families"}:
        return set()
    if audiences - {"youth"} == {"women"}:
        return {"womens_group"}
    if audiences - {"youth"} == {"men"}:
        return {"mens_group"}
    return set()


def _joins_network(cues: set[str]) -> bool:
    """An organisation that wants to join the integration network."""
    return "cue.network" in cues and bool(
        cues & {"cue.association", "cue.join", "cue.member", "cue.contact"}
    )


def _joins_organisation(cues: set[str], kinds: set[str]) -> bool:
    """Someone who wants to join an association or team, or become a member.

    Joining a team to play ("a football team my son could join") is taking part in that
    kind; only a team with nothing to play named, or membership, is recruitment.
    """
    if "cue.member" in cues:
        return True
    if "cue.join" not in cues:
        return False
    return "cue.association" in cues or ("cue.team" in cues and not kinds)


def _intent(
    cues: set[str], *, kinds: set[str], wanted: bool, spoken: bool, joins_network: bool
) -> Intent:
    if joins_network:
        return "contact"
    if "cue.bot_or_person" in cues and not cues & _ASKS_FOR_PERSON - {"cue.speak"}:
        return "help"  # "am I talking to a real person or a bot?" ("talking to" asks for none)
    asks_about_me = "help.meta" in cues and not cues & _ASKS_FOR_PERSON
    if asks_about_me and (not wanted or "cue.human" in cues):
        return "help"  # "are you a bot or a real person?", "are you a machine?"
    if _strong_contact(cues, kinds) or _personal_matter(cues, kinds):
        return "contact"
    if kinds <= {"guidance"} and _wants_a_person(cues, kinds):
        return "contact"
    if "help.meta" in cues and not wanted:
        return "help"
    if wanted or spoken or cues & _ACTIVITY_CUES:
        return "activities"
    return "help"


def _strong_contact(cues: set[str], kinds: set[str]) -> bool:
    """A wish for the coordinator, staff, a call or a personal talk.

    Real people next to practice or a language activity ("I want to practise speaking with
    real people: is there a conversation group?") are whom to practise with, not staff.
    """
    strong = cues & _STRONG_CONTACT
    if strong == {"cue.human"} and kinds & LANGUAGE_KINDS:
        return False
    return bool(strong)


def _personal_matter(cues: set[str], kinds: set[str]) -> bool:
    """A personal matter (landlord, employer, bullying) told, not a question of where to go.

    Beside activity words ("my son was bullied at football practice, can I talk to
    someone?") it still wants a person when the message asks for one or tells of trouble.
    Asking where to go with it, or whether there is advice on it ("is there advice on rent
    problems in Arabic?"), without asking for a person, looks for a service; so does a story
    with a matter word in it ("my neighbour said there is a café to practise speaking").
    """
    if "cue.matter" not in cues:
        return False
    if cues & _SEEKS_A_SERVICE and not cues & (_ASKS_FOR_PERSON - {"cue.matter"}):
        return False
    told = cues & (_TELLS_OF_TROUBLE - {"cue.matter"})
    if "cue.practise" in cues or kinds & LANGUAGE_KINDS:
        told -= {"cue.speak"}  # speaking is what a language café practises, not a wish to talk
    return not kinds - {"guidance"} or bool(told)


def _wants_a_person(cues: set[str], kinds: set[str]) -> bool:
    """Someone to talk to or to help, a number to call, or one's own trouble with a matter.

    Trouble ("expires", "was cut", "a problem") only counts next to a matter guidance deals
    with (a permit, housing, benefits), and not when the user asks where to go with it or
    whether there is such advice ("is there advice on housing problems in English?").
    """
    if "cue.contact" in cues:
        return True
    if "cue.person" in cues and cues & _PERSON_NEEDS:
        return True
    return "cue.trouble" in cues and "guidance" in kinds and not cues & _SEEKS_A_SERVICE
