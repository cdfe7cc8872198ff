"""``tarjotin import-linkedevents``: a city's Linked Events into one network, over HTTP.

Reads ``/event/`` page by page (following ``meta.next`` as the API gives it), the super-events
that were not listed and the publishers' names, maps them with :mod:`catalog.linkedevents`,
merges them with the stored catalogue (:mod:`catalog.sources`: the source's records replace
only its earlier records of that network), validates the result as a file import does and
applies it with the same withdraw/restore rules and guard. Any failure while reading (a server
error on page 3, a broken page) changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.bootstrap import App
from bot.config import Settings
from bot.failures import ExitCode
from bot.import_report import (
    MAX_WITHDRAWN_SHARE,
    add_import_options,
    refusal_text,
    summary_text,
)
from bot.startup_checks import open_app
from bot.storage.catalog_store import (
    CatalogueMissingError,
    ImportSummary,
    SourceSessions,
    TooManyWithdrawalsError,
)
from catalog.export import export_text
from catalog.linkedevents import MappingError, SourcePart, load_mapping, map_events
from catalog.model import Catalogue, NetworkId
from catalog.parse import InvalidCatalogueError, parse_document
from catalog.source import SourceError, parse_json
from catalog.sources import SOURCE_MARKER, merge_source, owned_activities

MAX_PAGES = 1000
PAGE_SIZE = 100
TIMEOUT = aiohttp.ClientTimeout(total=60)


class LinkedEventsError(Exception):
    """Reading the source failed; the message says where (nothing has been changed)."""


@dataclass(frozen=True)
class Query:
    """What to ask the API for."""

    base: str
    publisher: str | None = None
    keywords: tuple[str, ...] = ()


async def _get(session: aiohttp.ClientSession, url: str, params: Mapping[str, str] | None = None
               ) -> Any:  # fmt: skip
    try:
        async with session.get(url, params=params, timeout=TIMEOUT) as response:
            if response.status != 200:
                raise LinkedEventsError(f"{response.url} answered HTTP {response.status}")
            return await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise LinkedEventsError(f"could not read {url}: {error or type(error).__name__}") from None
    except ValueError:
        raise LinkedEventsError(f"{url} did not answer with JSON") from None


def _same_site(base: str, url: str) -> bool:
    return urlsplit(base).netloc == urlsplit(url).netloc


async def read_events(session: aiohttp.ClientSession, query: Query) -> list[dict[str, Any]]:
    """Every event of the query, page by page, plus super-events the pages only refer to."""
    root = query.base.rstrip("/")
    params = {"include": "location", "page_size": str(PAGE_SIZE), "start": "today"}
    if query.publisher:
        params["publisher"] = query.publisher
    if query.keywords:
        params["keyword"] = ",".join(query.keywords)
    events: list[dict[str, Any]] = []
    url: str | None = f"{root}/event/"
    seen: set[str] = set()
    first = True
    while url is not None:
        if url in seen or len(seen) >= MAX_PAGES:
            raise LinkedEventsError(f"the pages do not end (at {url})")
        seen.add(url)
        page = await _get(session, url, params if first else None)
        first = False
        if not (isinstance(page, dict) and isinstance(page.get("data"), list)):
            raise LinkedEventsError(f"{url}: not a page of events (no 'data' list)")
        events += [event for event in page["data"] if isinstance(event, dict)]
        meta = page.get("meta")
        url = meta.get("next") if isinstance(meta, dict) else None
        if url is not None and not (isinstance(url, str) and _same_site(root, url)):
            raise LinkedEventsError(f"the next page {url!r} is not on {root}")
    listed = {event.get("id") for event in events}
    missing = sorted(
        {
            parent
            for event in events
            if (parent := _parent(event)) is not None and parent not in listed
        }
    )
    for parent in missing:
        event = await _get(session, f"{root}/event/{parent}/", {"include": "location"})
        if isinstance(event, dict):
            events.append(event)
    return events


def _parent(event: Mapping[str, Any]) -> str | None:
    from catalog.linkedevents import id_from_url

    return id_from_url(event.get("super_event"))


async def read_publishers(
    session: aiohttp.ClientSession, base: str, events: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The publishing organisations (their names become the organisations' names)."""
    root = base.rstrip("/")
    found: dict[str, dict[str, Any]] = {}
    for publisher in sorted({str(e["publisher"]) for e in events if e.get("publisher")}):
        organisation = await _get(session, f"{root}/organization/{publisher}/")
        found[publisher] = organisation if isinstance(organisation, dict) else {}
    return found


