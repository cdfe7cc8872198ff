"""The flow table: one owner per command, choice kind, dialogue and deep link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.core.dialogue import DialogueName
from handlers.core.events import ActionKind, Reply
from handlers.core.flows import (
    ClaimedTwiceError,
    CommandSpec,
    FlowBase,
    FlowDeclaration,
    FlowTable,
)
from handlers.core.i18n import Translator
from handlers.core.turn import Turn
from handlers.newcomers.assistant import Assistant
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


class Declared(FlowBase):
    """A flow that owns what it is told to, and answers every command with its name."""

    def __init__(self, declaration: FlowDeclaration) -> None:
        self.declaration = declaration

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        return [Reply(self.declaration.name, "en")]


@pytest.fixture
def table(demo: Catalogue) -> FlowTable:
    """The table the product wires, built through bootstrap over fakes."""
    assistant = Assistant(
        Matcher(demo, OccurrenceIndex(demo, ())), ScriptedUnderstander(), Translator()
    )
    return FakeCore(demo, FixedClock(NOW)).build(lambda: assistant).flows


@pytest.mark.parametrize(
    ("first", "second", "claimed"),
    [
        (
            FlowDeclaration("a", commands=(CommandSpec("help"),)),
            FlowDeclaration("b", commands=(CommandSpec("HELP"),)),
            "command 'help' is claimed by a and b",
        ),
        (
            FlowDeclaration("a", choices=frozenset({ActionKind.MORE})),
            FlowDeclaration("b", choices=frozenset({ActionKind.MORE})),
            "choice 'more' is claimed by a and b",
        ),
        (
            FlowDeclaration("a", dialogues=frozenset({DialogueName.CONTACT})),
            FlowDeclaration("b", dialogues=frozenset({DialogueName.CONTACT})),
            "dialogue 'contact' is claimed by a and b",
        ),
        (
            FlowDeclaration("a", links=("i-",)),
            FlowDeclaration("b", links=("i-",)),
            "deep link 'i-' overlaps 'i-' of a",
        ),
        (
            FlowDeclaration("a", links=("a-",)),
            FlowDeclaration("b", links=("a-b",)),
            "deep link 'a-b' overlaps 'a-' of a",
        ),
        (
            FlowDeclaration("a", group_texts=True),
            FlowDeclaration("b", group_texts=True),
            "group texts '' is claimed by a and b",
        ),
        (
            FlowDeclaration("a"),
            FlowDeclaration("a"),
            "flow 'a' is wired twice",
        ),
    ],
)
def test_a_name_claimed_twice_is_refused_at_start(
    first: FlowDeclaration, second: FlowDeclaration, claimed: str
) -> None:
    with pytest.raises(ClaimedTwiceError) as refused:
        FlowTable.of([Declared(first), Declared(second)])
    assert str(refused.value) == claimed


def test_one_flow_cannot_claim_a_command_twice_either() -> None:
    twice = FlowDeclaration("a", commands=(CommandSpec("x"), CommandSpec("X")))
    with pytest.raises(ClaimedTwiceError, match="command 'x'"):
        FlowTable.of([Declared(twice)])


def test_every_flow_of_the_product_is_in_the_table(table: FlowTable) -> None:
    names = [flow.declaration.name for flow in table.flows]
    assert names == [
        "onboarding",
        "questions",
        "contact",
        "reminders",
        "calendar",
        "data rights",
        "volunteering",
        "staffing",
        "coordination",
        "whoami",
        "console",
        "feedback",
        "report",
    ]
    every_choice = {kind for flow in table.flows for kind in flow.declaration.choices}
    # every button the core offers has an owner; a link is opened, never sent back
    assert every_choice == set(ActionKind) - {ActionKind.LINK}
    every_dialogue = {d for flow in table.flows for d in flow.declaration.dialogues}
    assert every_dialogue == set(DialogueName)


def test_the_menus_list_the_newcomers_commands_with_reminders(table: FlowTable) -> None:
    menu = [spec.name for spec in table.advertised]
    assert menu == [
        "start",
        "language",
        "place",
        "help",
        "contact",
        "join",
        "remind",
        "reminders",
        "calendar",
        "mydata",
        "forget",
    ]
    staff = {
        "volunteer", "invite", "roles", "requests", "close", "reply", "whoami", "report",
        "console",
    }
    assert table.command_names == set(menu) | staff
    private = {"remind", "reminders", "calendar", "console"}
    assert table.group_commands == table.command_names - private


def test_look_ups(table: FlowTable) -> None:
    owner = table.command("Invite")
    assert owner is not None
    assert owner.flow.declaration.name == "staffing"
    assert owner.spec.ends_dialogue
    assert table.command("weather") is None
    linked = table.link("i-ABCD")
    assert linked is not None
    assert linked.declaration.name == "staffing"
    assert table.link("zzz") is None
    shown = table.choice(ActionKind.CONTACT)
    assert shown is not None
    assert shown.declaration.name == "contact"
    rooms = table.rooms
    assert rooms is not None
    assert rooms.declaration.name == "coordination"
    assert table.dialogue("no such flow") is None
