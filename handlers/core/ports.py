"""What the conversation logic needs from the outside world, as small protocols.

Storage implements them with SQLAlchemy (``bot/storage``); tests use the hand-written fakes
in ``tests/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from catalog.model import Activity, ActivityId, OccurrenceChange, OneOffDate
from handlers.coordination.console.drafts import AuditEntry, Draft, DraftState
from handlers.coordination.permissions import Grant, Invite, RoleEvent
from handlers.coordination.requests import ContactRequest
from handlers.core.dialogue import Dialogue
from handlers.core.events import ChatId, Profile, Reply, UserId
from handlers.newcomers.reminder_timing import Subscriber, Subscription
from handlers.volunteers.broadcast_state import Broadcast


class ProfileStore(Protocol):
    """Remembers each user's language, network and a question waiting for onboarding."""

    async def get(self, user: UserId) -> Profile | None:
        """The stored profile, or ``None`` for a new user."""

    async def save(self, profile: Profile) -> None:
        """Create or replace a profile."""

    async def delete(self, user: UserId) -> None:
        """Forget the user entirely."""


class CalendarFeedStore(Protocol):
    """Personal calendar feeds: one secret token per user, of which only a hash is kept."""

    async def renew(self, user: UserId, now: datetime) -> str:
        """A new token for the user's feed; the one before stops working."""

    async def user_of(self, token: str) -> UserId | None:
        """Whose feed a token opens (``None``: unknown, replaced or forgotten)."""


class Clock(Protocol):
    """The current time (aware); injected so tests control it."""

    def __call__(self) -> datetime:
        """Now."""


class SubscriptionStore(Protocol):
    """Remembers what each user asked to be reminded of (the source of truth for reminders)."""

    async def add(self, subscription: Subscription) -> Subscription:
        """Store a subscription, or update the lead times of the user's one with its target.

        Returns the stored value, with its ``id``.
        """

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""

    async def for_user(self, user: UserId) -> list[Subscription]:
        """The user's subscriptions, oldest first."""

    async def remove(self, user: UserId, subscription_id: int) -> Subscription | None:
        """Cancel one of the user's subscriptions; ``None`` when it is not theirs or gone."""

    async def remove_all(self, user: UserId) -> int:
        """Cancel every subscription of the user; returns how many there were."""


class SubscriptionListener(Protocol):
    """Told when a user's subscriptions changed, so that their reminders are planned again."""

    async def subscriptions_changed(self, user: UserId) -> None:
        """Re-plan the user's pending reminders (dropping those no longer wanted)."""

    async def forgotten(self, user: UserId) -> None:
        """The user deleted their data: drop everything still waiting to be sent to them."""


class Outcome(StrEnum):
    """How one attempt to send an outbox message ended."""

    DELIVERED = "delivered"
    RETRY_AFTER = "retry_after"
    TRANSIENT = "transient"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The platform's answer to one send, as an adapter reports it.

    - ``delivered``: accepted by the platform;
    - ``retry_after(seconds)``: rate-limited (Telegram 429, Matrix ``M_LIMIT_EXCEEDED``); the
      whole channel pauses that long and the message is retried;
    - ``transient(error)``: network trouble or a 5xx; retried with backoff;
    - ``blocked``: the user blocked the bot or left the room; nothing more is sent to them;
    - ``failed(error)``: a permanent error for this message only (e.g. malformed, chat gone).
    """

    outcome: Outcome
    seconds: float = 0.0
    error: str = ""
    message_id: str = ""
    """The platform's id of the (last) message sent, so that replies to it can be matched."""

    @classmethod
    def delivered(cls, message_id: str = "") -> SendOutcome:
        """The platform accepted the message (as ``message_id``, when it says)."""
        return cls(Outcome.DELIVERED, message_id=message_id)

    @classmethod
    def retry_after(cls, seconds: float) -> SendOutcome:
        """Rate-limited: try again after ``seconds``."""
        return cls(Outcome.RETRY_AFTER, seconds=seconds)

    @classmethod
    def transient(cls, error: str) -> SendOutcome:
        """A failure worth retrying later."""
        return cls(Outcome.TRANSIENT, error=error)

    @classmethod
    def blocked(cls, error: str = "blocked") -> SendOutcome:
        """The user blocked the bot: stop sending to them."""
        return cls(Outcome.BLOCKED, error=error)

    @classmethod
    def failed(cls, error: str) -> SendOutcome:
        """A permanent failure of this message."""
        return cls(Outcome.FAILED, error=error)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to put in the outbox.

    ``expires_at``: do not send after this instant (a reminder is useless once its occurrence
    has started). ``dropped``: record the row as already dropped, for that reason (a
    reminder that came due while the bot was down), so it is counted and never sent.
    ``batch`` groups the rows of one broadcast (``broadcast:<id>``) or one contact request
    (``request:<id>``), to count, stop or delete them together.
    """

    key: str
    chat: ChatId
    user: UserId
    reply: Reply
    due_at: datetime
    category: str = "broadcast"
    activity: str | None = None
    subscription: int | None = None
    expires_at: datetime | None = None
    dropped: str | None = None
    batch: str | None = None

    @property
    def channel(self) -> str:
        """The channel that sends it, from the chat id's prefix (``telegram``, ``email``...)."""
        return str(self.chat).partition(":")[0]


