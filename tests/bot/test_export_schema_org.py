"""``tarjotin export --format schema-org`` from the command line."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot.cli
from bot.cli import main


def test_the_export_is_json_ld_of_the_stored_catalogue(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    fixed = datetime(2026, 10, 5, 9, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    monkeypatch.setattr(bot.cli, "wall_clock", lambda zone: lambda: fixed)
    assert main(["import", str(demo_path)]) == 0

    out = tmp_path / "events.jsonld"
    assert main(["export", "--format", "schema-org", "--lang", "sv", "-o", str(out)]) == 0

    document = json.loads(out.read_text("utf-8"))
    assert document["@context"] == "https://schema.org"
    assert document["@graph"]
    assert all(datetime.fromisoformat(e["endDate"]) > fixed for e in document["@graph"])
