"""The flow table: which flow owns each command, choice kind, dialogue and deep link.

Every flow (onboarding, questions, data rights, reminders, contact requests, volunteering,
staffing, the coordinators' commands) states what it owns in one :class:`FlowDeclaration`
next to its code. :class:`FlowTable` is built once at start from the wired flows and refuses
a name claimed twice, so two flows can never both think a command is theirs. The
:class:`~handlers.core.conversation.Conversation` looks the owner of each event up here; the chat
menus (Telegram's command lists, Matrix's ``!`` commands) are generated from the same table.

Adding a command is one :class:`CommandSpec` in its flow's declaration, the flow's handling
of it in ``on_command``, and the translations of its description.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import ActionKind, Reply
from handlers.core.turn import Turn


def N_(message: str) -> str:  # noqa: N802 - the name gettext extraction knows
    """Mark ``message`` for translation; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its name, its menu description and where it is answered.

    ``description`` (marked with :func:`N_`) puts the command in the menus every user sees;
    staff commands have none, so they work when typed but are not advertised. ``in_groups``
    commands are answered in a group chat without naming the bot. ``ends_dialogue`` commands
    start their flow afresh, ending whatever multi-step dialogue the user was in.
    """

    name: str
    description: str | None = None
    in_groups: bool = True
    ends_dialogue: bool = False

    @property
    def advertised(self) -> bool:
        """Whether the command is listed in the menus."""
        return self.description is not None


@dataclass(frozen=True, slots=True)
class FlowDeclaration:
    """What one flow owns; :class:`FlowTable` makes sure nobody else claims it."""

    name: str
    commands: tuple[CommandSpec, ...] = ()
    choices: frozenset[ActionKind] = frozenset()
    dialogues: frozenset[DialogueName] = frozenset()
    links: tuple[str, ...] = ()
    """Deep-link prefixes: ``/start <prefix><value>`` goes to the flow's ``on_link``."""
    group_texts: bool = False
    """Answers free text in the group chats that are its own (the coordinators' chats)."""


class Flow(Protocol):
    """A flow as the conversation calls it; only what the declaration claims is ever called."""

    @property
    def declaration(self) -> FlowDeclaration:
        """What this flow owns."""

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """One of the declared commands (name in lower case, argument stripped)."""

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """A choice of one of the declared kinds."""

    async def on_text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply] | None:
        """Text typed inside one of the declared dialogues; ``None``: answer it as a question."""

    async def on_link(self, turn: Turn, payload: str) -> list[Reply]:
        """``/start <payload>`` with one of the declared prefixes."""

    async def on_group_text(
        self, turn: Turn, text: str, reply_to: str | None
    ) -> list[Reply] | None:
        """Text in a group chat; ``None`` when the chat is not this flow's own."""


class FlowBase:
    """Defaults for what a flow does not claim: the table never calls them, so they raise."""

    declaration: FlowDeclaration

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """Not claimed."""
        raise LookupError(f"{self.declaration.name} owns no command {name!r}")

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """Not claimed."""
        raise LookupError(f"{self.declaration.name} owns no choice {kind.value!r}")

    async def on_text(self, turn: Turn, text: str, dialogue: Dialogue) -> list[Reply] | None:
        """Not claimed."""
        raise LookupError(f"{self.declaration.name} owns no dialogue {dialogue.flow!r}")

    async def on_link(self, turn: Turn, payload: str) -> list[Reply]:
        """Not claimed."""
        raise LookupError(f"{self.declaration.name} owns no deep link")

    async def on_group_text(
        self, turn: Turn, text: str, reply_to: str | None
    ) -> list[Reply] | None:
        """Not claimed."""
        raise LookupError(f"{self.declaration.name} owns no group texts")


class ClaimedTwiceError(ValueError):
    """Two flows claim one command, choice kind, dialogue or deep-link prefix."""