class Outbox(Protocol):
    """Where the conversation puts messages to send later (broadcasts, notices, forwards)."""

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        """Store the messages whose key is new (idempotent); returns the keys inserted."""

    async def tally(self, batch: str) -> dict[str, int]:
        """How many rows of the batch are in each state (``pending``, ``sent``, ...)."""

    async def withdraw_batch(self, batch: str) -> int:
        """Delete the batch's rows not yet sent (stopping a broadcast); returns how many."""

    async def key_for_platform_message(self, chat: ChatId, message_id: str) -> str | None:
        """The key of the sent row that became platform message ``message_id`` in ``chat``."""


class OutboxSender(Protocol):
    """What a platform adapter implements so that unprompted messages can be sent.

    ``idempotency_key`` is stable across retries and restarts: an adapter whose platform can
    deduplicate (Matrix: use it as the transaction id of ``PUT /send``) must pass it on.
    The sender must not raise for platform errors; it maps them to a :class:`SendOutcome`.
    """

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Send one message to ``chat`` and report how it went."""


class SubscriberDirectory(Protocol):
    """Who is subscribed, with their language: the audience of notices and broadcasts."""

    async def subscribers(self, users: Sequence[UserId] | None = None) -> list[Subscriber]:
        """Subscriptions (all, or of ``users``) with their user's language and active flag."""

    async def subscribers_of(
        self,
        activities: Sequence[ActivityId],
        kinds: Sequence[str] = (),
        networks: Sequence[str] = (),
    ) -> list[Subscriber]:
        """Subscriptions naming one of ``activities``, or one of ``kinds`` in ``networks``.

        Found by the database, so a notice or a broadcast does not read every subscription.
        The caller passes the kinds and networks of its activities; what comes back may
        still hold a few that :meth:`Subscription.covers` rejects (a kind of one activity in
        the network of another), never fewer. Ordered by subscription id.
        """

    async def languages_of_followers(
        self, activities: Sequence[ActivityId], kinds_in_networks: Sequence[tuple[str, str]]
    ) -> dict[str | None, int]:
        """How many active people follow one of ``activities`` or a ``(kind, network)``.

        Counted per person's language (``None``: none chosen) by the database, so a
        broadcast's preview does not read its whole audience.
        """


class DialogueStore(Protocol):
    """Each user's place in a multi-step flow (at most one at a time)."""

    async def get(self, user: UserId) -> Dialogue | None:
        """The user's current dialogue, expired or not; ``None`` when there is none."""

    async def save(self, dialogue: Dialogue) -> None:
        """Create or replace the user's dialogue."""

    async def clear(self, user: UserId) -> None:
        """End the user's dialogue."""


class StaffStore(Protocol):
    """Granted roles, one-time invites and the audit trail of role changes."""

    async def grants_of(self, user: UserId) -> list[Grant]:
        """The user's roles, oldest first."""

    async def grants_for(self, organisations: Sequence[str]) -> list[Grant]:
        """Everyone's roles in these organisations (to list them)."""

    async def create_invite(self, invite: Invite) -> None:
        """Store an invite (only a hash of its code is kept) and record it in the audit."""

    async def redeem(self, code: str, user: UserId, now: datetime) -> Grant | None:
        """Use an invite once: grant its role to ``user`` and record it.

        ``None`` when the code is unknown, used or expired; two people redeeming the same code
        at once cannot both succeed.
        """

    async def revoke(self, user: UserId, organisation: str, actor: UserId, now: datetime) -> bool:
        """Remove the user's roles for the organisation and record it; whether any existed."""

    async def events(self, organisations: Sequence[str]) -> list[RoleEvent]:
        """The audit trail of these organisations, oldest first."""