async def read_source(query: Query) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Events and publishers, read over HTTP in one client session."""
    async with aiohttp.ClientSession(headers={"Accept": "application/json"}) as session:
        events = await read_events(session, query)
        return events, await read_publishers(session, query.base, events)


def validated(catalogue: Catalogue) -> Catalogue:
    """Check the merged catalogue exactly as a file would be checked (written, then read)."""
    return parse_document(parse_json(export_text(catalogue, "json"), track_lines=False))


@dataclass(frozen=True)
class Outcome:
    """What an import from the source did."""

    summary: ImportSummary
    part: SourcePart
    timezone: str


async def import_source(
    app: App,
    query: Query,
    network: str,
    *,
    dry_run: bool = False,
    max_withdrawn_share: float | None = MAX_WITHDRAWN_SHARE,
    mapping_path: Path | None = None,
) -> Outcome:
    """Read, map, merge, validate and apply; raises before anything is written on failure."""
    mapping = load_mapping(mapping_path)
    stored = await app.catalog_store.load(with_added=False)
    found = stored.network(network)
    if found is None:
        known = ", ".join(n.id for n in stored.networks)
        raise LinkedEventsError(f"no network {network!r} in the catalogue. Known: {known}")
    events, publishers = await read_source(query)
    part = map_events(
        events, publishers, network=NetworkId(network),
        municipality=found.municipalities[0], timezone=stored.timezone, mapping=mapping,
    )  # fmt: skip
    catalogue = validated(merge_source(stored, part))
    sessions = SourceSessions(
        SOURCE_MARKER,
        frozenset(owned_activities(stored, network) | {a.id for a in part.activities}),
        part.changes,
    )
    summary = await app.catalog_store.apply(
        catalogue, dry_run=dry_run, max_withdrawn_share=max_withdrawn_share,
        source_sessions=sessions,
    )  # fmt: skip
    return Outcome(summary, part, catalogue.timezone)


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """The ``import-linkedevents`` command."""
    query = Query(args.url, args.publisher, tuple(args.keyword or ()))
    app = await open_app(settings)
    speaker = app.translator.speaker(args.lang or settings.default_language)
    try:
        outcome = await import_source(
            app, query, args.network, dry_run=args.dry_run,
            max_withdrawn_share=None if args.allow_withdraw else MAX_WITHDRAWN_SHARE,
            mapping_path=args.mapping,
        )  # fmt: skip
    except (LinkedEventsError, MappingError, OSError) as error:
        print(f"import-linkedevents: {error}; nothing was changed.", file=sys.stderr)
        return int(ExitCode.SOURCE_UNREACHABLE)
    except CatalogueMissingError:
        print("import-linkedevents: import a catalogue with the network first"
              " (tarjotin import FILE); nothing was changed.", file=sys.stderr)  # fmt: skip
        return int(ExitCode.USAGE)
    except (InvalidCatalogueError, SourceError) as error:
        problems = getattr(error, "problems", [error])
        print(f"{args.url}: {len(problems)} problem(s); nothing was changed.", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return int(ExitCode.INVALID_CATALOGUE)
    except TooManyWithdrawalsError as refused:
        sys.stderr.write(refusal_text(refused.summary, args.url, speaker))
        return int(ExitCode.WITHDRAW_REFUSED)
    finally:
        await app.close()
    sys.stdout.write(summary_text(outcome.summary, args.url, outcome.timezone, speaker))
    changes = outcome.part.changes
    print(
        f"Linked Events: {len(outcome.part.activities)} activities,"
        f" {len(changes)} session change(s) from the source"
        f" ({outcome.summary.sessions} to write)."
    )
    for note in outcome.part.notes:
        print(f"  {note}", file=sys.stderr)
    return int(ExitCode.OK)


def add_linkedevents_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``import-linkedevents`` to the ``tarjotin`` command's subparsers."""
    command = commands.add_parser(
        "import-linkedevents", help="import a city's Linked Events into one network"
    )
    command.add_argument("--url", required=True, metavar="BASE",
                         help="the API root, e.g. https://api.hel.fi/linkedevents/v1")
    command.add_argument("--network", required=True, metavar="ID",
                         help="the network the events are for (must be in the catalogue)")
    command.add_argument("--publisher", metavar="ID", help="only this publisher's events")
    command.add_argument("--keyword", nargs="+", metavar="ID",
                         help="only events with one of these keywords (e.g. yso:p916)")
    add_import_options(command)
    command.add_argument("--mapping", type=Path, metavar="FILE",
                         help="a keyword mapping table (default: the packaged one)")
    command.set_defaults(handler=run_import)  # fmt: skip
