"""The hashed lock: every pin hashed, it is what is installed, the image keeps what runs.

``make test`` installs the dependencies with ``pip install --require-hashes -r
requirements.lock`` in a fresh environment, which proves on CI that the lock installs; these
tests check its form and that it describes the environment running them.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.hashlock import Pin, canonical, hashes_from_report, merge, parse_lock, render
from tools.runtime_only import closure, installed, requirements_of

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
#: Installed by the venv itself or the project: never pinned in the lock.
NOT_LOCKED = {"pip", "setuptools", "wheel", "tarjotin"}
TEST_TOOLS = {"pytest", "mypy", "ruff", "hypothesis", "pytest-asyncio"}
DIGEST = "a" * 64


def project_dependencies() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        dependencies: list[str] = tomllib.load(handle)["project"]["dependencies"]
    return dependencies


def test_every_pin_in_the_lock_has_a_sha256_hash() -> None:
    pins = parse_lock(LOCK.read_text("utf-8"))
    assert len(pins) > 20
    unhashed = [pin.name for pin in pins if not pin.hashes]
    assert unhashed == []
    assert all(len(digest) == 64 for pin in pins for digest in pin.hashes)


def test_the_lock_is_in_the_format_make_lock_writes() -> None:
    text = LOCK.read_text("utf-8")
    assert render(parse_lock(text)) == text


def test_the_lock_pins_exactly_what_is_installed() -> None:
    pins = {pin.key: pin.version for pin in parse_lock(LOCK.read_text("utf-8"))}
    present: dict[str, str] = {}
    for dist in metadata.distributions():
        present.setdefault(canonical(dist.metadata["Name"]), dist.version)
    for name in NOT_LOCKED:
        present.pop(name, None)
    assert pins == present


def test_a_lock_line_without_a_hash_is_reported() -> None:
    pins = parse_lock("# header\nfoo==1.0\nBar_Baz==2.0 \\\n    --hash=sha256:" + DIGEST + "\n")
    assert pins == [Pin("foo", "1.0"), Pin("Bar_Baz", "2.0", frozenset({DIGEST}))]
    with pytest.raises(ValueError, match="no hash"):
        render(pins)


def test_a_requirement_that_is_not_an_exact_pin_is_refused() -> None:
    with pytest.raises(ValueError, match="not an exact pin"):
        parse_lock("foo>=1.0\n")


def test_reports_add_hashes_only_for_the_pinned_version() -> None:
    report = {"install": [{
        "metadata": {"name": "Foo", "version": "1.0"},
        "download_info": {"url": "x", "archive_info": {"hashes": {"sha256": DIGEST}}},
    }]}  # fmt: skip
    found = hashes_from_report(report)
    (pin,) = merge([Pin("foo", "1.0")], [found])
    assert pin.hashes == {DIGEST}
    with pytest.raises(ValueError, match="not the pinned"):
        merge([Pin("foo", "2.0")], [found])
    with pytest.raises(ValueError, match="not pinned"):
        merge([Pin("bar", "1.0")], [found])


def test_extras_bring_their_own_requirements() -> None:
    lines = ["a>=1", 'b; extra == "web"', 'c; extra == "docs"']
    assert [r.name for r in requirements_of(lines, [])] == ["a"]
    assert [r.name for r in requirements_of(lines, ["web"])] == ["a", "b"]


def test_the_image_keeps_every_runtime_dependency_and_no_test_tool() -> None:
    requires = {**installed(), "tarjotin": project_dependencies()}
    kept = closure("tarjotin", requires)
    direct = {canonicalize_name(Requirement(line).name) for line in project_dependencies()}
    assert direct <= kept
    assert not TEST_TOOLS & kept
    locked = {pin.key for pin in parse_lock(LOCK.read_text("utf-8"))}
    assert kept - {"tarjotin"} <= locked