class RequestStore(Protocol):
    """Contact and join requests."""

    async def create(self, request: ContactRequest) -> ContactRequest:
        """Store a new request; returns it with its id (and a reference unique among open ones)."""

    async def get(self, request_id: int) -> ContactRequest | None:
        """One request by id."""

    async def by_reference(self, reference: str) -> ContactRequest | None:
        """The newest request with this reference."""

    async def open_in(self, networks: Sequence[str]) -> list[ContactRequest]:
        """Requests not yet closed in these networks, oldest first."""

    async def for_user(self, user: UserId) -> list[ContactRequest]:
        """The user's requests, oldest first."""

    async def update(self, request: ContactRequest) -> None:
        """Store the request's new state and times."""

    async def unanswered_since(self, before: datetime) -> list[ContactRequest]:
        """Open requests raised (or created) before ``before``: time to raise them again."""

    async def delete_closed_before(self, before: datetime) -> int:
        """Delete requests closed before ``before`` (the retention period); returns how many."""


class BroadcastStore(Protocol):
    """Broadcasts and their progress."""

    async def create(self, broadcast: Broadcast) -> Broadcast:
        """Store a new broadcast; returns it with its id."""

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast by id."""

    async def update(self, broadcast: Broadcast) -> None:
        """Store the broadcast's new state and recipient count."""

    async def sending(self) -> list[Broadcast]:
        """Broadcasts still under way (their report is not sent yet)."""


class CatalogueChanges(Protocol):
    """A volunteer's change to the catalogue, written inside a :class:`UnitOfWork`.

    It does not reload anything itself: the unit of work makes the change visible to
    questions once it has committed (so a change rolled back is never seen).
    """

    async def change_occurrence(self, change: OccurrenceChange, by: UserId) -> None:
        """Cancel or move one session (replacing an earlier change of it)."""

    async def add_date(self, activity: ActivityId, when: OneOffDate, by: UserId) -> None:
        """Add a one-off session to an existing activity."""

    async def add_activity(self, activity: Activity, by: UserId) -> None:
        """Add a new event of an organisation."""


class UnitOfWork(Protocol):
    """One transaction: a change and every message it causes commit together, or none does.

    The stores it hands out all write in that one transaction. Nothing they write is seen
    by anyone else before :meth:`commit`; leaving the ``async with`` block without committing
    (an error, a refusal, a crash) discards all of it. After the commit the unit of work
    tells the rest of the process what happened (wakes the outbox drainers, reloads the
    catalogue), so a flow never does that itself. Use each unit once, and keep it short:
    read what the decision needs before opening it.
    """

    @property
    def dialogues(self) -> DialogueStore:
        """Dialogues, in this transaction."""

    @property
    def outbox(self) -> Outbox:
        """The outbox, in this transaction."""

    @property
    def subscribers(self) -> SubscriberDirectory:
        """Subscribers (read in this transaction)."""

    @property
    def broadcasts(self) -> BroadcastStore:
        """Broadcasts, in this transaction."""

    @property
    def requests(self) -> RequestStore:
        """Contact and join requests, in this transaction."""

    @property
    def staff(self) -> StaffStore:
        """Roles, invites and their audit, in this transaction."""

    @property
    def catalogue(self) -> CatalogueChanges:
        """Volunteers' changes to the catalogue, in this transaction."""

    async def commit(self) -> None:
        """Make everything written through this unit durable at once."""

    async def __aenter__(self) -> UnitOfWork:
        """Begin the transaction."""

    async def __aexit__(self, *exc_info: object) -> None:
        """Discard whatever was not committed."""


class UnitOfWorkFactory(Protocol):
    """Opens a new :class:`UnitOfWork` (``async with units() as uow: ...; await uow.commit()``)."""

    def __call__(self) -> UnitOfWork:
        """A fresh unit, not yet begun."""


# --- the keepers' console: drafts, publication, trusted organisations, audit (issue 16) ------


