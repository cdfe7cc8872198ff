"""The tray report as JSON (the contract scripts rely on) and as CSV, one section per file.

JSON: ``{"network", "period": {"from", "to"}, "tray": {"cells": [{"class", "level",
"activities"}], ...}, "gaps": [{"municipality", "missing", "value"}], "demand": [{"language",
"intent", "kinds", "audience", "municipality", "found", "count"}], "delivery": {...}}``; a
count below five is the string ``"<5"``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from handlers.coordination.tray_report import Report

#: The CSV sections, in the order ``tarjotin report --format csv`` writes them.
SECTIONS = ("tray", "gaps", "demand", "delivery")


def report_json(report: Report) -> dict[str, Any]:
    """The report as the JSON contract of issue 13 (plus a few counts around the grid)."""
    tray = report.tray
    delivery = report.delivery
    return {
        "network": report.network,
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "tray": {
            "cells": [
                {"class": c.klass, "level": c.level, "activities": list(c.activities)}
                for c in tray.cells
            ],
            "by_kind": tray.by_kind,
            "by_audience": tray.by_audience,
            "by_language": tray.by_language,
            "by_municipality": tray.by_municipality,
            "weekly_hours": tray.weekly_hours,
            "free": tray.free,
            "paid": tray.paid,
            "no_finnish_needed": tray.no_finnish,
        },
        "gaps": [asdict(gap) for gap in report.gaps],
        "idle_organisations": list(report.idle_organisations),
        "no_sessions_60_days": list(report.no_sessions),
        "demand": [
            {
                "language": line.language,
                "intent": line.intent,
                "kinds": list(line.kinds),
                "audience": line.audience,
                "municipality": line.municipality,
                "found": line.found,
                "count": line.shown,
            }
            for line in report.demand
        ],
        "feedback": {"useful": report.useful, "not_useful": report.not_useful},
        "delivery": {
            "reminders": {
                "sent": delivery.reminders_sent,
                "late": delivery.reminders_late,
                "failed": delivery.reminders_failed,
            },
            "broadcasts": [
                {
                    "id": b.id,
                    "organisation": b.organisation,
                    "state": b.state,
                    "created_at": b.created_at.isoformat(),
                    "recipients": b.recipients,
                    "sent": b.sent,
                    "failed": b.failed,
                }
                for b in delivery.broadcasts
            ],
            "requests": {
                "count": delivery.requests,
                "median_hours_to_first_answer": delivery.median_answer_hours,
                "waited_over_24h": delivery.waited_over_day,
            },
        },
    }


def _table(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def report_csv(report: Report, section: str) -> str:
    """One section of the report as CSV (a header line, then one row per item)."""
    data = report_json(report)
    if section == "tray":
        return _table(
            ["class", "level", "activity"],
            [
                [cell["class"], cell["level"], activity]
                for cell in data["tray"]["cells"]
                for activity in cell["activities"]
            ],
        )
    if section == "gaps":
        return _table(
            ["municipality", "missing", "value"],
            [[g["municipality"], g["missing"], g["value"]] for g in data["gaps"]],
        )
    if section == "demand":
        return _table(
            ["language", "intent", "kinds", "audience", "municipality", "found", "count"],
            [
                [
                    d["language"], d["intent"], ",".join(d["kinds"]), d["audience"] or "",
                    d["municipality"] or "", str(d["found"]).lower(), d["count"],
                ]
                for d in data["demand"]
            ],
        )
    if section == "delivery":
        reminders, requests = data["delivery"]["reminders"], data["delivery"]["requests"]
        rows: list[list[object]] = [
            ["reminders_sent", reminders["sent"]],
            ["reminders_late", reminders["late"]],
            ["reminders_failed", reminders["failed"]],
            ["requests", requests["count"]],
            ["median_hours_to_first_answer", requests["median_hours_to_first_answer"] or ""],
            ["requests_waited_over_24h", requests["waited_over_24h"]],
            ["broadcasts", len(data["delivery"]["broadcasts"])],
            ["useful", data["feedback"]["useful"]],
            ["not_useful", data["feedback"]["not_useful"]],
        ]
        return _table(["measure", "value"], rows)
    raise ValueError(f"unknown section {section!r}; known: {', '.join(SECTIONS)}")
