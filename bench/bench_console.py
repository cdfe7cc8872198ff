"""Keepers' console: page weight and server time per page at 10,000 activities (issue 16).

Targets: every page under 100 kB and under 50 ms of server time (median of the repeats).
The console runs on the real HTTP server over a generated national catalogue
(:mod:`bench.generator`), the console domain over the in-memory store, and is asked over
HTTP as a browser asks: a coordinator of the busiest network (the widest scope) signs in once,
then each page is fetched ``--repeats`` times. Server time is measured around the handler
(an aiohttp middleware), so the client's share of the loop is left out.

Run: ``python -m bench.bench_console [--activities 10000] [--repeats 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bench.generator import generate_catalogue_model
from bot.console.editing import ServiceEditor
from bot.console.forms import fields_of
from bot.console.web import Console
from bot.http_server import HttpServer
from bot.metrics import Metrics
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.console.forms import form_of
from handlers.coordination.console.service import Console as Service
from handlers.coordination.permissions import Desk
from handlers.coordination.report_flow import TrayReports
from handlers.core.events import UserId
from handlers.core.i18n import Translator
from tests.fakes import (
    FixedClock,
    InMemoryCatalogueEditor,
    InMemoryConsole,
    InMemoryConsoleSessions,
    InMemoryDemand,
    InMemoryStaff,
    NoDelivery,
)

DEFAULT_ACTIVITIES = 10_000
PAGE_BUDGET_BYTES = 100 * 1024
TIME_BUDGET_MS = 50.0
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
COORDINATOR = UserId("bench:coordinator")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def run(activities: int, repeats: int) -> bool:
    """Serve, sign in, fetch each page; print a table; whether every page met both targets."""
    catalogue = generate_catalogue_model(activities, seed=1)
    organisations = Counter(a.organisation for a in catalogue.activities)
    networks: Counter[str] = Counter()
    for organisation in catalogue.organisations:
        for network in organisation.networks:
            networks[network] += organisations[organisation.id]
    busiest = networks.most_common(1)[0][0]
    members = {o.id for o in catalogue.organisations if busiest in o.networks}
    activity = next(a for a in catalogue.activities if a.organisation in members)
    clock = FixedClock(NOW)
    editor = InMemoryCatalogueEditor(catalogue)
    staff = InMemoryStaff()
    desks = {busiest: Desk(busiest, coordinators=(COORDINATOR,))}
    service = Service(InMemoryConsole(editor), staff, lambda: editor.catalogue, desks, clock)
    index = OccurrenceIndex(catalogue, ())
    sessions = InMemoryConsoleSessions()
    console = Console(
        lambda: editor.catalogue, sessions, staff, desks,
        TrayReports(InMemoryDemand(), NoDelivery(), lambda: (editor.catalogue, index), clock),
        Translator(), clock, editor=ServiceEditor(service), default_language="en",
    )  # fmt: skip
    timings: dict[str, list[float]] = {}

    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            key = f"{request.method} {request.path}"
            timings.setdefault(key, []).append(time.perf_counter() - started)

    server = HttpServer("127.0.0.1", 0, metrics=Metrics(clock))
    server.app.middlewares.append(timed)
    console.mount(server)
    await server.start()
    base = f"http://127.0.0.1:{server.bound_port}"
    token = await sessions.issue(COORDINATOR, NOW, timedelta(minutes=15))
    opened = await sessions.redeem(token, NOW)
    assert opened is not None
    headers = {"Cookie": f"tarjotin_console={opened.cookie}"}
    # A save that comes back with a problem (nothing stored): the heaviest form page.
    fields = fields_of(form_of(activity)) | {"age_min": ["seven"], "csrf": [opened.session.csrf]}
    form = [(name, value) for name, values in fields.items() for value in values]
    pages = [
        ("home: tray and gaps", "GET", "/console/", None),
        ("activity list, page 1", "GET", "/console/activities", None),
        ("activity list, search", "GET", "/console/activities?q=club", None),
        ("activity form", "GET", f"/console/activities/{activity.id}", None),
        ("form with a problem", "POST", f"/console/activities/{activity.id}", form),
        ("review queue", "GET", "/console/review", None),
        ("audit trail", "GET", f"/console/activities/{activity.id}/history", None),
    ]
    print(f"{len(catalogue.activities)} activities; network {busiest}: "
          f"{networks[busiest]} activities, {len(members)} organisations; {repeats} repeats")
    print(f"{'page':<26}{'status':>7}{'bytes':>9}{'median ms':>11}{'max ms':>9}")
    ok = True
    async with aiohttp.ClientSession(base, headers=headers) as http:
        for name, method, path, data in pages:
            timings.clear()
            for _ in range(repeats):
                async with http.request(method, path, data=data) as response:
                    body = await response.read()
                    status = response.status
            [spent] = timings.values()
            median = statistics.median(spent) * 1000
            print(f"{name:<26}{status:>7}{len(body):>9}{median:>11.1f}{max(spent) * 1000:>9.1f}")
            ok &= len(body) < PAGE_BUDGET_BYTES and median < TIME_BUDGET_MS
    await server.stop()
    return ok


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, and fail when a page is over either budget."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    if asyncio.run(run(args.activities, args.repeats)):
        return 0
    print(f"over budget: a page is {PAGE_BUDGET_BYTES // 1024} kB or more, "
          f"or takes {TIME_BUDGET_MS:.0f} ms or more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