class ConsoleStore(Protocol):
    """Drafts of activity changes, their publication into the catalogue, and the audit trail.

    Publishing writes the activity (and a place it creates) into the one catalogue store,
    marks the draft published and appends the audit line in one transaction: all or nothing.
    """

    async def save_draft(self, draft: Draft, diff: str = "") -> Draft:
        """Store a new draft (``id`` ``None``) or replace one; appends a ``drafted`` line.

        Returns it with its id. ``diff`` is the compact diff for the audit line.
        """

    async def draft(self, draft_id: int) -> Draft | None:
        """One draft by id."""

    async def drafts(
        self, organisations: Sequence[str], states: Collection[DraftState] = (DraftState.DRAFT,)
    ) -> list[Draft]:
        """Drafts of these organisations in these states, oldest first."""

    async def return_draft(
        self, draft_id: int, by: UserId, comment: str, now: datetime
    ) -> Draft | None:
        """Send a waiting draft back to its author with a comment; ``None``: not waiting."""

    async def publish(self, draft_id: int, by: UserId, now: datetime) -> Draft:
        """Apply a waiting draft to the catalogue, in one transaction with its audit line.

        Raises :class:`~handlers.coordination.console.drafts.PublishError` (nothing changed)
        when the draft is not waiting, or the import's checks refuse it.
        """

    async def trusted(self) -> frozenset[str]:
        """The organisations trusted to publish their own changes."""

    async def set_trusted(
        self, organisation: str, trusted: bool, by: UserId, now: datetime
    ) -> None:
        """Mark an organisation trusted (or not), with an audit line."""

    async def audit(self, activity_id: str) -> list[AuditEntry]:
        """The audit trail of one activity, oldest first."""


# --- what newcomers ask for (anonymous counters, issue 13) --------------------------------------


class DemandEvent(StrEnum):
    """What a counter counts."""

    QUESTION = "question"
    REMINDER = "reminder"
    CONTACT = "contact"
    USEFUL = "useful"
    NOT_USEFUL = "not_useful"


@dataclass(frozen=True, slots=True)
class DemandFact:
    """The structured facts of one answered question; sets are sorted, comma-joined codes."""

    network: str
    language: str
    intent: str
    kinds: str = ""
    classes: str = ""
    audiences: str = ""
    spoken: str = ""
    municipality: str = ""
    timed: bool = False
    found: bool = False
    event: DemandEvent = DemandEvent.QUESTION


@dataclass(frozen=True, slots=True)
class DemandCount:
    """One stored counter: a day's count of one fact."""

    day: date
    fact: DemandFact
    count: int


class DemandCounter(Protocol):
    """Adds one to a day's counter of a fact; never sees a text or a user id."""

    async def add(self, day: date, fact: DemandFact) -> None:
        """Count ``fact`` once on ``day``."""


class DemandStore(DemandCounter, Protocol):
    """The counters, read back for the report and dropped after the retention period."""

    async def counts(
        self, start: date, end: date, networks: Sequence[str] | None = None
    ) -> list[DemandCount]:
        """Every counter from ``start`` to ``end`` (inclusive), of ``networks`` (or all)."""

    async def delete_before(self, day: date) -> int:
        """Drop the counters older than ``day``; returns how many."""


# --- what was delivered (the report's delivery section) ----------------------------------------


@dataclass(frozen=True, slots=True)
class BroadcastDelivery:
    """One broadcast and its delivery report."""

    id: int
    organisation: str
    state: str
    created_at: datetime
    recipients: int
    sent: int
    failed: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """Reminders, broadcasts and contact requests of a period, counted.

    A reminder is *late* when it was sent more than 15 minutes after it was due;
    *failed* counts the failed, blocked and dropped ones (dropped: it came due while the bot
    was down). ``median_answer_hours`` is the median time to a request's first answer.
    """

    reminders_sent: int = 0
    reminders_late: int = 0
    reminders_failed: int = 0
    broadcasts: tuple[BroadcastDelivery, ...] = ()
    requests: int = 0
    median_answer_hours: float | None = None
    waited_over_day: int = 0


class DeliveryStats(Protocol):
    """Reads what was delivered in a period (outbox, broadcasts, contact requests)."""

    async def delivery(
        self,
        start: datetime,
        end: datetime,
        activities: Collection[str] | None,
        organisations: Collection[str] | None,
        networks: Collection[str] | None,
    ) -> Delivery:
        """Counts of ``[start, end)``; ``None`` filters mean every one."""
