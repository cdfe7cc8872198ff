"""The package installed as a user gets it (a wheel, not the source tree) speaks every language.

The wheel is built from a copy of the files a build needs, installed with ``--no-deps`` into a
fresh virtual environment that has no system site-packages. Its third-party dependencies come
from the environment running the tests (a ``.pth`` line naming that site-packages: the directory
is put on the path, but its own ``.pth`` files, such as an editable install's hook, are not
run), so the test needs no network once the wheel's build backend is cached. Tarjotin's own
files come only from the wheel: the commands run from a temporary directory outside the tree
without ``PYTHONPATH``, and the test checks where ``bot`` was imported from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
#: What a build reads: the metadata, the build hook and the packages with their data.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md",
                "bot", "handlers", "catalog", "locales")  # fmt: skip
ARABIC_QUESTION = "أين يمكنني تعلم اللغة الفنلندية؟"
ASKED_AT = "2026-11-18T10:00"
A_WEDNESDAY = "2026-11-18"

pytestmark = pytest.mark.slow


def _source_catalog(language: str) -> Catalog:
    path = ROOT / "locales" / language / "LC_MESSAGES" / "tarjotin.po"
    with path.open("rb") as handle:
        return read_po(handle, locale="fi" if language == "fi-x-plain" else language)


def _msgstr(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    assert message is not None
    assert isinstance(message.string, str)
    assert message.string
    return message.string


def _pattern(msgstr: str) -> re.Pattern[str]:
    """A regular expression for a formatted ``msgstr``: each placeholder stands for any text."""
    parts = re.split(r"%\(\w+\)[sd]", msgstr)
    return re.compile(".+".join(re.escape(part) for part in parts))


def _clean_environment(data_dir: Path) -> dict[str, str]:
    """The caller's environment without the source tree on the path or any Tarjotin setting."""
    kept = {
        name: value for name, value in os.environ.items()
        if name != "PYTHONPATH" and not name.startswith("TARJOTIN_")
    }  # fmt: skip
    return {**kept, "TARJOTIN_DATA_DIR": str(data_dir), "PYTHONNOUSERSITE": "1"}


class Installed:
    """A virtual environment holding Tarjotin installed from its wheel."""

    def __init__(self, home: Path, work: Path) -> None:
        self.home = home
        self.work = work
        self.env = _clean_environment(work / "data")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a program of the environment from the scratch directory; fail on an error."""
        done = subprocess.run(
            [str(self.home / "bin" / args[0]), *args[1:]], cwd=self.work, env=self.env,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, home, work = (base / name for name in ("src", "dist", "venv", "work"))
    for name in BUILD_INPUTS:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(source)],
                   check=True, cwd=base, timeout=600)  # fmt: skip
    (wheel,) = wheels.glob("tarjotin-*.whl")
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(home)
    python = home / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())  # fmt: skip
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz_tarjotin_test_dependencies.pth").write_text("\n".join(ours) + "\n", "utf-8")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index",
                    str(wheel)], check=True, cwd=base, timeout=600)  # fmt: skip
    work.mkdir()
    yield Installed(home, work)
    shutil.rmtree(base, ignore_errors=True)


def test_the_package_comes_from_the_wheel_not_the_source_tree(installed: Installed) -> None:
    shown = installed.run(
        "python", "-c",
        "import bot, handlers.core.i18n as i18n; print(bot.__file__); "
        "print(i18n.default_locales_dir())",
    ).stdout.split("\n")  # fmt: skip
    module, locales = Path(shown[0]).resolve(), Path(shown[1]).resolve()
    assert module.is_relative_to(installed.home.resolve())
    assert locales.is_relative_to(installed.home.resolve())
    assert not module.is_relative_to(ROOT)
    languages = {path.parent.parent.name for path in locales.glob("*/LC_MESSAGES/tarjotin.po")}
    assert languages == {path.name for path in (ROOT / "locales").iterdir() if path.is_dir()}


def test_an_arabic_question_is_answered_in_arabic(installed: Installed) -> None:
    answer = json.loads(
        installed.run("tarjotin", "ask", "--now", ASKED_AT, "--json", ARABIC_QUESTION).stdout
    )
    arabic = _source_catalog("ar")
    assert answer["language"] == "ar"
    assert answer["results"]
    assert _msgstr(arabic, "Free") in answer["reply"]
    assert _msgstr(arabic, "Just come") in answer["reply"]
    assert "Free" not in answer["reply"]


def test_the_week_in_somali_has_somali_headings(installed: Installed) -> None:
    lines = installed.run("tarjotin", "week", "--lang", "so", "--date", A_WEDNESDAY).stdout
    first, second = lines.split("\n")[:2]
    somali = _source_catalog("so")
    assert first == _msgstr(somali, "All networks")
    assert _pattern(_msgstr(somali, "Week %(number)d: %(first)s – %(last)s")).fullmatch(second)


def test_the_console_templates_and_stylesheet_are_in_the_wheel(installed: Installed) -> None:
    shown = installed.run(
        "python", "-c",
        "from bot.console.web import environment, stylesheet; "
        "print(len(environment().list_templates())); print(len(stylesheet()))",
    ).stdout.split()  # fmt: skip
    source = ROOT / "bot" / "console"
    assert int(shown[0]) == len(list((source / "templates").glob("*.html")))
    assert int(shown[1]) == len((source / "static" / "console.css").read_bytes())
