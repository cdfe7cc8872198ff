"""Write ``catalog/data/holidays-fi.json`` from the installed ``holidays`` package.

``python -m tools.holiday_table`` after upgrading the package; ``tests/catalog/test_holidays.py``
fails while the file and the package disagree. The product reads the file so that answering
does not import the package (see :mod:`catalog.holidays`).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from catalog.holidays import TABLE_NAME, package_holidays

#: The years the file covers; others are asked from the package at run time.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def years() -> dict[str, dict[str, str]]:
    """Every year's dates by key, as the installed package gives them."""
    return {
        str(year): {key: day.isoformat() for key, day in package_holidays(year).items()}
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    }


def render() -> str:
    """The file's text: the package's version, then one line per year."""
    source = json.dumps(f"holidays {metadata.version('holidays')}, country FI")
    lines = [f"  {json.dumps(year)}: {json.dumps(days)}" for year, days in years().items()]
    return f'{{"source": {source},\n "years": {{\n' + ",\n".join(lines) + "\n}}\n"


def main() -> None:
    """Write the file next to the catalogue's other data."""
    path = Path(__file__).resolve().parent.parent / "catalog" / "data" / TABLE_NAME
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
