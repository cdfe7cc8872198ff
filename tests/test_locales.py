"""Every language's catalog is complete: each source string translated, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.i18n import SOURCE_LANGUAGE, Translator, default_locales_dir

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TEMPLATES = [("**.html", "jinja2.ext:babel_extract")]
"""The console's Jinja2 templates: their ``_("…")`` strings are in the catalogs too."""
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for package in ("bot", "handlers", "catalog"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message)
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot" / "console" / "templates", method_map=TEMPLATES, keywords=KEYWORDS
    ):
        found.add(message)
    return found


def test_strings_are_extracted() -> None:
    messages = source_messages()
    assert "Free" in messages
    assert len(messages) > 20


@pytest.mark.parametrize(
    "language", [lang for lang in SUPPORTED_LANGUAGES if lang != SOURCE_LANGUAGE]
)
def test_catalog_is_complete(language: str) -> None:
    path = Translator(default_locales_dir()).catalog_path(language)
    assert path.is_file(), f"no catalog for {language}"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing, fuzzy, broken = [], [], []
    for message in source_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if entry is None:
            missing.append(key)
            continue
        if entry.fuzzy:
            fuzzy.append(key)
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(translations):
            missing.append(key)
        wanted = set(PLACEHOLDER.findall(key))
        for translated in translations:
            if translated and set(PLACEHOLDER.findall(str(translated))) != wanted:
                broken.append(key)
    assert not missing, f"{language}: untranslated {missing}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy}"
    assert not broken, f"{language}: placeholders differ in {broken}"
