"""Write ``requirements.lock``: every pin with the sha256 of each file pip may install for it.

``make lock`` runs ``python -m tools.hashlock PINS > requirements.lock`` with ``PINS`` the
``pip freeze`` of a fresh environment. For the interpreter running it, and for CPython 3.11 to
3.13 on Linux x86_64 and aarch64 (CI, the container image, a developer's ARM machine), pip's
dry-run report names the file it would install and that file's hash as the index gives it;
nothing is installed and only metadata is fetched. ``pip install --require-hashes -r
requirements.lock`` then refuses any file whose hash is not listed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "# Every dependency of Tarjotin and its test tools, pinned with the sha256 of each file pip",
    "# may install for it. Written by `make lock` (python -m tools.hashlock); do not edit by hand.",
    "# Install: pip install --require-hashes -r requirements.lock",
)
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
ARCHITECTURES = ("x86_64", "aarch64")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    """One locked distribution: its name as pip freeze spells it, version and allowed hashes."""

    name: str
    version: str
    hashes: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """The normalised project name (PEP 503), for matching across spellings."""
        return canonical(self.name)


def canonical(name: str) -> str:
    """PEP 503 normalisation: ``Foo_Bar.baz`` and ``foo-bar-baz`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> list[Pin]:
    """The pins of a lock or freeze file; a requirement may continue over several lines."""
    requirements: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0] if raw.lstrip().startswith("#") else raw
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            if pending.strip():
                requirements.append(pending.strip())
            pending = ""
    pins = []
    for requirement in requirements:
        match = _PIN.match(requirement)
        if match is None:
            raise ValueError(f"not an exact pin: {requirement}")
        pins.append(Pin(match[1], match[2], frozenset(_HASH.findall(requirement))))
    return pins


def render(pins: Iterable[Pin]) -> str:
    """The lock file text: a header, then each pin followed by its sorted hashes."""
    lines = list(HEADER)
    for pin in sorted(pins, key=lambda pin: pin.key):
        if not pin.hashes:
            raise ValueError(f"{pin.name}=={pin.version} has no hash")
        lines.append(f"{pin.name}=={pin.version} \\")
        hashes = sorted(pin.hashes)
        for index, digest in enumerate(hashes):
            ending = " \\" if index < len(hashes) - 1 else ""
            lines.append(f"    --hash=sha256:{digest}{ending}")
    return "\n".join(lines) + "\n"


def hashes_from_report(report: Mapping[str, object]) -> dict[str, tuple[str, str]]:
    """From a ``pip install --report`` document: project key → (version, sha256 of its file)."""
    found: dict[str, tuple[str, str]] = {}
    items = report.get("install", [])
    assert isinstance(items, list)
    for item in items:
        metadata, download = item["metadata"], item["download_info"]
        digest = download.get("archive_info", {}).get("hashes", {}).get("sha256")
        if digest is None:
            raise ValueError(f"the index gave no sha256 for {download.get('url')}")
        found[canonical(metadata["name"])] = (metadata["version"], digest)
    return found


def merge(pins: Sequence[Pin], reports: Iterable[Mapping[str, tuple[str, str]]]) -> list[Pin]:
    """Each pin with every hash the reports give for its exact version."""
    allowed: dict[str, set[str]] = {pin.key: set(pin.hashes) for pin in pins}
    versions = {pin.key: pin.version for pin in pins}
    for report in reports:
        for key, (version, digest) in report.items():
            if key not in versions:
                raise ValueError(f"pip chose {key}, which is not pinned")
            if version != versions[key]:
                raise ValueError(f"pip chose {key} {version}, not the pinned {versions[key]}")
            allowed[key].add(digest)
    return [Pin(pin.name, pin.version, frozenset(allowed[pin.key])) for pin in pins]


def target_options() -> list[tuple[str, list[str]]]:
    """Each target's name and pip options: this interpreter, then each CPython/Linux pair."""
    targets: list[tuple[str, list[str]]] = [("this interpreter", [])]
    for version in PYTHON_VERSIONS:
        for arch in ARCHITECTURES:
            tags = [f"manylinux_2_{minor}_{arch}" for minor in range(5, 37)]
            tags += [f"manylinux{legacy}_{arch}" for legacy in ("1", "2010", "2014")]
            options = ["--python-version", version, "--implementation", "cp"]
            for tag in tags:
                options += ["--platform", tag]
            targets.append((f"CPython {version} on Linux {arch}", options))
    return targets


def pip_report(pins_file: Path, options: Sequence[str]) -> dict[str, tuple[str, str]]:
    """What pip would install for ``options`` from the pins, without installing anything."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
               "--no-deps", "--quiet", "--report", "-", "-r", str(pins_file), *options]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    return hashes_from_report(json.loads(done.stdout))


def main(argv: Sequence[str]) -> int:
    """Print the hashed lock for the pins file named in ``argv``."""
    if len(argv) != 1:
        print("usage: python -m tools.hashlock PINS", file=sys.stderr)
        return 2
    pins_file = Path(argv[0])
    pins = parse_lock(pins_file.read_text("utf-8"))
    reports = []
    for index, (target, options) in enumerate(target_options()):
        try:
            reports.append(pip_report(pins_file, options))
        except RuntimeError as error:
            if index == 0:
                raise
            print(f"skipping {target}: {error}", file=sys.stderr)
    sys.stdout.write(render(merge(pins, reports)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
