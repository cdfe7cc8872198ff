"""``tarjotin report`` and the demand counters behind it (issue 13)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_app, build_runtime, ensure_catalogue
from bot.cli import main
from bot.config import Settings
from bot.report import ReportMaker
from bot.terminal_chat import TerminalChat
from catalog.model import Catalogue
from catalog.scope import network_activity_ids
from handlers.coordination.report_formats import report_json
from handlers.core.events import UserId
from tests.fakes import FixedClock

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
PERIOD = ["--from", "2026-11-01", "--to", "2026-11-30", "--now", NOW.isoformat()]
#: "Is there swimming for women in Nurmijärvi?" — Nurmijärvi has none.
SWIMMING = "هل توجد سباحة للنساء في نورمييارفي؟"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TARJOTIN_LOG_LEVEL", "WARNING")
    return tmp_path / "data"


def test_every_nurmijarvi_activity_is_in_its_class_and_level_cell(
    demo_path: Path, demo: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    capsys.readouterr()
    assert main(["report", "--network", "nurmijarvi", "--format", "json", *PERIOD]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["network"] == "nurmijarvi"
    assert data["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    cells = data["tray"]["cells"]
    assert {(c["class"], c["level"]) for c in cells} == {
        (k, lv)
        for k in ("support", "participation", "recruitment")
        for lv in ("national", "regional", "local")
    }
    listed = [a for c in cells for a in c["activities"]]
    network = demo.network("nurmijarvi")
    assert network is not None
    assert sorted(listed) == sorted(network_activity_ids(demo, network))  # each exactly once
    for cell in cells:
        for activity_id in cell["activities"]:
            activity = demo.activity(activity_id)
            assert activity is not None
            organisation = demo.organisation(activity.organisation)
            assert organisation is not None
            assert (activity.klass, organisation.level) == (cell["class"], cell["level"])
    assert {"municipality", "missing", "value"} == set(data["gaps"][0])
    assert "delivery" in data


def test_an_unknown_network_is_refused_clearly(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    capsys.readouterr()
    assert main(["report", "--network", "atlantis", *PERIOD]) == 2
    assert "No network 'atlantis'" in capsys.readouterr().err


def test_csv_sections_are_written_one_file_each(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    output = tmp_path / "tray.csv"
    assert main(["report", "--network", "nurmijarvi", "--format", "csv", "-o", str(output),
                 *PERIOD]) == 0
    for section in ("tray", "gaps", "demand", "delivery"):
        assert (tmp_path / f"tray-{section}.csv").is_file()
    lines = (tmp_path / "tray-tray.csv").read_text("utf-8").splitlines()
    assert lines[0] == "class,level,activity"
    assert "support,local,louhela-kielikahvila" in lines


async def demand_after(people: int, tmp_path: Path) -> list[dict[str, Any]]:
    """``people`` ask the terminal chat in Arabic for women's swimming in Nurmijärvi."""
    clock = FixedClock(NOW)
    app = await build_app(Settings(data_dir=tmp_path / "db"))
    try:
        catalogue = await ensure_catalogue(app, quiet=True)
        runtime = await build_runtime(app, catalogue, clock=clock)
        printed: list[str] = []
        for person in range(people):
            chat = TerminalChat(runtime.conversation, printed.append, user=UserId(f"t:{person}"))
            await chat.begin("nurmijarvi", "ar")
            await chat.handle(SWIMMING)
        maker = ReportMaker(app.database.sessions, clock)
        changes = await app.catalog_store.occurrence_changes()
        report = await maker.report(catalogue, changes, "nurmijarvi", NOW.date(), NOW.date())
        return [row for row in report_json(report)["demand"] if row["language"] == "ar"]
    finally:
        await app.close()


async def test_six_arabic_questions_for_womens_swimming_show_as_one_row_of_six(
    tmp_path: Path,
) -> None:
    [row] = await demand_after(6, tmp_path)
    assert row["count"] == 6
    assert row["found"] is False
    assert row["municipality"] == "Nurmijärvi"
    assert "women" in (row["audience"] or "")
    assert row["intent"] == "activities"


async def test_five_are_shown_as_fewer_than_five(tmp_path: Path) -> None:
    [row] = await demand_after(5, tmp_path)
    assert row["count"] == "<5"
    assert row["found"] is False
