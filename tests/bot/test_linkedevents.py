"""``tarjotin import-linkedevents`` against a local HTTP server serving recorded API pages.

The pages under ``fixtures/linkedevents/`` follow the shapes of City-of-Helsinki/linkedevents
(``events/api_pagination.py``: ``{"meta": {count, next, previous}, "data": [...]}``; events as
``events/serializers.py`` writes them with ``include=location``; a postponed event has no
``start_time``, a rescheduled one has its new time). ``{base}`` is the server's API root.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.bootstrap import App, build_app
from bot.config import Settings
from bot.linkedevents import LinkedEventsError, Query, import_source
from bot.storage.catalog_store import TooManyWithdrawalsError
from catalog.export import export_text
from catalog.model import Catalogue
from catalog.parse import load_catalogue
from catalog.sources import SOURCE_MARKER, keep_source_records

FIXTURES = Path(__file__).parent / "fixtures" / "linkedevents"
NETWORK = "espoo"
CAFE = "le-espoo-agsuper1"


@dataclass
class Recorded:
    """The recorded API: which page fails, and what was asked."""

    fail_page: int | None = None
    asked: list[str] = field(default_factory=list)


def _page(name: str, base: str) -> object:
    return json.loads((FIXTURES / name).read_text("utf-8").replace("{base}", base))


def _data(page: int, base: str) -> list[dict[str, Any]]:
    found = _page(f"events-page-{page}.json", base)
    assert isinstance(found, dict)
    data: list[dict[str, Any]] = found["data"]
    return data


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture
async def api(recorded: Recorded) -> AsyncIterator[str]:
    async def events(request: web.Request) -> web.Response:
        recorded.asked.append(str(request.rel_url))
        page = int(request.query.get("page", "1"))
        if page == recorded.fail_page:
            return web.Response(status=500, text="Internal Server Error")
        base = f"{request.url.origin()}/v1"
        found = _page(f"events-page-{page}.json", base)
        wanted = request.query.get("keyword")
        if wanted and page == 1:  # the API filters by keyword; the filter rides on `next` links
            assert isinstance(found, dict)
            everything = [e for n in (1, 2, 3) for e in _data(n, base)]
            found = {"meta": {"count": 0, "next": None, "previous": None}, "data": [
                e for e in everything
                if any(k["@id"].endswith(f"/{w}/")
                       for w in wanted.split(",") for k in e["keywords"])
            ]}  # fmt: skip
        return web.json_response(found)

    async def organisation(request: web.Request) -> web.Response:
        base = f"{request.url.origin()}/v1"
        found = _page("organizations.json", base)
        assert isinstance(found, dict)
        return web.json_response(found[request.match_info["id"]])

    app = web.Application()
    app.router.add_get("/v1/event/", events)
    app.router.add_get("/v1/organization/{id}/", organisation)
    server = TestServer(app)
    await server.start_server()
    try:
        yield f"{server.make_url('/v1')}"
    finally:
        await server.close()


@pytest.fixture
async def app(tmp_path: Path, demo_path: Path) -> AsyncIterator[App]:
    built = await build_app(Settings(data_dir=tmp_path))
    await built.catalog_store.apply(load_catalogue(demo_path))
    try:
        yield built
    finally:
        await built.close()


async def test_pages_are_read_and_mapped_into_the_network(
    app: App, api: str, recorded: Recorded
) -> None:
    outcome = await import_source(app, Query(api), NETWORK)

    assert len(recorded.asked) == 3  # three pages, following meta.next
    assert "include=location" in recorded.asked[0]
    catalogue = await app.catalog_store.load()
    cafe = catalogue.activity(CAFE)
    assert cafe is not None
    assert dict(cafe.title) == {
        "fi": "Suomen kielen kahvila", "sv": "Finska språkcaféet", "en": "Finnish language café",
    }  # fmt: skip
    assert dict(cafe.description)["fi"] == (
        "Harjoittele suomea rennosti.\nTule sellaisena kuin olet!"
    )
    assert cafe.languages == ("fi", "sv", "en")
    assert cafe.kinds == ("language_course",)
    assert "https://example.org/cafe-signup" in dict(cafe.registration)["en"]
    assert cafe.cost == ()  # free
    # 16:00Z is 18:00 in Helsinki (EET); the postponed sub-event has no date and is left out.
    assert [d.start for d in cafe.dates] == [
        datetime(2026, 3, 3, 18, 0), datetime(2026, 3, 10, 18, 0),
        datetime(2026, 3, 25, 17, 0), datetime(2026, 3, 31, 18, 0),
    ]  # fmt: skip
    assert any("espoo:agsub3" in note for note in outcome.part.notes)
    place = catalogue.place(cafe.place)
    assert place is not None
    assert place.municipality == "Espoo"
    assert place.geo == (60.162, 24.738)
    organisation = catalogue.organisation(cafe.organisation)
    assert organisation is not None
    assert organisation.networks == (NETWORK,)
    assert dict(organisation.name)["fi"] == "Espoon kaupunginkirjasto"

    football = catalogue.activity("le-espoo-agfoot1")
    assert football is not None
    assert football.audience == ("youth",)
    assert "sports" in football.kinds
    assert "2 €" in dict(football.cost)["fi"]
    assert football.age is not None
    assert (football.age.min, football.age.max) == (13, 17)
    exhibition = catalogue.activity("le-espoo-agexh1")
    assert exhibition is not None
    assert exhibition.languages == ("fi", "ru")
    assert exhibition.audience == ("families",)


async def test_cancelled_and_rescheduled_sub_events_are_session_changes(
    app: App, api: str
) -> None:
    await import_source(app, Query(api), NETWORK)

    changes = {c.original_start: c for c in await app.catalog_store.occurrence_changes()
               if c.activity == CAFE}  # fmt: skip
    cancelled = changes[datetime(2026, 3, 10, 18, 0)]
    assert cancelled.cancelled
    assert cancelled.reason
    assert "Cancelled" in cancelled.reason
    rescheduled = changes[datetime(2026, 3, 25, 17, 0)]
    assert not rescheduled.cancelled
    assert rescheduled.new_start == datetime(2026, 3, 25, 17, 0)
    assert datetime(2026, 3, 3, 18, 0) not in changes  # scheduled: no change


async def test_a_server_error_mid_way_applies_nothing(
    app: App, api: str, recorded: Recorded
) -> None:
    before = export_text(await app.catalog_store.load())
    recorded.fail_page = 2

    with pytest.raises(LinkedEventsError, match="HTTP 500"):
        await import_source(app, Query(api), NETWORK)

    assert export_text(await app.catalog_store.load()) == before
    assert await app.catalog_store.occurrence_changes() == []


async def test_a_rerun_changes_nothing(app: App, api: str) -> None:
    await import_source(app, Query(api), NETWORK)
    first = export_text(await app.catalog_store.load())
    changes = await app.catalog_store.occurrence_changes()

    again = await import_source(app, Query(api), NETWORK)

    assert not again.summary.changed
    assert again.summary.sessions == 0
    assert export_text(await app.catalog_store.load()) == first
    assert await app.catalog_store.occurrence_changes() == changes


async def test_a_dry_run_reports_and_writes_nothing(app: App, api: str) -> None:
    before = export_text(await app.catalog_store.load())

    outcome = await import_source(app, Query(api), NETWORK, dry_run=True)

    assert outcome.summary.activities.added == 3
    assert outcome.summary.sessions == 2
    assert export_text(await app.catalog_store.load()) == before


async def test_hand_written_and_source_records_never_withdraw_each_other(
    app: App, api: str, demo: Catalogue
) -> None:
    await import_source(app, Query(api), NETWORK)
    hand_written = {a.id for a in demo.activities}

    # The source again, now giving only the football: the café is withdrawn, no hand-written one.
    outcome = await import_source(app, Query(api, keywords=("yso:p965",)), NETWORK)
    assert set(outcome.summary.changes["activities"].withdrawn) <= {CAFE, "le-espoo-agexh1"}

    # A file import of the hand-written catalogue keeps the source's records.
    stored = await app.catalog_store.load(with_added=False)
    summary = await app.catalog_store.apply(keep_source_records(demo, stored))
    assert summary.activities.withdrawn == 0
    offered = {a.id for a in (await app.catalog_store.load()).activities}
    assert hand_written <= offered
    assert "le-espoo-agfoot1" in offered


async def test_an_unknown_network_is_refused(app: App, api: str) -> None:
    with pytest.raises(LinkedEventsError, match="no network 'atlantis'"):
        await import_source(app, Query(api), "atlantis")


async def test_the_withdraw_guard_applies_as_for_a_file(app: App, api: str) -> None:
    await import_source(app, Query(api), NETWORK)
    changes = await app.catalog_store.occurrence_changes()
    assert {c.activity for c in changes} == {CAFE}
    assert all(c.activity.startswith("le-") for c in changes)
    # Nothing is refused for a small source; the guard counts the whole catalogue's share.
    with pytest.raises(TooManyWithdrawalsError):
        await import_source(
            app, Query(api, keywords=("none",)), NETWORK, max_withdrawn_share=0.0
        )
    assert SOURCE_MARKER.startswith("source:")
