"""``/report`` in the chat: a five-line summary of the tray report and the HTML as a file.

Coordinators get their network's report; organisers their organisation's; anyone else is
refused. ``/report 30`` covers the last 30 days (90 by default). The report is built by
:class:`TrayReports` from the anonymous demand counters and the delivery counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from catalog.model import Catalogue
from handlers.coordination.permissions import (
    Desk,
    Role,
    coordinated_networks,
    organisation_networks,
)
from handlers.coordination.report_html import report_html, report_title
from handlers.coordination.tray_report import Report, Sessions, build_report, in_scope
from handlers.coordination.tray_report import networks_of as _networks_of
from handlers.core.events import Document, Reply
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.i18n import Speaker, Translator
from handlers.core.ports import Clock, DeliveryStats, DemandStore, StaffStore
from handlers.core.turn import Turn
from handlers.newcomers.demand import shown

#: The period of ``/report`` without a number of days.
DEFAULT_DAYS = 90

#: The longest period ``/report N`` covers (the counters' default retention).
MAX_DAYS = 730

#: The report's languages: a coordinator reading another language gets English.
REPORT_LANGUAGES = ("fi", "sv", "en")


class TrayReports:
    """Builds tray reports from the counters, the delivery counts and the live catalogue."""

    def __init__(
        self,
        demand: DemandStore,
        delivery: DeliveryStats,
        occurrences: Callable[[], tuple[Catalogue, Sessions]],
        clock: Clock,
    ) -> None:
        self.demand = demand
        self.delivery = delivery
        self.occurrences = occurrences
        self.clock = clock

    async def report(
        self,
        network: str | None,
        start: date,
        end: date,
        organisation: str | None = None,
        current: tuple[Catalogue, Sessions] | None = None,
    ) -> Report:
        """The report of ``network`` (every one when ``None``), or of one organisation."""
        catalogue, sessions = current or self.occurrences()
        zone = ZoneInfo(catalogue.timezone)
        networks = _networks_of(catalogue, network)
        activities = in_scope(catalogue, networks)
        if organisation is not None:
            activities = tuple(a for a in activities if a.organisation == organisation)
        ids = None if network is None else [n.id for n in networks]
        counts = await self.demand.counts(start, end, ids)
        members = {
            o.id for o in catalogue.organisations if {n.id for n in networks} & set(o.networks)
        }
        narrow = network is not None or organisation is not None
        delivery = await self.delivery.delivery(
            datetime.combine(start, time(), zone),
            datetime.combine(end + timedelta(days=1), time(), zone),
            {a.id for a in activities} if narrow else None,
            ({organisation} if organisation else members) if narrow else None,
            ids,
        )
        return build_report(
            catalogue, sessions, network, start, end, self.clock(), counts, delivery,
            organisation,
        )


def summary(report: Report, catalogue: Catalogue, speaker: Speaker) -> str:
    """Five lines: title and period, the offer, the gaps, the demand, the 👍/👎."""
    _ = speaker.gettext
    asked = sum(line.count for line in report.demand)
    missing = sum(line.count for line in report.not_found)
    activities = sum(len(cell.activities) for cell in report.tray.cells)
    return "\n".join(
        (
            f"{report_title(report, catalogue, speaker)} "
            f"({report.start.isoformat()} – {report.end.isoformat()})",
            _("Activities: %(count)d · Weekly hours: %(hours)s")
            % {"count": activities, "hours": report.tray.weekly_hours},
            _("Gaps: %(count)d") % {"count": len(report.gaps)},
            _("Questions: %(count)s · Not found: %(missing)s")
            % {"count": shown(asked), "missing": shown(missing)},
            _("Useful: %(useful)d · Not useful: %(not_useful)d")
            % {"useful": report.useful, "not_useful": report.not_useful},
        )
    )


def days_of(argument: str) -> int | None:
    """The days of ``/report N`` (ASCII digits, 1–730); ``None`` when it is not that."""
    if not argument:
        return DEFAULT_DAYS
    if not (argument.isascii() and argument.isdigit()):
        return None
    days = int(argument)
    return days if 1 <= days <= MAX_DAYS else None


class ReportFlow(FlowBase):
    """``/report [days]`` for coordinators (their network) and organisers (their organisation)."""

    declaration = FlowDeclaration("report", commands=(CommandSpec("report"),))

    def __init__(
        self,
        desks: Mapping[str, Desk],
        staff: StaffStore,
        reports: TrayReports,
        translator: Translator,
    ) -> None:
        self.desks = desks
        self.staff = staff
        self.reports = reports
        self.translator = translator

    async def scope(self, turn: Turn) -> tuple[str, str | None] | None:
        """The network (and organisation, for an organiser) the user may report on."""
        networks = coordinated_networks(self.desks.values(), turn.user)
        if networks:
            own = turn.profile.network
            return (own if own in networks else sorted(networks)[0]), None
        for grant in await self.staff.grants_of(turn.user):
            if grant.role is Role.ORGANISER:
                members = sorted(organisation_networks(turn.catalogue, grant.organisation))
                if members:
                    own = turn.profile.network
                    return (own if own in members else members[0]), grant.organisation
        return None

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """The summary and the HTML file, or a clear refusal."""
        speaker = turn.speaker
        _ = speaker.gettext
        scope = await self.scope(turn)
        if scope is None:
            text = _("Only coordinators and organisers can get the tray report.")
            return [Reply(text, speaker.language)]
        days = days_of(argument)
        if days is None:
            text = _("Please give the number of days, for example /report 30.")
            return [Reply(text, speaker.language)]
        network, organisation = scope
        end = turn.now.date()
        report = await self.reports.report(network, end - timedelta(days=days), end, organisation)
        language = speaker.language if speaker.language in REPORT_LANGUAGES else "en"
        writer = self.translator.speaker(language)
        html = report_html(report, turn.catalogue, writer)
        name_part = organisation or network
        document = Document(
            f"tarjotin-report-{name_part}-{end.isoformat()}.html",
            "text/html",
            html.encode("utf-8"),
        )
        return [Reply(summary(report, turn.catalogue, speaker), speaker.language,
                      document=document)]
