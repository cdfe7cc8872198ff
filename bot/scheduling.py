"""Planning reminders into the outbox, and making sure one process per database does it.

Why the "jobs" are outbox rows. The subscriptions table is the source of truth; the planner
derives from it every message due in the next ``horizon`` (6 hours) and writes them to the
outbox *ahead of time*, with ``due_at`` in the future and their idempotency keys. The drainer
sends a row once it is due. So a scheduled reminder is a committed row, not an in-memory job:
a ``kill -9`` loses nothing, a restart rebuilds nothing but the next window (re-planning is
``INSERT … ON CONFLICT DO NOTHING``), and 100,000 subscriptions cost no in-memory jobs.
What remains for a timer is periodic: plan the next window every ``tick`` (10 minutes), renew
the lease, prune. Planning and pruning are interval jobs of an APScheduler 3
``AsyncIOScheduler`` owned by :class:`ReminderService` and running only while this process
leads; the lease is renewed by the service's own loop, which must run whether or not it leads.

What is planned. A subscription to an activity gets a reminder per session and lead
(:mod:`handlers.newcomers.reminder_timing`); a subscription to a kind in a network gets one
message per day listing that day's sessions (:mod:`handlers.newcomers.day_digest`): a kind
covers hundreds of activities in a large network, and a reminder of each was millions a day.

Changes. A catalogue re-import or a volunteer's change calls
:meth:`ReminderPlanner.replan_activities` with the touched activity ids: their pending rows
are withdrawn and planned again from the new occurrences, so a moved session is reminded at
its new time (saying so), a cancelled one gets its cancellation instead, and an occurrence
that no longer exists keeps no reminder; the pending digests of the kind subscriptions that
cover them are planned again whole, and a session cancelled after its day's digest went out
gets a cancellation notice. A subscription change calls
:meth:`ReminderPlanner.subscriptions_changed` (the
:class:`~handlers.core.ports.SubscriptionListener`).

One scheduler per database: :class:`Leadership` holds the ``reminders`` lease
(:class:`~bot.storage.lease.SqlLease`); a second instance stays standby, retrying every third
of the lease, and takes over (planning with a full look-back, which also counts what was
missed) once the leader stops renewing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Collection,
    Hashable,
    Iterable,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

from bot.outbox_drainer import OutboxDrainer
from bot.storage.lease import SqlLease
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.storage.reminders import SqlSubscriptionStore, Subscriber, parse_leads
from catalog.model import ActivityId, Catalogue
from catalog.occurrences import Occurrence, OccurrenceIndex
from catalog.scope import belongs_to, kind_coverage
from handlers.core.events import Reply, UserId
from handlers.core.i18n import Speaker, Translator
from handlers.core.ports import Clock
from handlers.newcomers.calendar import FeedLinks
from handlers.newcomers.day_digest import (
    DAY_MARGIN,
    DaySessions,
    PlannedDigest,
    plan_digests,
    sessions_by_day,
)
from handlers.newcomers.reminder_timing import (
    DEFAULT_QUIET_HOURS,
    PlannedReminder,
    QuietHours,
    Subscription,
    Window,
    covered_activities,
    new_activity_notices,
    plan_reminders,
)
from handlers.newcomers.reminders import (
    cancellation_reply,
    digest_reply,
    for_subscription,
    new_activity_reply,
    reminder_reply,
)

log = logging.getLogger(__name__)

Key = TypeVar("Key", bound=Hashable)

REMINDER = "reminder"
CANCELLATION = "cancellation"
DIGEST = "digest"
NEW_ACTIVITY = "new_activity"
PLANNED_CATEGORIES = (REMINDER, CANCELLATION, DIGEST)

#: Subscribers planned between two yields to the event loop.
YIELD_EVERY = 500

#: Activities' sessions and texts a pass keeps between its parts of subscribers.
MEMO_LIMIT = 20_000

#: A planning pass writes its rows in transactions of about this many and lets them go: a
#: million subscriptions' first pass plans ~770,000 rows, which held in memory until one big
#: write took ~800 MiB; written as they come, the memory stays flat and the first chunks can be
#: sent while the rest is planned. Idempotency keys make a pass cut short by a crash safe to
#: run again: the rows already written are skipped.
WRITE_EVERY = 10_000


@dataclass(frozen=True, slots=True)
class ScheduleSource:
    """The catalogue version to plan from, with its occurrence index."""

    catalogue: Catalogue
    occurrences: OccurrenceIndex


@dataclass(frozen=True, slots=True)
class PlanReport:
    """What one planning pass wrote: new rows to send, new rows dropped as missed."""

    subscribers: int
    considered: int
    enqueued: int
    dropped: int

    def __add__(self, other: PlanReport) -> PlanReport:
        """Two parts of one pass, together."""
        return PlanReport(
            self.subscribers + other.subscribers,
            self.considered + other.considered,
            self.enqueued + other.enqueued,
            self.dropped + other.dropped,
        )


@dataclass(slots=True)
class _PassMemo:
    """What a pass works out once and its parts of subscribers share.

    A kind's days and a text per occurrence or day and language: a million subscribers come
    in parts (:meth:`~bot.storage.reminders.SqlSubscriptionStore.subscriber_parts`), and
    rendering them again for each part cost more than the parts saved.
    """

    days: dict[str, list[DaySessions]] = field(default_factory=dict)
    sessions: dict[str, list[Occurrence]] = field(default_factory=dict)
    rendered: dict[tuple[Occurrence, str, bool], Reply] = field(default_factory=dict)
    digests: dict[tuple[str, date, str, int], Reply] = field(default_factory=dict)

    def bound(self) -> None:
        """Let go of an activity's sessions and texts past ``MEMO_LIMIT`` of them.

        Parts come by activity, so an activity's subscribers are seldom in two of them: a
        national pass kept 200,000 texts it would not ask for again. A kind's are kept (its
        subscribers come in many parts, and they are few per pass).
        """
        for kept in (self.sessions, self.rendered):
            if len(kept) > MEMO_LIMIT:
                kept.clear()


class ReminderPlanner:
    """Turns subscriptions into outbox rows for the next ``horizon``."""

    def __init__(
        self,
        subscriptions: SqlSubscriptionStore,
        outbox: SqlOutbox,
        translator: Translator,
        source: Callable[[], ScheduleSource],
        clock: Clock,
        *,
        horizon: timedelta = timedelta(hours=6),
        lookback: timedelta = timedelta(days=2),
        quiet: QuietHours = DEFAULT_QUIET_HOURS,
        default_language: str = "en",
        on_enqueued: Callable[[], None] | None = None,
        calendar: FeedLinks | None = None,
    ) -> None:
        self.calendar = calendar
        self.subscriptions = subscriptions
        self.outbox = outbox
        self.translator = translator
        self.source = source
        self.clock = clock
        self.horizon = horizon
        self.lookback = lookback
        self.quiet = quiet
        self.default_language = default_language
        self.on_enqueued = on_enqueued
        self.planned_until: datetime | None = None
        self._coverage: tuple[Catalogue, dict[tuple[str, str], list[ActivityId]]] | None = None

    async def plan(self) -> PlanReport:
        """Plan the next window: everything after the last one planned in full.

        A leader starts from the end of its predecessor's last window (recorded on the
        lease), at most ``lookback`` ago: reminders that came due in between, while no one
        planned, are sent late or dropped and counted. With nothing recorded (a new database)
        it looks back ``lookback`` too, but only to send late what still helps: what it never
        had to send is not counted as missed.
        """
        now = self.clock()
        until = now + self.horizon
        since = self.planned_until
        if since is not None:  # a longer gap: what came due before the look-back is gone
            since = max(since, now - self.lookback)
        report = PlanReport(0, 0, 0, 0)
        due = await self._subscribers_due(now, since, until)
        if due is not None:
            parts, lookahead = due
            memo = _PassMemo()
            async with contextlib.aclosing(parts):
                async for part in parts:
                    report += await self._plan(
                        part,
                        now,
                        since,
                        until,
                        missed=since is not None,
                        lookahead=lookahead,
                        memo=memo,
                    )
        self.planned_until = until
        return report

    async def _subscribers_due(
        self, now: datetime, since: datetime | None, until: datetime
    ) -> tuple[AsyncGenerator[list[Subscriber], None], timedelta] | None:
        """The subscribers of activities with a session this window could remind of.

        The same sessions :meth:`_plan` reads (from the look-back to ``until`` plus the
        longest lead any subscription has); everyone else would get nothing from this pass.
        At a million subscriptions, reading them all was most of a pass. They come in parts,
        with how far past ``until`` their sessions are read (``None``: no subscriptions).
        """
        codes = await self.subscriptions.lead_codes()
        if not codes:
            return None
        source = self.source()
        window = Window(now, until, since, self.quiet)
        lookahead = window.lookahead(lead for code in codes for lead in parse_leads(code))
        low = self._earliest_start(now, since, missed=since is not None)
        ids = {
            o.activity
            for o in source.occurrences.between(low, until + lookahead, include_cancelled=True)
        }
        pairs = [
            pair
            for pair, covered in self._kind_coverage(source.catalogue).items()
            if not ids.isdisjoint(covered)
        ]
        kinds = sorted({kind for kind, _ in pairs})
        networks = sorted({network for _, network in pairs})
        parts = self.subscriptions.subscriber_parts(sorted(ids), kinds, networks)
        return parts, lookahead

    async def subscriptions_changed(self, user: UserId) -> None:
        """Re-plan one user's reminders from now on (their pending ones are replaced)."""
        await self.outbox.withdraw_pending(users=[str(user)], categories=PLANNED_CATEGORIES)
        now = self.clock()
        planned = self.planned_until
        until = planned if planned is not None and planned > now else now + self.horizon
        await self._plan(await self.subscriptions.subscribers([user]), now, now, until)

    async def forgotten(self, user: UserId) -> None:
        """The user deleted their data: nothing more is sent to them."""
        await self.outbox.forget_user(user)

    async def replan_activities(self, activity_ids: Iterable[ActivityId]) -> PlanReport:
        """Plan again everything about these activities after a re-import or a change.

        Only their subscribers are read (indexed lookups by activity, and by kind and
        network for kind subscriptions), not every subscription.
        """
        ids = sorted(set(activity_ids))
        await self.outbox.withdraw_pending(activities=ids, categories=PLANNED_CATEGORIES)
        now = self.clock()
        until = self.planned_until or now + self.horizon
        catalogue = self.source().catalogue
        present = [a for i in ids if (a := catalogue.activity(i)) is not None]
        kinds = sorted({kind for activity in present for kind in activity.kinds})
        networks = [
            network.id
            for network in catalogue.networks
            if any(belongs_to(catalogue, activity, network) for activity in present)
        ]
        subscribers = await self.subscriptions.subscribers_of(ids, kinds, networks)
        kept = await self.outbox.keys_of(ids, PLANNED_CATEGORIES)
        followers = self._kind_followers(subscribers, catalogue, frozenset(ids))
        if followers:  # their day digests list the changed sessions: planned again whole
            numbers = sorted({s.subscription.id for s in followers if s.subscription.id})
            await self.outbox.withdraw_pending(subscriptions=numbers, categories=(DIGEST,))
            kept |= await self.outbox.keys_of([], (DIGEST,), subscriptions=numbers)
        return await self._plan(subscribers, now, None, until, only=frozenset(ids), kept=kept)

    def _kind_followers(
        self, subscribers: Iterable[Subscriber], catalogue: Catalogue, ids: frozenset[ActivityId]
    ) -> list[Subscriber]:
        """The kind subscribers among ``subscribers`` whose kind covers one of ``ids``."""
        coverage = self._kind_coverage(catalogue)
        return [
            s
            for s in subscribers
            if s.subscription.kind is not None
            and not ids.isdisjoint(
                coverage.get((s.subscription.kind, s.subscription.network or ""), ())
            )
        ]

    async def announce(self, new_ids: Iterable[ActivityId]) -> int:
        """Tell kind subscribers about new activities; returns how many notices were queued."""
        catalogue = self.source().catalogue
        subscribers = {
            s.subscription.id: s for s in await self.subscriptions.subscribers() if s.active
        }
        now = self.clock()
        messages = []
        for notice in new_activity_notices(
            [s.subscription for s in subscribers.values()], catalogue, new_ids
        ):
            activity = catalogue.activity(notice.activity)
            subscriber = subscribers[notice.subscription.id]
            if activity is None:
                continue
            speaker = self.translator.speaker(subscriber.language or self.default_language)
            reply = new_activity_reply(catalogue, activity, notice.subscription, speaker)
            messages.append(
                OutgoingMessage(
                    notice.key,
                    notice.subscription.chat,
                    notice.subscription.user,
                    reply,
                    now,
                    category=NEW_ACTIVITY,
                    activity=notice.activity,
                    subscription=notice.subscription.id,
                )
            )
        inserted = await self.outbox.enqueue(messages, now)
        self._notify(inserted)
        return len(inserted)

    async def _plan(
        self,
        subscribers: Sequence[Subscriber],
        now: datetime,
        since: datetime | None,
        until: datetime,
        only: frozenset[ActivityId] | None = None,
        kept: Collection[str] = (),
        *,
        missed: bool = False,
        lookahead: timedelta | None = None,
        memo: _PassMemo | None = None,
    ) -> PlanReport:
        """Plan ``subscribers``' reminders and day digests in the window, written in chunks.

        ``kept`` are keys known to be in the outbox already (not pending): they are counted
        as planned but neither rendered nor written, as the insert would skip them; a day
        whose digest is kept gets cancellation notices instead. ``only`` narrows reminders
        and cancellation notices to these activities; a digest always lists its whole day.
        ``missed``: the window's past is time no one planned, so what can no longer be sent
        is recorded as dropped (counted once, in the report); otherwise it is left out (a
        re-plan's or a new database's look-back: nothing was missed). At a million
        subscriptions a new database's look-back found 740,000 such reminders.
        ``lookahead`` and ``memo`` are shared by the parts of one pass (by default: worked
        out from ``subscribers`` alone).
        """
        source = self.source()
        catalogue = source.catalogue
        zone = ZoneInfo(catalogue.timezone)
        window = Window(now, until, since, self.quiet)
        active = [s for s in subscribers if s.active]
        memo = memo if memo is not None else _PassMemo()
        memo.bound()
        if lookahead is None:
            sets_of_leads = {id(s.subscription.leads): s.subscription.leads for s in active}
            lookahead = window.lookahead(lead for leads in sets_of_leads.values() for lead in leads)
        covered = self._covered(active, catalogue, only)
        low = self._earliest_start(now, since, missed=missed)
        reminded: set[ActivityId] = set()
        listed: set[ActivityId] = set()
        for subscriber in active:
            target = subscriber.subscription.target
            if subscriber.subscription.kind is not None:
                if target not in memo.days:
                    listed.update(covered[target])
            elif target not in memo.sessions:
                reminded.update(covered[target])
        by_activity = self._sessions(source, reminded, low, until + lookahead)
        by_kind_activity = self._sessions(
            source, listed, low - DAY_MARGIN, until + lookahead + DAY_MARGIN
        )
        days = memo.days
        reminded_sessions = memo.sessions
        messages: list[OutgoingMessage] = []
        rendered = memo.rendered
        rendered_digests = memo.digests
        planned_count = inserted_count = dropped = 0

        async def flush() -> None:
            nonlocal planned_count, inserted_count, dropped
            if not messages:
                return
            inserted = set(await self.outbox.enqueue(messages, now))
            planned_count += len(messages)
            inserted_count += len(inserted)
            dropped += sum(1 for m in messages if m.key in inserted and m.dropped is not None)
            self._notify(inserted)
            messages.clear()

        for number, subscriber in enumerate(active):
            if number % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)  # let the bot answer users during a long pass
            subscription = subscriber.subscription
            target = subscription.target
            if subscription.kind is not None:
                if target not in days:
                    days[target] = sessions_by_day(
                        (o for i in covered[target] for o in by_kind_activity.get(i, ())), zone
                    )
                digests, notices = plan_digests(subscription, days[target], window, zone, kept)
                messages += [
                    self._digest_message(d, subscriber, catalogue, rendered_digests)
                    for d in digests
                    if missed or d.dropped is None
                ]
                planned = [n for n in notices if only is None or n.occurrence.activity in only]
            else:
                occurrences = reminded_sessions.get(target)
                if occurrences is None:
                    occurrences = reminded_sessions[target] = [
                        o for i in covered[target] for o in by_activity.get(i, ())
                    ]
                planned = plan_reminders(subscription, occurrences, window, zone)
            for reminder in planned:
                if reminder.key in kept:
                    planned_count += 1
                elif missed or reminder.dropped is None:
                    messages.append(self._message(reminder, subscriber, catalogue, rendered))
            if len(messages) >= WRITE_EVERY:
                await flush()
        await flush()
        if dropped:
            log.info("%d reminders came due while no scheduler ran; dropped", dropped)
        return PlanReport(len(active), planned_count, inserted_count - dropped, dropped)

    def _earliest_start(self, now: datetime, since: datetime | None, *, missed: bool) -> datetime:
        """The earliest start of a session a pass can say something about.

        A reminder comes before its session, so none due after ``since`` is of a session
        that started before it. Unless the pass records what was missed, a session that has
        started is of no more use: at a million subscriptions, reading the look-back's
        sessions and their subscribers was half of a new database's first pass.
        """
        low = since if since is not None else now - self.lookback
        return low if missed else max(low, now)

    def _covered(
        self,
        active: Iterable[Subscriber],
        catalogue: Catalogue,
        only: frozenset[ActivityId] | None,
    ) -> dict[str, list[ActivityId]]:
        """The activities each subscription target is about (``only`` narrows an activity's)."""
        coverage = self._kind_coverage(catalogue)
        covered: dict[str, list[ActivityId]] = {}
        for subscriber in active:
            subscription = subscriber.subscription
            target = subscription.target
            if target in covered:
                continue
            if subscription.kind is not None:
                covered[target] = coverage.get((subscription.kind, subscription.network or ""), [])
            else:
                ids = covered_activities(subscription, catalogue)
                covered[target] = ids if only is None else [i for i in ids if i in only]
        return covered

    @staticmethod
    def _sessions(
        source: ScheduleSource, ids: set[ActivityId], low: datetime, high: datetime
    ) -> dict[ActivityId, list[Occurrence]]:
        """The activities' occurrences between ``low`` and ``high``, cancelled ones too."""
        by_activity: dict[ActivityId, list[Occurrence]] = {}
        if ids:
            for occurrence in source.occurrences.between(low, high, ids, include_cancelled=True):
                by_activity.setdefault(occurrence.activity, []).append(occurrence)
        return by_activity

    def _kind_coverage(self, catalogue: Catalogue) -> dict[tuple[str, str], list[ActivityId]]:
        """What each kind subscription covers, computed once per catalogue version."""
        if self._coverage is None or self._coverage[0] is not catalogue:
            self._coverage = (catalogue, kind_coverage(catalogue))
        return self._coverage[1]

    def _message(
        self,
        planned: PlannedReminder,
        subscriber: Subscriber,
        catalogue: Catalogue,
        rendered: dict[tuple[Occurrence, str, bool], Reply],
    ) -> OutgoingMessage:
        """The outbox row of one planned reminder; ``rendered`` keeps this pass's texts."""
        subscription = planned.subscription
        language = subscriber.language or self.default_language
        if planned.dropped is not None:
            reply = Reply("", language)  # never sent: not worth rendering
        else:
            speaker = self.translator.speaker(language)
            render = cancellation_reply if planned.is_cancellation else reminder_reply
            reply = _shared(
                rendered,
                (planned.occurrence, language, planned.is_cancellation),
                subscription,
                speaker,
                lambda: render(catalogue, planned.occurrence, subscription, speaker, self.calendar),
            )
        return OutgoingMessage(
            planned.key,
            subscription.chat,
            subscription.user,
            reply,
            planned.due_at,
            category=CANCELLATION if planned.is_cancellation else REMINDER,
            activity=planned.occurrence.activity,
            subscription=subscription.id,
            expires_at=planned.occurrence.start,
            dropped=planned.dropped,
        )

    def _digest_message(
        self,
        digest: PlannedDigest,
        subscriber: Subscriber,
        catalogue: Catalogue,
        rendered: dict[tuple[str, date, str, int], Reply],
    ) -> OutgoingMessage:
        """The outbox row of one day digest; ``rendered`` keeps this pass's texts.

        A pass lists the same sessions of a day for every subscriber of a kind and network
        (all of them, or, sent late, those still to start: the same ``now``), so the number
        of sessions tells two listings apart.
        """
        subscription = digest.subscription
        language = subscriber.language or self.default_language
        if digest.dropped is not None:
            reply = Reply("", language)  # never sent: not worth rendering
        else:
            speaker = self.translator.speaker(language)
            reply = _shared(
                rendered,
                (subscription.target, digest.day, language, len(digest.sessions)),
                subscription,
                speaker,
                lambda: digest_reply(catalogue, digest, subscription, speaker),
            )
        return OutgoingMessage(
            digest.key,
            subscription.chat,
            subscription.user,
            reply,
            digest.due_at,
            category=DIGEST,
            activity=digest.sessions[0].activity,  # so that a network's report counts it
            subscription=subscription.id,
            expires_at=digest.sessions[-1].start,
            dropped=digest.dropped,
        )

    def _notify(self, inserted: Iterable[str]) -> None:
        if self.on_enqueued is not None and any(True for _ in inserted):
            self.on_enqueued()


