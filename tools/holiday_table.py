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


def table() -> dict[str, object]:
    """The file's content: the package's version and every year's dates by key."""
    return {
        "source": f"holidays {metadata.version('holidays')}, country FI",
        "years": {
            str(year): {key: day.isoformat() for key, day in package_holidays(year).items()}
            for year in range(FIRST_YEAR, LAST_YEAR + 1)
        },
    }


def main() -> None:
    """Write the file next to the catalogue's other data."""
    path = Path(__file__).resolve().parent.parent / "catalog" / "data" / TABLE_NAME
    content = table()
    years = content["years"]
    assert isinstance(years, dict)
    lines = [f"  {json.dumps(year)}: {json.dumps(days)}" for year, days in years.items()]
    text = f'{{"source": {json.dumps(content["source"])},\n "years": {{\n'
    path.write_text(text + ",\n".join(lines) + "\n}}\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
