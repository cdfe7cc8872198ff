"""The shipped holiday table is the ``holidays`` package's, and is what the product reads."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from catalog.holidays import PACKAGE_NAMES, finnish_holidays, package_holidays, public_holiday
from tools.holiday_table import FIRST_YEAR, LAST_YEAR, years


def test_the_shipped_file_is_what_the_installed_package_says_for_every_year() -> None:
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        assert finnish_holidays(year) == package_holidays(year), year


def test_the_tool_writes_every_year_with_every_holiday() -> None:
    written = years()
    assert sorted(map(int, written)) == list(range(FIRST_YEAR, LAST_YEAR + 1))
    assert all(set(days) == set(PACKAGE_NAMES) for days in written.values())


def test_a_year_outside_the_table_is_asked_from_the_package() -> None:
    year = FIRST_YEAR - 1
    days = finnish_holidays(year)
    assert days["independence_day"] == date(year, 12, 6)
    assert days == package_holidays(year)


def test_the_days_of_a_known_year() -> None:
    assert public_holiday(date(2027, 3, 26)) == "good_friday"
    assert public_holiday(date(2027, 6, 25)) == "midsummer_eve"
    assert public_holiday(date(2027, 6, 28)) is None


def test_answering_about_holidays_does_not_import_the_package() -> None:
    """The point of the table: the package's every country and calendar stay unloaded."""
    code = (
        "import sys; from datetime import date; from catalog.holidays import public_holiday;"
        "assert public_holiday(date(2026, 12, 6)) == 'independence_day';"
        "print('holidays' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "False"
