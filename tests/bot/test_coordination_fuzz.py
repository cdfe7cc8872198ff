"""Any coordination file gives desks or a sentence: never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.coordination_file import MAX_FILE_BYTES, CoordinationError, load_desks
from bot.failures import ExitCode
from tests.fuzz.coordination import CoordinationEntry, raw_files
from tests.fuzz.explore import fuzz_strictly


def test_no_file_content_escapes_as_anything_but_a_refusal(tmp_path: Path) -> None:
    tally = fuzz_strictly(CoordinationEntry(tmp_path), raw_files, examples=200)
    assert tally.inputs >= 200


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"networks: \x80", "not UTF-8"),  # was UnicodeDecodeError
        (b"[" * 50_000 + b"]" * 50_000, "nesting depth"),  # was RecursionError
        (b"networks: {" + b"a: {" * 5_000 + b"}" * 5_001, "nested more than"),
        (b"networks: " + b"9" * 6745, "networks"),  # was ValueError (a 6,745-digit int)
        (b"networks: !!int " + b"9" * 6745, "cannot be read"),
        (b"networks: &a [*a]", "anchors or aliases"),
        (b"networks: {}\nnetworks: {}", "duplicate key"),
        (b"x" * (MAX_FILE_BYTES + 1), "larger than 1 MiB"),
    ],
)
def test_hostile_files_are_refused_with_a_sentence(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "coordination.yaml"
    path.write_bytes(content)
    with pytest.raises(CoordinationError, match=said):
        load_desks(path)


def test_the_cli_says_what_is_wrong_instead_of_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "coordination.yaml"
    path.write_bytes(b"networks: \x80")
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TARJOTIN_COORDINATION_FILE", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert main(["chat", "--network", "nurmijarvi", "--lang", "en"]) == ExitCode.COORDINATION_FILE
    err = capsys.readouterr().err
    assert "The coordination file (TARJOTIN_COORDINATION_FILE) is not usable" in err
    assert "not UTF-8" in err
    assert "Traceback" not in err