def _shared(
    rendered: dict[Key, Reply],
    key: Key,
    subscription: Subscription,
    speaker: Speaker,
    render: Callable[[], Reply],
) -> Reply:
    """A text rendered once per pass for ``key`` (an occurrence or a day, and a language).

    The first subscriber's rendering is kept; the others get it with their own stop button.
    """
    known = rendered.get(key)
    if known is None:
        known = rendered[key] = render()
        return known
    return for_subscription(known, subscription, speaker)


class Leadership:
    """Holds the lease of one job for this process, or tells it to stand by."""

    def __init__(
        self,
        lease: SqlLease,
        clock: Clock,
        *,
        holder: str | None = None,
        duration: timedelta = timedelta(seconds=30),
    ) -> None:
        self.lease = lease
        self.clock = clock
        self.holder = holder or f"{uuid.uuid4().hex[:12]}"
        self.duration = duration
        self.leading = False

    async def step(self) -> bool:
        """Acquire or renew once; returns (and remembers) whether this process leads now."""
        try:
            self.leading = await self.lease.acquire(self.holder, self.clock(), self.duration)
        except Exception:  # the database is unreachable: we cannot know, so we stop leading
            log.exception("lease renewal failed")
            self.leading = False
        return self.leading

    async def resign(self) -> None:
        """Give the lease up on an orderly stop."""
        if self.leading:
            await self.lease.release(self.holder, self.clock())
            self.leading = False


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """Work only the leader does, every ``every`` (follow up requests, broadcast reports...)."""

    name: str
    run: Callable[[], Awaitable[object]]
    every: timedelta


