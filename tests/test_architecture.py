"""The platform-neutral core never imports a chat library or a database session."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "nio", "mautrix", "sqlalchemy", "aiosqlite", "asyncpg", "bot")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["handlers", "catalog"])
def test_core_packages_import_no_platform_or_storage_code(package: str) -> None:
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] in FORBIDDEN
        }
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_check_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from telegram import Bot\nimport sqlalchemy.orm\n", encoding="utf-8")
    assert {"telegram", "sqlalchemy.orm"} <= imported_modules(sample)
