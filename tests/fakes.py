"""Hand-written fakes for the ports of ``handlers/`` (no mocks)."""

from __future__ import annotations

import copy
import hashlib
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from bot.storage.console_sessions import ConsoleSession, Opened, secret_hash
from catalog.edits import activity_fits
from catalog.model import Activity, ActivityId, Catalogue, OccurrenceChange, OneOffDate
from catalog.understanding.query import Intent, Query
from handlers.coordination.console.diff import changes, compact
from handlers.coordination.console.drafts import (
    AuditAction,
    AuditEntry,
    Draft,
    DraftAction,
    DraftState,
    PublishError,
)
from handlers.coordination.permissions import Grant, Invite, RoleEvent
from handlers.coordination.requests import ContactRequest, RequestState
from handlers.core.dialogue import Dialogue
from handlers.core.events import ChatId, Profile, Reply, UserId
from handlers.core.ports import (
    Delivery,
    DemandCount,
    DemandFact,
    Outcome,
    OutgoingMessage,
    SendOutcome,
)
from handlers.newcomers.reminder_timing import Subscriber, Subscription
from handlers.volunteers.broadcast_state import Broadcast, BroadcastState


class InMemoryProfiles:
    """A ProfileStore that keeps profiles in a dict."""

    def __init__(self) -> None:
        self.profiles: dict[UserId, Profile] = {}

    async def get(self, user: UserId) -> Profile | None:
        return self.profiles.get(user)

    async def save(self, profile: Profile) -> None:
        self.profiles[profile.user] = profile

    async def delete(self, user: UserId) -> None:
        self.profiles.pop(user, None)


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RunningClock:
    """A clock that starts at a fixed instant and then runs at real speed.

    For end-to-end tests whose processes really wait (drainers, claims, time-outs) but whose
    dates must not depend on the day the suite runs (the demo catalogue's season). ``origin``
    is the ``time.monotonic()`` reading at ``start``; Linux's monotonic clock is one for the
    whole machine, so processes a test starts can run the very same clock
    (:meth:`environment`, :func:`shared_clock`).
    """

    def __init__(self, start: datetime, origin: float | None = None) -> None:
        self.start = start
        self.origin = time.monotonic() if origin is None else origin

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)

    def environment(self) -> dict[str, str]:
        """The variable that hands this clock to a process the test starts."""
        return {SHARED_CLOCK_VARIABLE: f"{self.start.isoformat()} {self.origin!r}"}


#: Names the clock a test process shares with the process that started it.
SHARED_CLOCK_VARIABLE = "TARJOTIN_TEST_CLOCK"
#: When the crash tests' clock starts: a Wednesday in the demo's season, whatever today is.
CRASH_TEST_START = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)


def shared_clock(start: datetime) -> RunningClock:
    """The clock handed down by the starting process, else a new one from ``start``."""
    handed = os.environ.get(SHARED_CLOCK_VARIABLE)
    if not handed:
        return RunningClock(start)
    instant, origin = handed.split()
    return RunningClock(datetime.fromisoformat(instant), float(origin))


@dataclass
class ScriptedUnderstander:
    """Understands exactly the texts a test scripts, in the language the test says.

    Unscripted texts are an ``activities`` question with no constraints in the saved or
    hinted language (English otherwise).
    """

    script: dict[str, Query] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def understand(
        self,
        text: str,
        *,
        now: datetime,
        saved_language: str | None = None,
        platform_hint: str | None = None,
    ) -> Query:
        self.seen.append(text)
        if text in self.script:
            return self.script[text]
        intent: Intent = "activities"
        return Query(language=saved_language or platform_hint or "en", intent=intent)


@dataclass
class FakeSleep:
    """An async sleep that moves a :class:`FixedClock` instead of waiting."""

    clock: FixedClock
    slept: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)