class ReminderService:
    """Runs planning, draining and the periodic jobs while this process leads; else stands by."""

    def __init__(
        self,
        planner: ReminderPlanner,
        drainers: Sequence[OutboxDrainer],
        leadership: Leadership,
        *,
        tick: timedelta = timedelta(minutes=10),
        retention: timedelta = timedelta(days=7),
        prune_every: timedelta = timedelta(hours=1),
        jobs: Sequence[PeriodicJob] = (),
    ) -> None:
        self.planner = planner
        self.drainers = list(drainers)
        self.leadership = leadership
        self.jobs = list(jobs)
        self.tick = tick
        self.retention = retention
        self.prune_every = prune_every
        self._work: asyncio.Task[None] | None = None
        self._work_stop = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: renew the lease every third of its duration; lead or stand by."""
        interval = self.leadership.duration.total_seconds() / 3
        try:
            while not stop.is_set():
                if await self.leadership.step():
                    if self._work is None or self._work.done():
                        self._work_stop = asyncio.Event()
                        self._work = asyncio.create_task(self.lead(self._work_stop))
                else:
                    await self._stand_down()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
        finally:
            await self._stand_down()
            await self.leadership.resign()

    async def _stand_down(self) -> None:
        if self._work is not None:
            self._work_stop.set()
            self._work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._work
            self._work = None

    async def lead(self, stop: asyncio.Event) -> None:
        """The leader's work: plan (from where the last leader's planning ended), drain.

        The periodic planning and pruning are interval jobs of an APScheduler 3
        ``AsyncIOScheduler`` owned by this service (not PTB's JobQueue), started when this
        process becomes leader and shut down when it stops leading.
        """
        self.planner.planned_until = await self.leadership.lease.done_until()
        report = await self._plan()
        log.info("planned %s", report)
        scheduler = AsyncIOScheduler(timezone=UTC)
        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(self._plan, "interval", seconds=self.tick.total_seconds(), **options)
        scheduler.add_job(
            self._prune, "interval", seconds=self.prune_every.total_seconds(), **options
        )
        for job in self.jobs:
            scheduler.add_job(
                _logged(job), "interval", seconds=job.every.total_seconds(), **options
            )
        senders = [asyncio.create_task(d.run(stop)) for d in self.drainers]
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            stop.set()
            for task in senders:
                task.cancel()
            await asyncio.gather(*senders, return_exceptions=True)

    async def _plan(self) -> PlanReport:
        """Plan the next window and record, on the lease, that it is planned in full."""
        report = await self.planner.plan()
        if self.planner.planned_until is not None:
            await self.leadership.lease.record(self.leadership.holder, self.planner.planned_until)
        return report

    async def _prune(self) -> None:
        await self.planner.outbox.prune(self.planner.clock() - self.retention)


def _logged(job: PeriodicJob) -> Callable[[], Awaitable[None]]:
    """The job, with a failure logged by name (and retried at the next interval)."""

    async def run() -> None:
        try:
            await job.run()
        except Exception:
            log.exception("periodic job %s failed", job.name)

    return run
