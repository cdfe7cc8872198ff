"""What the running bot exposes to Prometheus at ``/metrics``.

Every number is read from the parts that already keep it (the intakes' and drainers' stats,
the outbox and request tables) when Prometheus scrapes, so the hot paths carry no metrics
code beyond one timer per handled update. Labels are channel names and outcomes only:
never a user, a chat or any text.

=====================================  ==========================================================
``tarjotin_updates_total``             updates by channel and outcome (``ran``, ``failed``,
                                       ``coalesced`` into a later question, ``refused`` at the cap)
``tarjotin_answer_seconds``            time to handle one update, reply sent included (histogram)
``tarjotin_outbox_depth``              messages waiting in the outbox, by channel
``tarjotin_outbox_oldest_due_seconds``  how long the oldest waiting message has been due
``tarjotin_inbox_depth``               webhook updates stored and not yet handled, by channel
                                       (with ``TARJOTIN_TELEGRAM_INBOX``; over all instances)
``tarjotin_inbox_oldest_seconds``      how long the oldest stored update has waited
``tarjotin_sends_total``               outbox sends by channel and outcome (``delivered``,
                                       ``retry_after`` = a 429, ``blocked``, ``transient``, ...)
``tarjotin_reminder_lateness_seconds``  how late outbox messages went out after their due time
``tarjotin_catalogue_reloads_total``   catalogue changes the running bot picked up (imports)
``tarjotin_contact_requests_open``     contact requests not yet closed
=====================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from bot.intake import IntakeStats
from bot.outbox_drainer import OutboxDrainer

#: Prometheus's text format, as ``/metrics`` serves it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Backlog = Callable[[datetime], Awaitable[dict[str, tuple[int, float]]]]
Counted = Callable[[], Awaitable[int]]


class UpdateCounter(Protocol):
    """What counts handled updates: the in-memory intake, or the inbox worker."""

    stats: IntakeStats
    on_handled: Callable[[float], None] | None


@dataclass
class Sources:
    """Where the numbers come from; each part is added once it exists."""

    intakes: dict[str, UpdateCounter] = field(default_factory=dict)
    drainers: list[OutboxDrainer] = field(default_factory=list)
    backlog: Backlog | None = None
    inbox: Backlog | None = None
    open_requests: Counted | None = None
    reloads: Callable[[], int] | None = None


@dataclass
class _Snapshot:
    """What the last refresh read from the database (collectors cannot await)."""

    backlog: dict[str, tuple[int, float]] = field(default_factory=dict)
    open_requests: int | None = None
    inbox: dict[str, tuple[int, float]] | None = None


class Metrics:
    """The process's registry and the collectors that read the bot's own counters."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.sources = Sources()
        self.registry = CollectorRegistry(auto_describe=True)
        self.answer_seconds = Histogram(
            "tarjotin_answer_seconds",
            "Time to handle one update, reply included.",
            ["channel"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self._snapshot = _Snapshot()
        self.registry.register(_Collected(self))

    def watch_intake(self, channel: str, intake: UpdateCounter) -> None:
        """Count a channel's updates and time each one."""
        self.sources.intakes[channel] = intake
        intake.on_handled = self.answer_seconds.labels(channel).observe

    def watch_drainers(self, drainers: Iterable[OutboxDrainer]) -> None:
        """Count the outbox's sends and their lateness."""
        self.sources.drainers.extend(drainers)

    async def refresh(self) -> None:
        """Read what lives in the database; call before :meth:`render`."""
        sources, now = self.sources, self.clock()
        backlog = await sources.backlog(now) if sources.backlog is not None else {}
        requests = await sources.open_requests() if sources.open_requests is not None else None
        inbox = await sources.inbox(now) if sources.inbox is not None else None
        self._snapshot = _Snapshot(backlog, requests, inbox)

    def render(self) -> bytes:
        """The metrics in Prometheus's text format."""
        return generate_latest(self.registry)


class _Collected(Collector):
    """The counters the bot keeps anyway, as Prometheus metric families."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        sources, snapshot = self.metrics.sources, self.metrics._snapshot
        yield _updates(sources.intakes)
        yield from _outbox(snapshot.backlog)
        if snapshot.inbox is not None:
            yield from _inbox(snapshot.inbox)
        yield from _sends(sources.drainers)
        if sources.reloads is not None:
            reloads = CounterMetricFamily(
                "tarjotin_catalogue_reloads", "Catalogue changes the running bot picked up."
            )
            reloads.add_metric([], sources.reloads())
            yield reloads
        if snapshot.open_requests is not None:
            requests = GaugeMetricFamily(
                "tarjotin_contact_requests_open", "Contact requests not yet closed."
            )
            requests.add_metric([], snapshot.open_requests)
            yield requests


def _updates(intakes: dict[str, UpdateCounter]) -> Metric:
    family = CounterMetricFamily(
        "tarjotin_updates", "Updates by channel and outcome.", labels=["channel", "outcome"]
    )
    for channel, intake in intakes.items():
        stats = intake.stats
        for outcome, count in (
            ("ran", stats.ran),
            ("failed", stats.failed),
            ("coalesced", stats.coalesced),
            ("refused", stats.refused),
        ):
            family.add_metric([channel, outcome], count)
    return family


def _queue(
    backlog: dict[str, tuple[int, float]], depth: tuple[str, str], oldest: tuple[str, str]
) -> Iterator[Metric]:
    """A queue's depth and the age of its oldest entry, per channel (``(name, help)`` each)."""
    depths = GaugeMetricFamily(*depth, labels=["channel"])
    ages = GaugeMetricFamily(*oldest, labels=["channel"])
    for channel, (count, waited) in sorted(backlog.items()):
        depths.add_metric([channel], count)
        ages.add_metric([channel], waited)
    yield depths
    yield ages


def _outbox(backlog: dict[str, tuple[int, float]]) -> Iterator[Metric]:
    return _queue(
        backlog,
        ("tarjotin_outbox_depth", "Messages waiting in the outbox."),
        (
            "tarjotin_outbox_oldest_due_seconds",
            "How long the oldest waiting outbox message has been due.",
        ),
    )


def _inbox(backlog: dict[str, tuple[int, float]]) -> Iterator[Metric]:
    return _queue(
        backlog,
        ("tarjotin_inbox_depth", "Webhook updates stored, not yet handled."),
        ("tarjotin_inbox_oldest_seconds", "How long the oldest stored webhook update has waited."),
    )


def _sends(drainers: Sequence[OutboxDrainer]) -> Iterator[Metric]:
    sends = CounterMetricFamily(
        "tarjotin_sends", "Outbox sends by channel and outcome.", labels=["channel", "outcome"]
    )
    lateness = HistogramMetricFamily(
        "tarjotin_reminder_lateness_seconds",
        "How late outbox messages went out after their due time.",
        labels=["channel"],
    )
    for drainer in drainers:
        for outcome, count in sorted(drainer.stats.outcomes.items()):
            sends.add_metric([drainer.channel, outcome.value], count)
        summary = drainer.stats.lateness
        buckets = [(f"{bound:g}", count) for bound, count in summary.buckets.items()]
        buckets.append(("+Inf", summary.count))
        lateness.add_metric([drainer.channel], buckets, summary.total_seconds)
    yield sends
    yield lateness