@dataclass
class RecordingSender:
    """An OutboxSender that records every attempt with the clock's time.

    ``script`` maps an idempotency key to the outcomes of its successive attempts (the last
    one repeats); unscripted keys are delivered.
    """

    clock: FixedClock
    script: dict[str, list[SendOutcome]] = field(default_factory=dict)
    attempts: list[tuple[datetime, ChatId, str]] = field(default_factory=list)
    delivered: list[tuple[datetime, ChatId, str, Reply]] = field(default_factory=list)

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        self.attempts.append((self.clock.now, chat, idempotency_key))
        outcomes = self.script.get(idempotency_key)
        outcome = SendOutcome.delivered()
        if outcomes:
            outcome = outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]
        if outcome.outcome is Outcome.DELIVERED:
            self.delivered.append((self.clock.now, chat, idempotency_key, reply))
        return outcome


class InMemoryListener:
    """A SubscriptionListener that records what it was told."""

    def __init__(self) -> None:
        self.changed: list[UserId] = []
        self.forgotten_users: list[UserId] = []

    async def subscriptions_changed(self, user: UserId) -> None:
        self.changed.append(user)

    async def forgotten(self, user: UserId) -> None:
        self.forgotten_users.append(user)


class InMemoryCalendarFeeds:
    """Personal feed tokens (numbered, so tests can tell a renewed one from the old)."""

    def __init__(self) -> None:
        self.tokens: dict[UserId, str] = {}
        self.issued = 0

    async def renew(self, user: UserId, now: datetime) -> str:
        """A new token; the user's old one is gone."""
        self.issued += 1
        self.tokens[user] = f"token-{self.issued}"
        return self.tokens[user]

    async def user_of(self, token: str) -> UserId | None:
        """The user the token is current for."""
        return next((user for user, held in self.tokens.items() if held == token), None)

    def forget(self, user: UserId) -> None:
        """The user deleted their data."""
        self.tokens.pop(user, None)


class InMemorySubscriptions:
    """A SubscriptionStore in a dict, with ids counted from 1."""

    def __init__(self) -> None:
        self.rows: dict[int, Subscription] = {}
        self._next = 1

    async def add(self, subscription: Subscription) -> Subscription:
        for number, existing in self.rows.items():
            if existing.user == subscription.user and existing.target == subscription.target:
                stored = replace(existing, leads=subscription.leads, chat=subscription.chat)
                self.rows[number] = stored
                return stored
        stored = replace(subscription, id=self._next)
        self.rows[self._next] = stored
        self._next += 1
        return stored

    async def get(self, subscription_id: int) -> Subscription | None:
        return self.rows.get(subscription_id)

    async def for_user(self, user: UserId) -> list[Subscription]:
        return [s for _, s in sorted(self.rows.items()) if s.user == user]

    async def remove(self, user: UserId, subscription_id: int) -> Subscription | None:
        found = self.rows.get(subscription_id)
        if found is None or found.user != user:
            return None
        del self.rows[subscription_id]
        return found

    async def remove_all(self, user: UserId) -> int:
        mine = [n for n, s in self.rows.items() if s.user == user]
        for number in mine:
            del self.rows[number]
        return len(mine)


class InMemorySubscriberDirectory:
    """A SubscriberDirectory over an InMemorySubscriptions and a profile store's languages."""

    def __init__(self, subscriptions: InMemorySubscriptions, profiles: InMemoryProfiles) -> None:
        self.subscriptions = subscriptions
        self.profiles = profiles
        self.full_reads = 0

    async def subscribers(self, users: Sequence[UserId] | None = None) -> list[Subscriber]:
        if users is None:
            self.full_reads += 1
        return self._matching(lambda s: users is None or s.user in users)

    async def subscribers_of(
        self,
        activities: Sequence[ActivityId],
        kinds: Sequence[str] = (),
        networks: Sequence[str] = (),
    ) -> list[Subscriber]:
        return self._matching(
            lambda s: s.activity in activities or (s.kind in kinds and s.network in networks)
        )

    async def languages_of_followers(
        self, activities: Sequence[ActivityId], kinds_in_networks: Sequence[tuple[str, str]]
    ) -> dict[str | None, int]:
        pairs = set(kinds_in_networks)
        people: dict[UserId, str | None] = {}
        for subscriber in self._matching(
            lambda s: s.activity in activities or (s.kind or "", s.network or "") in pairs
        ):
            if subscriber.active:
                people[subscriber.subscription.user] = subscriber.language
        return dict(Counter(people.values()))

    def _matching(self, wanted: Callable[[Subscription], bool]) -> list[Subscriber]:
        found = []
        for _, subscription in sorted(self.subscriptions.rows.items()):
            if not wanted(subscription):
                continue
            profile = self.profiles.profiles.get(subscription.user)
            language = profile.language if profile else None
            found.append(Subscriber(subscription, language, profile.active if profile else True))
        return found