@dataclass(frozen=True, slots=True)
class CommandOwner:
    """A command's declaration and the flow that answers it."""

    spec: CommandSpec
    flow: Flow


@dataclass
class FlowTable:
    """Who owns what, built once from the wired flows (see :meth:`of`)."""

    flows: tuple[Flow, ...]
    _commands: dict[str, CommandOwner] = field(default_factory=dict)
    _choices: dict[ActionKind, Flow] = field(default_factory=dict)
    _dialogues: dict[DialogueName, Flow] = field(default_factory=dict)
    _links: dict[str, Flow] = field(default_factory=dict)
    _rooms: Flow | None = None

    @classmethod
    def of(cls, flows: Iterable[Flow]) -> FlowTable:
        """The table of ``flows``; raises :class:`ClaimedTwiceError` naming both claimants."""
        table = cls(tuple(flows))
        owners: dict[tuple[str, str], str] = {}

        def claim(what: str, key: str, flow: Flow) -> None:
            name = flow.declaration.name
            if (what, key) in owners:
                earlier = owners[(what, key)]
                raise ClaimedTwiceError(f"{what} {key!r} is claimed by {earlier} and {name}")
            owners[(what, key)] = name

        wired: set[str] = set()
        for flow in table.flows:
            declaration = flow.declaration
            if declaration.name in wired:
                raise ClaimedTwiceError(f"flow {declaration.name!r} is wired twice")
            wired.add(declaration.name)
            for spec in declaration.commands:
                claim("command", spec.name.lower(), flow)
                table._commands[spec.name.lower()] = CommandOwner(spec, flow)
            for kind in declaration.choices:
                claim("choice", kind.value, flow)
                table._choices[kind] = flow
            for dialogue in declaration.dialogues:
                claim("dialogue", dialogue.value, flow)
                table._dialogues[dialogue] = flow
            for prefix in declaration.links:
                for other in table._links:
                    if prefix.startswith(other) or other.startswith(prefix):
                        raise ClaimedTwiceError(
                            f"deep link {prefix!r} overlaps {other!r} of "
                            f"{table._links[other].declaration.name}"
                        )
                table._links[prefix] = flow
            if declaration.group_texts:
                claim("group texts", "", flow)
                table._rooms = flow
        return table

    # --- look-ups --------------------------------------------------------------------------

    def command(self, name: str) -> CommandOwner | None:
        """The owner of ``/name`` (any case); ``None`` for an unknown command."""
        return self._commands.get(name.lower())

    def choice(self, kind: ActionKind) -> Flow | None:
        """The flow that carries out choices of ``kind``."""
        return self._choices.get(kind)

    def dialogue(self, name: str) -> Flow | None:
        """The flow whose dialogue ``name`` is."""
        return self._dialogues.get(DialogueName(name)) if name in _DIALOGUE_NAMES else None

    def link(self, payload: str) -> Flow | None:
        """The flow of a deep-link payload, by its prefix."""
        for prefix, flow in self._links.items():
            if payload.startswith(prefix):
                return flow
        return None

    @property
    def rooms(self) -> Flow | None:
        """The flow that answers texts in group chats of its own."""
        return self._rooms

    # --- what the adapters show ------------------------------------------------------------

    @property
    def commands(self) -> tuple[CommandSpec, ...]:
        """Every command, in the order of the flows and their declarations."""
        return tuple(owner.spec for owner in self._commands.values())

    @property
    def command_names(self) -> frozenset[str]:
        """Every command's name."""
        return frozenset(self._commands)

    @property
    def advertised(self) -> tuple[CommandSpec, ...]:
        """The commands of the menus, in menu order."""
        return tuple(spec for spec in self.commands if spec.advertised)

    @property
    def group_commands(self) -> frozenset[str]:
        """Commands answered in a group chat without naming the bot."""
        return frozenset(spec.name for spec in self.commands if spec.in_groups)


_DIALOGUE_NAMES = frozenset(name.value for name in DialogueName)

