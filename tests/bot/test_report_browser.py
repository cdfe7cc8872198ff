"""The HTML tray report in a real headless browser (Debian's chromium, driven by Selenium).

It must load without console errors, show the grid and the gaps, and fit a phone; a
screenshot is written to ``test-artefacts/`` (git-ignored) for a person to look at.
Skipped only when no chromium binary is installed.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.report_html import report_html
from handlers.coordination.tray_report import build_report
from handlers.core.i18n import Translator
from handlers.core.ports import Delivery, DemandCount, DemandFact

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium/chromedriver installed (apt-get install chromium chromium-driver)",
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def demo_report(demo: Catalogue, language: str) -> str:
    swimming = DemandFact(
        "nurmijarvi", "ar", "activities", kinds="sports", audiences="women",
        municipality="Nurmijärvi",
    )
    club = DemandFact("nurmijarvi", "uk", "activities", kinds="language_club", found=True)
    counts = [
        DemandCount(date(2026, 11, 16), swimming, 6),
        DemandCount(date(2026, 11, 20), club, 3),
    ]
    report = build_report(
        demo, OccurrenceIndex(demo, ()), "nurmijarvi", date(2026, 9, 1), date(2026, 11, 30),
        NOW, counts, Delivery(reminders_sent=12, requests=2, median_answer_hours=3.5),
    )
    return report_html(report, demo, Translator().speaker(language))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_report_loads_cleanly_and_shows_the_grid_and_the_gaps(
    demo: Catalogue, tmp_path: Path, language: str
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    page = tmp_path / f"report-{language}.html"
    page.write_text(demo_report(demo, language), encoding="utf-8")
    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=400,1800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.get(page.as_uri())
        grid = driver.find_element(By.ID, "tray-grid")
        gaps = driver.find_element(By.ID, "gaps")
        assert grid.is_displayed()
        assert gaps.is_displayed()
        assert len(grid.find_elements(By.TAG_NAME, "tr")) == 4  # a header and three levels
        assert "Nurmijärvi" in gaps.text
        log: list[dict[str, str]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
        errors = [e for e in log if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        scrolled, shown = driver.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
        )
        assert scrolled <= shown  # nothing runs off a narrow (phone-sized) window
        ARTEFACTS.mkdir(exist_ok=True)
        assert driver.save_screenshot(str(ARTEFACTS / f"tray-report-{language}.png"))
    finally:
        driver.quit()