class InMemoryDialogues:
    """A DialogueStore in a dict."""

    def __init__(self) -> None:
        self.dialogues: dict[UserId, Dialogue] = {}

    async def get(self, user: UserId) -> Dialogue | None:
        return self.dialogues.get(user)

    async def save(self, dialogue: Dialogue) -> None:
        self.dialogues[dialogue.user] = dialogue

    async def clear(self, user: UserId) -> None:
        self.dialogues.pop(user, None)


FORGOTTEN = UserId("forgotten")
"""Who others' records name after /forget (``bot.storage.erasure.FORGOTTEN``; the erasure
contract in ``tests/bot/storage/test_erasure_contract.py`` holds both to it)."""


def _unnamed(user: UserId, gone: UserId) -> UserId:
    return FORGOTTEN if user == gone else user


def invite_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class InMemoryStaff:
    """A StaffStore in lists; invites are kept by the hash of their code, like the real one."""

    def __init__(self) -> None:
        self.grants: list[Grant] = []
        self.invites: dict[str, tuple[Invite, UserId | None]] = {}
        self.audit: list[RoleEvent] = []

    async def grants_of(self, user: UserId) -> list[Grant]:
        return [g for g in self.grants if g.user == user]

    async def grants_for(self, organisations: Sequence[str]) -> list[Grant]:
        return [g for g in self.grants if g.organisation in organisations]

    async def create_invite(self, invite: Invite) -> None:
        self.invites[invite_hash(invite.code)] = (replace(invite, code=""), None)
        self.audit.append(
            RoleEvent(
                invite.created_at,
                invite.created_by,
                "invite",
                None,
                invite.role,
                invite.organisation,
            )
        )

    async def redeem(self, code: str, user: UserId, now: datetime) -> Grant | None:
        found = self.invites.get(invite_hash(code))
        if found is None or found[1] is not None or found[0].expires_at <= now:
            return None
        invite = found[0]
        self.invites[invite_hash(code)] = (invite, user)
        grant = Grant(user, invite.role, invite.organisation, invite.created_by, now)
        if not any(
            g.user == user and g.organisation == grant.organisation and g.role == grant.role
            for g in self.grants
        ):
            self.grants.append(grant)
        self.audit.append(RoleEvent(now, user, "grant", user, invite.role, invite.organisation))
        return grant

    async def revoke(self, user: UserId, organisation: str, actor: UserId, now: datetime) -> bool:
        mine = [g for g in self.grants if g.user == user and g.organisation == organisation]
        self.grants = [g for g in self.grants if g not in mine]
        for grant in mine:
            self.audit.append(RoleEvent(now, actor, "revoke", user, grant.role, organisation))
        return bool(mine)

    async def events(self, organisations: Sequence[str]) -> list[RoleEvent]:
        return [e for e in self.audit if e.organisation in organisations]

    def forget_user(self, user: UserId) -> None:
        """As the SQL erasure: their grants and unused invites go.

        Others' records (grants they gave, invites, the audit trail) name :data:`FORGOTTEN`.
        """
        self.grants = [
            replace(g, granted_by=_unnamed(g.granted_by, user))
            for g in self.grants
            if g.user != user
        ]
        self.invites = {
            key: (replace(invite, created_by=_unnamed(invite.created_by, user)),
                  _unnamed(used, user) if used is not None else None)
            for key, (invite, used) in self.invites.items()
            if not (invite.created_by == user and used is None)
        }  # fmt: skip
        self.audit = [
            replace(
                e,
                actor=_unnamed(e.actor, user),
                subject=_unnamed(e.subject, user) if e.subject is not None else None,
            )
            for e in self.audit
        ]


