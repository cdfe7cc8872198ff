"""Score ``tarjotin ask --batch`` output against labelled questions (questions-dev.jsonl).

The right answer set of a question is defined by its ``expect`` constraints, worked out here
by brute force over the catalogue (independently of the matcher's indexes):

- scope: activities at a physical place in the named municipalities, or with no place (or an
  online place) whose organisation belongs to a network serving them; with no municipality
  named, the question's network (same rule);
- kinds / classes / audience / spoken languages: the activity has at least one of the listed
  values (audience ``everyone`` when the catalogue says nothing, spoken ``fi`` likewise);
- time: an occurrence (not cancelled) starting on one of the window's inclusive local dates;
  with no window, an ongoing activity or one that occurs within the next 60 days;
- clock (optional ``time`` = ``{"from": "HH:MM", "to": "HH:MM"}``, either may be missing, both
  inclusive, local): only occurrences that start in that range count, and ongoing activities
  never do; every result's start must lie in it too.

Usage: ``python -m bench.score [QUESTIONS.jsonl] [--catalog FILE] [--output ANSWERS.jsonl]``.
Without ``--output`` the questions are answered in-process first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from catalog.model import Activity, Catalogue
from catalog.occurrences import activity_occurrences
from catalog.parse import load_catalogue
from catalog.understanding.query import ClockRange

NO_WINDOW_DAYS = 60
DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared/eval/questions-dev.jsonl"


def _in_municipalities(catalogue: Catalogue, activity: Activity, names: set[str]) -> bool:
    place = catalogue.place(activity.place)
    if place is not None and not place.online:
        return place.municipality in names
    organisation = catalogue.organisation(activity.organisation)
    if organisation is None:
        return False
    served = {
        m for n in catalogue.networks if n.id in organisation.networks for m in n.municipalities
    }
    return bool(served & names)


def _window(expect: dict[str, Any], now: datetime) -> tuple[date, date] | None:
    window = expect.get("window")
    if not window:
        return None
    return date.fromisoformat(window["start"]), date.fromisoformat(window["end"])


def _clock_range(expect: dict[str, Any]) -> ClockRange | None:
    """The label's inclusive clock range, or None when the question names no time of day."""
    clock = expect.get("time")
    if not clock:
        return None
    first = time.fromisoformat(clock["from"]) if clock.get("from") else None
    last = time.fromisoformat(clock["to"]) if clock.get("to") else None
    return ClockRange(first, last)


def _in_clock_range(start: datetime, clock: ClockRange | None) -> bool:
    """Whether a local start time lies in the inclusive range (minutes are what count)."""
    return clock is None or clock.holds(start.time())


def expected_answers(
    catalogue: Catalogue, question: dict[str, Any]
) -> dict[str, datetime | None]:
    """Every right activity id with its first occurrence in the window (None: ongoing)."""
    expect = question["expect"]
    zone = ZoneInfo(catalogue.timezone)
    now = datetime.fromisoformat(question["now"]).astimezone(zone)
    network = catalogue.network(question["network"])
    municipalities = set(expect.get("municipalities") or ()) or (
        set(network.municipalities) if network else set()
    )
    window = _window(expect, now)
    clock = _clock_range(expect)
    right: dict[str, datetime | None] = {}
    for activity in catalogue.activities:
        if not _in_municipalities(catalogue, activity, municipalities):
            continue
        if expect.get("kinds") and not set(expect["kinds"]) & set(activity.kinds):
            continue
        if expect.get("classes") and activity.klass not in expect["classes"]:
            continue
        if expect.get("audience") and not set(expect["audience"]) & set(activity.audiences):
            continue
        if expect.get("languages") and not set(expect["languages"]) & set(
            activity.spoken_languages
        ):
            continue
        if window is None and activity.is_ongoing:
            if clock is None:
                right[activity.id] = None
            continue
        first, last = window or (now.date(), now.date() + timedelta(days=NO_WINDOW_DAYS))
        occurrences = [
            o
            for o in activity_occurrences(activity, zone, first, last, {})
            if not o.cancelled
            and (window is not None or o.end > now)
            and _in_clock_range(o.start.astimezone(zone), clock)
        ]
        if occurrences:
            right[activity.id] = min(o.start for o in occurrences)
    return right


