"""``tarjotin report``: the tray report of a network, from the database, as HTML, JSON or CSV.

Also what ``/report`` in the chat uses (through :class:`ReportMaker`, behind the core's
port), so that the CLI and the chat give the same report.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.demand import SqlDemandStore
from bot.storage.report_data import SqlDeliveryStats
from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.report_flow import TrayReports
from handlers.coordination.report_formats import SECTIONS, report_csv, report_json
from handlers.coordination.report_html import report_html
from handlers.coordination.tray_report import Report
from handlers.core.i18n import Speaker
from handlers.core.ports import Clock

#: The default period: the last 90 days.
DEFAULT_DAYS = 90

#: The coordinators' languages: the report is written in one of these.
REPORT_LANGUAGES = ("fi", "sv", "en")


def add_report_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """``tarjotin report [--network ID] [--from] [--to] [--lang] [--format] [-o FILE]``."""
    report = commands.add_parser(
        "report", help="the tray report: offer, gaps, demand and delivery of a network"
    )
    report.add_argument("--network", help="network id (default: every network)")
    report.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help=f"first day (default: {DEFAULT_DAYS} days before --to)")
    report.add_argument("--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="last day (default: today)")
    report.add_argument("--lang", choices=REPORT_LANGUAGES, default="fi")
    report.add_argument("--format", choices=("html", "json", "csv"), default="html")
    report.add_argument("--section", choices=SECTIONS, help="CSV: only this section")
    report.add_argument("--now", help="the time of reporting, ISO 8601 (default: now)")
    report.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    return report


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The report's first and last day: the last :data:`DEFAULT_DAYS` days by default."""
    last = end or today
    return start or last - timedelta(days=DEFAULT_DAYS), last


class ReportMaker:
    """Builds reports from one database over the catalogue the caller hands in."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.demand = SqlDemandStore(sessions)
        self.delivery = SqlDeliveryStats(sessions)
        self.clock = clock

    async def report(
        self,
        catalogue: Catalogue,
        changes: list[OccurrenceChange],
        network: str | None,
        start: date,
        end: date,
        organisation: str | None = None,
    ) -> Report:
        """The report of ``network`` (every network when ``None``) for ``start``–``end``."""
        current = (catalogue, OccurrenceIndex(catalogue, changes))
        reports = TrayReports(self.demand, self.delivery, lambda: current, self.clock)
        return await reports.report(network, start, end, organisation, current)


def rendered(
    report: Report,
    catalogue: Catalogue,
    speaker: Speaker,
    form: str,
    section: str | None = None,
) -> dict[str, str]:
    """The report as text, by section name (one entry, ``""``, unless CSV is split)."""
    if form == "json":
        import json

        return {"": json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"}
    if form == "csv":
        sections = (section,) if section else SECTIONS
        return {name: report_csv(report, name) for name in sections}
    return {"": report_html(report, catalogue, speaker)}


def write_out(
    texts: dict[str, str], output: Path | None, write: Callable[[str], object]
) -> None:
    """Write to ``output`` (``name-section.csv`` per CSV section) or to ``write``."""
    for name, text in texts.items():
        if output is None:
            if name and len(texts) > 1:
                write(f"# {name}\n")
            write(text)
            if name and len(texts) > 1:
                write("\n")
        elif name and len(texts) > 1:
            output.with_name(f"{output.stem}-{name}{output.suffix}").write_text(text, "utf-8")
        else:
            output.write_text(text, encoding="utf-8")