class InMemoryRequests:
    """A RequestStore in a dict, ids counted from 1."""

    def __init__(self) -> None:
        self.rows: dict[int, ContactRequest] = {}

    async def create(self, request: ContactRequest) -> ContactRequest:
        stored = replace(request, id=len(self.rows) + 1)
        self.rows[len(self.rows) + 1] = stored
        return stored

    async def get(self, request_id: int) -> ContactRequest | None:
        return self.rows.get(request_id)

    async def by_reference(self, reference: str) -> ContactRequest | None:
        found = [r for r in self.rows.values() if r.reference == reference]
        return found[-1] if found else None

    async def open_in(self, networks: Sequence[str]) -> list[ContactRequest]:
        return [
            r
            for r in self.rows.values()
            if r.network in networks and r.state is not RequestState.CLOSED
        ]

    async def for_user(self, user: UserId) -> list[ContactRequest]:
        return [r for r in self.rows.values() if r.user == user]

    async def update(self, request: ContactRequest) -> None:
        assert request.id is not None
        self.rows[request.id] = request

    async def unanswered_since(self, before: datetime) -> list[ContactRequest]:
        return [
            r
            for r in self.rows.values()
            if r.state is RequestState.OPEN and (r.raised_at or r.created_at) < before
        ]

    async def delete_closed_before(self, before: datetime) -> int:
        old = [
            n
            for n, r in self.rows.items()
            if r.state is RequestState.CLOSED and r.closed_at is not None and r.closed_at < before
        ]
        for number in old:
            del self.rows[number]
        return len(old)

    async def forget_user(self, user: UserId) -> None:
        self.rows = {n: r for n, r in self.rows.items() if r.user != user}


class InMemoryBroadcasts:
    """A BroadcastStore in a dict, ids counted from 1."""

    def __init__(self) -> None:
        self.rows: dict[int, Broadcast] = {}

    async def create(self, broadcast: Broadcast) -> Broadcast:
        stored = replace(broadcast, id=len(self.rows) + 1)
        self.rows[len(self.rows) + 1] = stored
        return stored

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.rows.get(broadcast_id)

    async def update(self, broadcast: Broadcast) -> None:
        assert broadcast.id is not None
        self.rows[broadcast.id] = broadcast

    async def sending(self) -> list[Broadcast]:
        return [b for b in self.rows.values() if b.state is BroadcastState.SENDING]

    def forget_sender(self, user: UserId) -> list[Broadcast]:
        """Delete the broadcasts ``user`` sent; returns them (their batches go too)."""
        sent = [b for b in self.rows.values() if b.sender == user]
        self.rows = {n: b for n, b in self.rows.items() if b.sender != user}
        return sent


@dataclass
class OutboxEntry:
    """A message in the in-memory outbox and its state."""

    message: OutgoingMessage
    state: str = "pending"
    platform_message_id: str | None = None


