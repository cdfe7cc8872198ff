"""``tarjotin import``: a dry run, the withdrawal guard and a summary in plain sentences."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.failures import ExitCode
from bot.storage.catalog_store import RecordChanges, withdraws_too_many


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.fixture
def demo_data(demo_path: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(demo_path.read_text("utf-8"))
    return loaded


def activities_of(data: dict[str, object]) -> list[dict[str, object]]:
    activities = data["activities"]
    assert isinstance(activities, list)
    return activities


def exported(tmp_path: Path, name: str) -> bytes:
    assert main(["export", "-o", str(tmp_path / name)]) == 0
    return (tmp_path / name).read_bytes()


def test_a_dry_run_lists_every_kind_of_change_and_changes_nothing(
    demo_path: Path,
    demo_data: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    activities = activities_of(demo_data)
    first, second, third = activities[0], activities[1], activities[2]
    gone = dict(third)
    assert main(["import", str(demo_path)]) == 0
    assert main(["import", str(write(tmp_path / "without.yaml", {
        **demo_data, "activities": [a for a in activities if a is not third]
    }))]) == 0  # the third is withdrawn: it can come back
    before = exported(tmp_path, "before.yaml")
    new = {**first, "id": "brand-new-activity"}
    changed = {**second, "class": "support" if second["class"] != "support" else "participation"}
    edited = [new, changed, gone] + [a for a in activities[3:]]  # the first is left out
    capsys.readouterr()
    assert main(["import", "--dry-run", str(write(tmp_path / "next.yaml", {
        **demo_data, "activities": edited
    }))]) == 0
    out = capsys.readouterr().out
    assert "nothing was changed" in out
    assert f"{len(edited)} activities: 1 added, 1 changed, 1 withdrawn, 1 restored." in out
    assert "  added: brand-new-activity" in out
    assert f"  changed: {second['id']}" in out
    assert f"  withdrawn: {first['id']}" in out
    assert f"  restored: {gone['id']}" in out
    assert "ImportSummary" not in out
    assert exported(tmp_path, "after.yaml") == before


def test_the_summary_is_plain_sentences_in_the_chosen_language(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--lang", "fi", str(demo_path)]) == 0
    out = capsys.readouterr().out
    assert "79 toimintaa: 79 lisätty." in out
    assert main(["import", str(demo_path)]) == 0
    assert "79 activities: no changes." in capsys.readouterr().out


def test_the_summary_follows_the_default_language(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_DEFAULT_LANGUAGE", "sv")
    assert main(["import", str(demo_path)]) == 0
    assert "79 aktiviteter: 79 tillagda." in capsys.readouterr().out


def test_a_truncated_file_is_refused_unless_withdrawing_is_allowed(
    demo_path: Path,
    demo_data: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import", str(demo_path)]) == 0
    before = exported(tmp_path, "before.yaml")
    truncated = write(tmp_path / "cut.yaml", {
        **demo_data, "activities": activities_of(demo_data)[:1]
    })
    capsys.readouterr()
    assert main(["import", str(truncated)]) == ExitCode.WITHDRAW_REFUSED
    refusal = capsys.readouterr().err
    assert "would withdraw 78 of the activities on offer (79)" in refusal
    assert "--allow-withdraw" in refusal
    assert exported(tmp_path, "after.yaml") == before
    assert main(["import", "--allow-withdraw", str(truncated)]) == 0
    assert "1 activity: 78 withdrawn." in capsys.readouterr().out


def test_a_fifth_may_go_without_asking(
    demo_path: Path,
    demo_data: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import", str(demo_path)]) == 0
    activities = activities_of(demo_data)
    kept = activities[15:]  # 15 of 79 withdrawn: under a fifth (15.8)
    assert main(["import", str(write(tmp_path / "less.yaml", {
        **demo_data, "activities": kept
    }))]) == 0
    assert "15 withdrawn" in capsys.readouterr().out


def test_the_guard_counts_the_activities_on_offer() -> None:
    assert not withdraws_too_many(RecordChanges(withdrawn=("a",) * 20, offered_before=100), 0.2)
    assert withdraws_too_many(RecordChanges(withdrawn=("a",) * 21, offered_before=100), 0.2)
    assert not withdraws_too_many(RecordChanges(offered_before=0), 0.2)


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "missing.yaml")]) == ExitCode.CATALOGUE_FILE
    assert "missing.yaml" in capsys.readouterr().err
