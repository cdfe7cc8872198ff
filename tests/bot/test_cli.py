"""The ``tarjotin`` command end to end: import, export, week, ask (the measuring contract)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from catalog.export import export_text
from catalog.model import Catalogue
from catalog.occurrences import activity_occurrences
from catalog.scope import network_activity_ids

ARABIC_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_import_then_export_gives_the_catalogue_back(
    demo_path: Path, demo: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    capsys.readouterr()
    assert main(["export"]) == 0
    assert capsys.readouterr().out == export_text(demo)


def test_a_malformed_file_changes_nothing_and_names_every_problem(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    assert main(["export", "-o", str(tmp_path / "before.yaml")]) == 0
    broken = demo_path.read_text("utf-8")
    broken = broken.replace("kinds: [language_club]", "kinds: [chess]", 1)
    broken = broken.replace("organisation: setlementti-louhela", "organisation: nobody", 1)
    broken = broken.replace("timezone: Europe/Helsinki", "timezone: Europe/Nowhere")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(tmp_path / "broken.yaml")]) == 1
    errors = capsys.readouterr().err
    assert "3 problem(s); nothing was changed" in errors
    assert "'chess'" in errors
    assert "no organisation 'nobody'" in errors
    assert "Europe/Nowhere" in errors
    assert "activity 'louhela-kielikahvila'" in errors
    assert main(["export", "-o", str(tmp_path / "after.yaml")]) == 0
    assert (tmp_path / "after.yaml").read_bytes() == (tmp_path / "before.yaml").read_bytes()


def test_week_in_arabic_shows_every_occurrence_of_the_network(
    demo: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["week", "--network", "nurmijarvi", "--lang", "ar", "--date", "2026-11-25",
                 "--bidi", "logical"]) == 0
    out = capsys.readouterr().out
    network = demo.network("nurmijarvi")
    assert network is not None
    zone = ZoneInfo(demo.timezone)
    expected = 0
    for activity_id in network_activity_ids(demo, network):
        activity = demo.activity(activity_id)
        assert activity is not None
        expected += len(
            activity_occurrences(activity, zone, date(2026, 11, 23), date(2026, 11, 29), {})
        )
    assert expected > 5
    assert out.count("–") - 1 >= expected  # one time range per occurrence (+ the week line)
    days_shown = [day for day in ARABIC_WEEKDAYS if day in out]
    assert len(days_shown) >= 5


def test_ask_batch_follows_the_contract(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"id": "q1", "text": "Onko tiistaina kielikahvilaa?", "lang_hint": None,
         "network": "nurmijarvi", "now": "2026-11-23T10:00:00+02:00"},
        {"id": "q2", "text": "Haluan puhua koordinaattorin kanssa", "lang_hint": "fi",
         "network": "espoo", "now": "2026-11-23T10:00:00+02:00"},
        {"id": "q3", "text": "football?", "lang_hint": "en", "network": "espoo",
         "now": "2026-11-23T10:00:00+02:00"},
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["ask", "--catalog", str(demo_path), "--batch", str(batch)]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["id"] for a in answers] == ["q1", "q2", "q3"]
    for answer in answers:
        assert set(answer) == {"id", "language", "intent", "window", "results", "reply"}
        assert isinstance(answer["reply"], str)
        assert answer["reply"]
    first, contact, football = answers
    assert first["language"] == "fi"
    assert first["intent"] == "activities"
    assert first["window"] == {"start": "2026-11-24", "end": "2026-11-24"}
    assert [r["activity"] for r in first["results"]] == ["louhela-kielikahvila"]
    assert first["results"][0]["start"] == "2026-11-24T17:00:00+02:00"
    assert contact["intent"] == "contact"
    assert contact["results"] == []
    assert football["window"] is None
    assert len({r["activity"] for r in football["results"]}) == len(football["results"])


def test_ask_one_question_as_json(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--catalog", str(demo_path), "--network", "espoo", "--now",
                 "2026-11-23T10:00", "--json", "Is there a women's group?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["language"] == "en"
    assert answer["results"]


def test_ask_needs_a_question_or_a_batch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask"]) == 2


def test_ask_refuses_a_time_that_is_not_iso_8601(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["ask", "--catalog", str(demo_path), "--now", "yesterday", "football?"])
    assert stopped.value.code == 2
    errors = capsys.readouterr().err
    assert "'yesterday' is not an ISO 8601 time" in errors
    assert "Traceback" not in errors


def test_ask_refuses_an_unknown_network_like_week(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--catalog", str(demo_path), "--network", "nosuch", "football?"]) == 2
    asked = capsys.readouterr().err
    assert main(["week", "--network", "nosuch"]) == 2
    assert "No network 'nosuch'. Known: " in asked
    assert capsys.readouterr().err.endswith(asked)  # week says the same (after its loading line)


def test_ask_refuses_an_unknown_language_like_week(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["ask", "--lang", "xx", "football?"], ["week", "--lang", "xx"]):
        with pytest.raises(SystemExit) as stopped:
            main(command)
        assert stopped.value.code == 2
        assert "invalid choice: 'xx'" in capsys.readouterr().err


def test_a_batch_row_with_a_bad_time_is_named_by_its_line(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text('{"id": 1, "text": "hi"}\n{"id": 2, "text": "hi", "now": "soon"}\n', "utf-8")
    assert main(["ask", "--catalog", str(demo_path), "--batch", str(batch)]) == 1
    assert "line 2: 'now' is not an ISO 8601 time" in capsys.readouterr().err


def test_import_refuses_a_file_over_the_size_limit_plainly(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = tmp_path / "big.yaml"
    text = demo_path.read_text("utf-8")
    big.write_text(text + "#" * (1024 * 1024) + "\n", encoding="utf-8")
    assert main(["import", "--max-size", "1", str(big)]) == 1
    error = capsys.readouterr().err
    assert "larger than the import limit of 1 MB; nothing was changed" in error
    assert "--max-size" in error
    assert "Traceback" not in error
    monkeypatch.setenv("TARJOTIN_CATALOGUE_MAX_MB", "1")
    assert main(["import", str(big)]) == 1
    assert "limit of 1 MB" in capsys.readouterr().err
    assert main(["import", "--max-size", "2", str(big)]) == 0  # the option wins
    assert main(["import", str(demo_path)]) == 0


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "lots", "5000"])
def test_a_size_limit_that_is_not_a_number_of_megabytes_is_a_usage_error(
    demo_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["import", "--max-size", value, str(demo_path)])
    assert stopped.value.code == 2
    assert "whole number of MB" in capsys.readouterr().err


def test_a_bad_size_setting_is_named(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_CATALOGUE_MAX_MB", "0")
    assert main(["import", str(demo_path)]) == 3  # an invalid setting
    assert "TARJOTIN_CATALOGUE_MAX_MB" in capsys.readouterr().err
