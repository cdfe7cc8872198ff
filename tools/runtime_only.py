"""Strip an environment down to what a project needs at run time (the container image).

The image installs every pin of the hashed ``requirements.lock`` (the only file pip may take
dependencies from), which includes the test tools. ``python -m tools.runtime_only tarjotin``
then uninstalls each distribution that the installed project does not need, following the
installed metadata (its dependencies, their extras, recursively), so no list is kept by hand.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: What any environment keeps: the installer itself.
ALWAYS_KEPT = frozenset({"pip", "setuptools", "wheel"})


def requirements_of(requires: Iterable[str], extras: Iterable[str]) -> list[Requirement]:
    """The requirements that apply here for a distribution installed with ``extras``."""
    wanted = ("", *extras)
    applying = []
    for line in requires:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in wanted):
            applying.append(requirement)
    return applying


def closure(root: str, requires: Mapping[str, Sequence[str]]) -> set[str]:
    """Every project ``root`` needs, itself included, from a map of name → requirement lines."""
    needed: dict[str, set[str]] = {}
    pending: list[tuple[str, frozenset[str]]] = [(canonicalize_name(root), frozenset())]
    while pending:
        name, extras = pending.pop()
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        if name not in requires:
            raise LookupError(f"{name} is needed but not installed")
        for requirement in requirements_of(requires[name], needed[name]):
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return set(needed)


def installed() -> dict[str, list[str]]:
    """Each distribution installed in this environment → its requirement lines.

    When a name is found twice on the path, the first one wins, as it does for imports.
    """
    found: dict[str, list[str]] = {}
    for dist in metadata.distributions():
        found.setdefault(canonicalize_name(dist.metadata["Name"]), list(dist.requires or []))
    return found


def main(argv: Sequence[str]) -> int:
    """Uninstall whatever the project named in ``argv`` does not need."""
    if len(argv) != 1:
        print("usage: python -m tools.runtime_only PROJECT", file=sys.stderr)
        return 2
    present = installed()
    unneeded = sorted(set(present) - closure(argv[0], present) - ALWAYS_KEPT)
    if unneeded:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *unneeded],
                       check=True)  # fmt: skip
    print(f"kept {len(present) - len(unneeded)} distributions, removed {len(unneeded)}: "
          + " ".join(unneeded))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