@dataclass
class Tally:
    """Counts for one language."""

    questions: int = 0
    language: int = 0
    intent: int = 0
    fully_right: int = 0
    activity_questions: int = 0
    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    precision5: float = 0.0
    failures: list[str] = field(default_factory=list)


def _inside(start: str | None, question: dict[str, Any], zone: ZoneInfo) -> bool:
    window = _window(question["expect"], datetime.fromisoformat(question["now"]))
    clock = _clock_range(question["expect"])
    if start is None:
        return window is None and clock is None
    moment = datetime.fromisoformat(start).astimezone(zone)
    if not _in_clock_range(moment, clock):
        return False
    local = moment.date()
    if window is None:
        now = datetime.fromisoformat(question["now"]).astimezone(zone)
        return now.date() <= local <= now.date() + timedelta(days=NO_WINDOW_DAYS)
    return window[0] <= local <= window[1]


def score(
    catalogue: Catalogue, questions: Sequence[dict[str, Any]], answers: Iterable[dict[str, Any]]
) -> dict[str, Tally]:
    """Tally every metric per language (``text_lang``) and overall (key ``all``)."""
    zone = ZoneInfo(catalogue.timezone)
    by_id = {a["id"]: a for a in answers}
    tallies: dict[str, Tally] = defaultdict(Tally)
    for question in questions:
        answer = by_id.get(question["id"], {})
        expect = question["expect"]
        language_ok = answer.get("language") == question["text_lang"]
        intent_ok = answer.get("intent") == expect["intent"]
        fully = language_ok and intent_ok
        results = [r["activity"] for r in answer.get("results", [])]
        hit1 = hit3 = False
        precision = 0.0
        answerable = False
        if expect["intent"] == "activities":
            right = expected_answers(catalogue, question)
            answerable = bool(right)
            top5 = results[:5]
            inside = all(
                _inside(r.get("start"), question, zone) for r in answer.get("results", [])
            )
            if right:
                hit1 = bool(results) and results[0] in right
                hit3 = any(r in right for r in results[:3])
                precision = sum(r in right for r in top5) / len(top5) if top5 else 0.0
                fully = fully and hit1 and precision >= 0.8 and inside
            else:
                fully = fully and not results
        for key in (question["text_lang"], "all"):
            tally = tallies[key]
            tally.questions += 1
            tally.language += language_ok
            tally.intent += intent_ok
            tally.fully_right += fully
            if expect["intent"] == "activities":
                tally.activity_questions += 1
                tally.answerable += answerable
                tally.hit1 += hit1
                tally.hit3 += hit3
                tally.precision5 += precision
            if not fully and key != "all":
                tally.failures.append(question["id"])
    return dict(tallies)


def report(tallies: dict[str, Tally]) -> str:
    """A table of per-language percentages."""

    def pct(part: float, whole: int) -> str:
        return f"{100 * part / whole:5.1f}" if whole else "    -"

    lines = [
        "lang    n  lang% intent%  hit@1  hit@3  prec@5  fully%",
    ]
    for key in sorted(tallies, key=lambda k: (k == "all", k)):
        t = tallies[key]
        lines.append(
            f"{key:<5}{t.questions:4}  {pct(t.language, t.questions)}  {pct(t.intent, t.questions)}"
            f"  {pct(t.hit1, t.answerable)}  {pct(t.hit3, t.answerable)}"
            f"  {pct(t.precision5, t.answerable)}  {pct(t.fully_right, t.questions)}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Answer (or read answers to) the questions and print the per-language table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("questions", type=Path, nargs="?", default=DEFAULT_QUESTIONS)
    parser.add_argument("--catalog", type=Path, default=None)
    parser.add_argument("--output", type=Path, help="answers already produced by ask --batch")
    parser.add_argument("--failures", action="store_true", help="list failing question ids")
    args = parser.parse_args(argv)
    from bot.bootstrap import demo_catalogue_path

    catalog_path = args.catalog or demo_catalogue_path()
    catalogue = load_catalogue(catalog_path)
    lines = args.questions.read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line]
    if args.output:
        answers = [json.loads(line) for line in args.output.read_text("utf-8").splitlines() if line]
    else:
        from bot.ask import answer_batch

        answers = answer_batch(catalogue, questions)
    tallies = score(catalogue, questions, answers)
    print(report(tallies))
    if args.failures:
        for key, tally in sorted(tallies.items()):
            if key != "all" and tally.failures:
                print(f"{key}: {' '.join(tally.failures)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
