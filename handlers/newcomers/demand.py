"""What newcomers ask for, counted without keeping what they wrote or who they are.

Every answered question adds one to a daily counter keyed only by structured facts of its
:class:`~catalog.understanding.query.Query` (:class:`DemandFact`): network, language, intent,
kinds, classes, audiences, spoken-language wish, municipality, whether a time was asked and
whether anything was found. What followed (a reminder taken, a person asked for) and the
answer to "Was this useful?" are counted with the same facts. No text, no user id: the
counters cannot be linked to anyone, so ``/forget`` has nothing to delete there. The last
facts of each user are kept in memory only, to count what followed, and dropped on
``/forget``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from catalog.understanding.query import Query
from handlers.core.events import Action, ActionKind, Reply, UserId
from handlers.core.flows import FlowBase, FlowDeclaration
from handlers.core.i18n import Speaker
from handlers.core.ports import DemandCounter, DemandEvent, DemandFact
from handlers.core.turn import Turn

#: How many users' last facts are kept for counting what followed (memory only).
REMEMBERED_FACTS = 10_000

#: Counts up to this are shown as "<5", so that nobody can be picked out in a small town.
#: The issue's acceptance check shows five questions as "<5": a count is shown from six on.
HIDDEN_UP_TO = 5


def _joined(values: Iterable[str]) -> str:
    return ",".join(sorted(values))


def fact_of(query: Query, network: str, found: bool) -> DemandFact:
    """The facts of a question as understood; nothing of its wording is kept."""
    return DemandFact(
        network=network,
        language=query.language,
        intent=query.intent,
        kinds=_joined(query.kinds),
        classes=_joined(query.classes),
        audiences=_joined(query.audiences),
        spoken=_joined(query.spoken_languages),
        municipality=",".join(query.municipalities),
        timed=query.window is not None or query.clock is not None,
        found=found,
    )


def shown(count: int) -> int | str:
    """A count as a report may show it: ``"<5"`` up to :data:`HIDDEN_UP_TO`."""
    return count if count > HIDDEN_UP_TO else f"<{HIDDEN_UP_TO}"


class DemandTally:
    """Counts questions and what followed them; remembers each user's last facts in memory."""

    def __init__(self, counter: DemandCounter) -> None:
        self.counter = counter
        self._last: OrderedDict[UserId, DemandFact] = OrderedDict()
        self._open: set[UserId] = set()
        """Users whose last answer has not had its 👍/👎 yet."""

    async def asked(self, turn: Turn, fact: DemandFact) -> None:
        """An answered question."""
        self._last[turn.user] = fact
        self._last.move_to_end(turn.user)
        while len(self._last) > REMEMBERED_FACTS:
            dropped, _ = self._last.popitem(last=False)
            self._open.discard(dropped)
        self._open.add(turn.user)
        await self.counter.add(turn.now.date(), fact)

    async def followed(self, turn: Turn, event: DemandEvent) -> bool:
        """What followed the user's last answered question; ``False`` when there was none."""
        fact = self._last.get(turn.user)
        if fact is None:
            return False
        await self.counter.add(turn.now.date(), replace(fact, event=event))
        return True

    async def rated(self, turn: Turn, useful: bool) -> bool:
        """The 👍/👎 of the user's last answer, counted once; ``False`` when none is open."""
        if turn.user not in self._open:
            return False
        self._open.discard(turn.user)
        event = DemandEvent.USEFUL if useful else DemandEvent.NOT_USEFUL
        return await self.followed(turn, event)

    def forget(self, user: UserId) -> None:
        """Drop the user's last facts (they deleted their data)."""
        self._last.pop(user, None)
        self._open.discard(user)


#: The arguments of the feedback choice.
USEFUL, NOT_USEFUL = "yes", "no"


def feedback_actions(speaker: Speaker) -> tuple[Action, Action]:
    """"Was this useful? 👍 / 👎" as a pair of choices."""
    _ = speaker.gettext
    return (
        Action(ActionKind.FEEDBACK, "👍 " + _("Useful"), USEFUL),
        Action(ActionKind.FEEDBACK, "👎 " + _("Not useful"), NOT_USEFUL),
    )


class Feedback(FlowBase):
    """The 👍/👎 under answers, counted like the question it follows (anonymously)."""

    declaration = FlowDeclaration("feedback", choices=frozenset({ActionKind.FEEDBACK}))

    def __init__(self, tally: DemandTally) -> None:
        self.tally = tally

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """Count the answer; a forged or stale one changes nothing."""
        _ = turn.speaker.gettext
        if argument not in (USEFUL, NOT_USEFUL):
            return [Reply(_("Sorry, that button is no longer valid. Please ask again."),
                          turn.speaker.language)]
        if not await self.tally.rated(turn, argument == USEFUL):
            return [Reply(_("Thank you, I already have your answer."), turn.speaker.language)]
        return [Reply(_("Thank you! This helps the people who organise activities."),
                      turn.speaker.language)]