class InMemoryOutbox:
    """An Outbox in a dict keyed by idempotency key; tests move rows between states."""

    def __init__(self) -> None:
        self.entries: dict[str, OutboxEntry] = {}

    async def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> list[str]:
        inserted = []
        for message in messages:
            if message.key not in self.entries:
                self.entries[message.key] = OutboxEntry(message)
                inserted.append(message.key)
        return inserted

    async def tally(self, batch: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.entries.values():
            if entry.message.batch == batch:
                counts[entry.state] = counts.get(entry.state, 0) + 1
        return counts

    async def withdraw_batch(self, batch: str) -> int:
        waiting = [
            k for k, e in self.entries.items() if e.message.batch == batch and e.state == "pending"
        ]
        for key in waiting:
            del self.entries[key]
        return len(waiting)

    async def key_for_platform_message(self, chat: ChatId, message_id: str) -> str | None:
        for key, entry in self.entries.items():
            if entry.message.chat == chat and entry.platform_message_id == message_id:
                return key
        return None

    def forget(self, user: UserId, batches: Iterable[str]) -> int:
        """Delete the rows to ``user`` and those of ``batches``, whatever their state.

        ``batches``: the forwards of their requests and the copies of their broadcasts, as the
        SQL erasure deletes them.
        """
        wanted = set(batches)
        gone = [
            key
            for key, entry in self.entries.items()
            if entry.message.user == user or entry.message.batch in wanted
        ]
        for key in gone:
            del self.entries[key]
        return len(gone)

    def deliver(self, key: str, platform_message_id: str = "") -> None:
        """Mark one message sent, as a drainer would."""
        self.entries[key].state = "sent"
        self.entries[key].platform_message_id = platform_message_id or None

    def to(self, chat: str) -> list[OutgoingMessage]:
        """The messages queued for one chat, in order."""
        return [e.message for e in self.entries.values() if e.message.chat == chat]


class InMemoryCatalogueEditor:
    """A catalogue held in memory and the volunteers' changes to it (behind CatalogueChanges)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.changes: dict[tuple[str, datetime], OccurrenceChange] = {}
        self.by: list[UserId] = []

    async def change_occurrence(self, change: OccurrenceChange, by: UserId) -> None:
        self.changes[(change.activity, change.original_start)] = change
        self.by.append(by)

    async def add_date(self, activity: ActivityId, when: OneOffDate, by: UserId) -> None:
        activities = tuple(
            replace(a, dates=(*a.dates, when)) if a.id == activity else a
            for a in self.catalogue.activities
        )
        self.catalogue = replace(self.catalogue, activities=activities)
        self.by.append(by)

    async def add_activity(self, activity: Activity, by: UserId) -> None:
        self.catalogue = replace(self.catalogue, activities=(*self.catalogue.activities, activity))
        self.by.append(by)


class InMemoryCatalogueChanges:
    """CatalogueChanges over an InMemoryCatalogueEditor (what a unit of work hands out)."""

    def __init__(self, editor: InMemoryCatalogueEditor) -> None:
        self.editor = editor
        self.changed = False

    async def change_occurrence(self, change: OccurrenceChange, by: UserId) -> None:
        if self.editor.catalogue.activity(change.activity) is None:
            raise LookupError(f"activity {change.activity!r} is not on offer")
        await self.editor.change_occurrence(change, by)
        self.changed = True

    async def add_date(self, activity: ActivityId, when: OneOffDate, by: UserId) -> None:
        if self.editor.catalogue.activity(activity) is None:
            raise LookupError(f"activity {activity!r} is not on offer")
        await self.editor.add_date(activity, when, by)
        self.changed = True

    async def add_activity(self, activity: Activity, by: UserId) -> None:
        if self.editor.catalogue.activity(activity.id) is not None:
            raise ValueError(f"the activity id {activity.id!r} is already used")
        await self.editor.add_activity(activity, by)
        self.changed = True


class InMemoryUnitOfWork:
    """A UnitOfWork over the in-memory stores: it works on copies and swaps them in on commit.

    So, like the database, a unit left without committing changes nothing, and nothing it
    wrote is visible before the commit. The directory is only read, so it is shared.
    """

    def __init__(self, units: InMemoryUnitsOfWork) -> None:
        self.units = units
        self.committed = False
        self._open = False

    async def __aenter__(self) -> InMemoryUnitOfWork:
        if self._open or self.committed:
            raise RuntimeError("a unit of work is used once")
        self._open = True
        units = self.units
        self.dialogues = copy.deepcopy(units.dialogues)
        self.outbox = copy.deepcopy(units.outbox)
        self.broadcasts = copy.deepcopy(units.broadcasts)
        self.requests = copy.deepcopy(units.requests)
        self.staff = copy.deepcopy(units.staff)
        self.subscribers = units.directory
        editor = units.editor
        self._editor = copy.deepcopy(editor, {id(editor.catalogue): editor.catalogue})
        self.catalogue = InMemoryCatalogueChanges(self._editor)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._open = False

    async def commit(self) -> None:
        if not self._open or self.committed:
            raise RuntimeError("commit inside `async with`, once")
        units = self.units
        before = len(units.outbox.entries)
        for original, worked in (
            (units.dialogues, self.dialogues),
            (units.outbox, self.outbox),
            (units.broadcasts, self.broadcasts),
            (units.requests, self.requests),
            (units.staff, self.staff),
            (units.editor, self._editor),
        ):
            original.__dict__.update(worked.__dict__)
        self.committed = True
        units.commits += 1
        if len(units.outbox.entries) != before:
            units.woken += 1
        if self.catalogue.changed:
            units.catalogue_changes += 1


class InMemoryUnitsOfWork:
    """A UnitOfWorkFactory over the in-memory stores a test holds (and reads back)."""

    def __init__(
        self,
        *,
        dialogues: InMemoryDialogues | None = None,
        outbox: InMemoryOutbox | None = None,
        directory: InMemorySubscriberDirectory | None = None,
        broadcasts: InMemoryBroadcasts | None = None,
        requests: InMemoryRequests | None = None,
        staff: InMemoryStaff | None = None,
        editor: InMemoryCatalogueEditor | None = None,
    ) -> None:
        self.dialogues = dialogues or InMemoryDialogues()
        self.outbox = outbox or InMemoryOutbox()
        self.directory = directory or InMemorySubscriberDirectory(
            InMemorySubscriptions(), InMemoryProfiles()
        )
        self.broadcasts = broadcasts or InMemoryBroadcasts()
        self.requests = requests or InMemoryRequests()
        self.staff = staff or InMemoryStaff()
        self.editor = editor or InMemoryCatalogueEditor(
            Catalogue(
                timezone="Europe/Helsinki", networks=(), organisations=(), places=(), activities=()
            )
        )
        self.commits = 0
        self.woken = 0
        self.catalogue_changes = 0

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)


class InMemoryDemand:
    """A DemandStore that keeps its counters in a dict keyed by day and facts."""

    def __init__(self) -> None:
        self.counters: dict[tuple[date, DemandFact], int] = {}

    async def add(self, day: date, fact: DemandFact) -> None:
        self.counters[(day, fact)] = self.counters.get((day, fact), 0) + 1

    async def counts(
        self, start: date, end: date, networks: Sequence[str] | None = None
    ) -> list[DemandCount]:
        return [
            DemandCount(day, fact, count)
            for (day, fact), count in self.counters.items()
            if start <= day <= end and (networks is None or fact.network in networks)
        ]

    async def delete_before(self, day: date) -> int:
        old = [key for key in self.counters if key[0] < day]
        for key in old:
            del self.counters[key]
        return len(old)


class NoDelivery:
    """DeliveryStats with nothing delivered (the fakes keep no outbox history to count)."""

    async def delivery(
        self,
        start: datetime,
        end: datetime,
        activities: Collection[str] | None,
        organisations: Collection[str] | None,
        networks: Collection[str] | None,
    ) -> Delivery:
        return Delivery()


class InMemoryConsoleSessions:
    """Console sign-in links and sessions in dicts, kept by hash like the SQL store."""

    def __init__(self, valid: timedelta = timedelta(hours=8)) -> None:
        self.valid = valid
        self.links: dict[str, tuple[UserId, datetime, datetime | None]] = {}
        self.sessions: dict[str, ConsoleSession] = {}
        self.issued: list[str] = []

    async def issue(self, user: UserId, now: datetime, valid: timedelta) -> str:
        token = f"link-{len(self.issued)}-{secrets.token_hex(4)}"
        self.issued.append(token)
        self.links[secret_hash(token)] = (user, now + valid, None)
        return token

    async def redeem(self, token: str, now: datetime) -> Opened | None:
        found = self.links.get(secret_hash(token))
        if found is None or found[2] is not None or found[1] <= now:
            return None
        self.links[secret_hash(token)] = (found[0], found[1], now)
        cookie = secrets.token_hex(16)
        session = ConsoleSession(found[0], secrets.token_hex(16), now + self.valid)
        self.sessions[secret_hash(cookie)] = session
        return Opened(cookie, session)

    async def session(self, cookie: str, now: datetime) -> ConsoleSession | None:
        found = self.sessions.get(secret_hash(cookie))
        return found if found is not None and found.expires_at > now else None

    async def end(self, cookie: str) -> None:
        self.sessions.pop(secret_hash(cookie), None)


class InMemoryConsole:
    """The ConsoleStore over an InMemoryCatalogueEditor: drafts, trust and audit in lists.

    Publishing checks the activity as the SQL store does (:func:`catalog.edits.activity_fits`)
    and changes the editor's catalogue only when every check passes.
    """

    def __init__(self, editor: InMemoryCatalogueEditor) -> None:
        self.editor = editor
        self.rows: dict[int, Draft] = {}
        self.trust: set[str] = set()
        self.lines: list[AuditEntry] = []
        self.edited: dict[str, str] = {}

    async def save_draft(self, draft: Draft, diff: str = "") -> Draft:
        stored = replace(draft, id=draft.id if draft.id is not None else len(self.rows) + 1)
        assert stored.id is not None
        self.rows[stored.id] = stored
        self.lines.append(
            AuditEntry(
                draft.updated_at,
                draft.author,
                draft.activity_id,
                draft.organisation,
                AuditAction.DRAFTED,
                diff,
                stored.id,
            )
        )
        return stored

    async def draft(self, draft_id: int) -> Draft | None:
        return self.rows.get(draft_id)

    async def drafts(
        self, organisations: Sequence[str], states: Collection[DraftState] = (DraftState.DRAFT,)
    ) -> list[Draft]:
        return [
            d
            for _, d in sorted(self.rows.items())
            if d.organisation in organisations and d.state in states
        ]

    async def return_draft(
        self, draft_id: int, by: UserId, comment: str, now: datetime
    ) -> Draft | None:
        draft = self.rows.get(draft_id)
        if draft is None or draft.state is not DraftState.DRAFT:
            return None
        returned = replace(draft, state=DraftState.RETURNED, comment=comment, updated_at=now)
        self.rows[draft_id] = returned
        self.lines.append(
            AuditEntry(
                now, by, draft.activity_id, draft.organisation, AuditAction.RETURNED, "", draft_id
            )
        )
        return returned

    async def publish(self, draft_id: int, by: UserId, now: datetime) -> Draft:
        draft = self.rows.get(draft_id)
        if draft is None or draft.state is not DraftState.DRAFT:
            raise PublishError(["the draft is not waiting to be published"])
        catalogue = self.editor.catalogue
        old = catalogue.activity(draft.activity_id)
        if draft.action is DraftAction.WITHDRAW:
            if old is None:
                raise PublishError([f"activity {draft.activity_id!r} is not on offer"])
            activities = tuple(a for a in catalogue.activities if a.id != draft.activity_id)
            self.editor.catalogue = replace(catalogue, activities=activities)
            action, diff = AuditAction.WITHDRAWN, ""
        else:
            activity, place = draft.activity, draft.new_place
            problems = activity_fits(catalogue, activity, place)
            if old is not None and old.organisation != activity.organisation:
                problems.append(f"the activity id {activity.id!r} belongs to another organisation")
            if place is not None and catalogue.place(place.id) is not None:
                problems.append(f"the place id {place.id!r} is already used")
            if problems:
                raise PublishError(problems)
            places = (*catalogue.places, place) if place is not None else catalogue.places
            if old is None:
                activities = (*catalogue.activities, activity)
            else:
                activities = tuple(
                    activity if a.id == activity.id else a for a in catalogue.activities
                )
            self.editor.catalogue = replace(catalogue, places=places, activities=activities)
            action, diff = AuditAction.PUBLISHED, compact(changes(old, activity))
        published = replace(draft, state=DraftState.PUBLISHED, updated_at=now)
        self.rows[draft_id] = published
        self.edited[draft.activity_id] = draft.action.value
        self.lines.append(
            AuditEntry(now, by, draft.activity_id, draft.organisation, action, diff, draft_id)
        )
        return published

    async def trusted(self) -> frozenset[str]:
        return frozenset(self.trust)

    async def set_trusted(
        self, organisation: str, trusted: bool, by: UserId, now: datetime
    ) -> None:
        if trusted:
            self.trust.add(organisation)
        else:
            self.trust.discard(organisation)
        action = AuditAction.TRUSTED if trusted else AuditAction.UNTRUSTED
        self.lines.append(AuditEntry(now, by, "", organisation, action))

    async def audit(self, activity_id: str) -> list[AuditEntry]:
        return [line for line in self.lines if line.activity_id == activity_id]
