"""Re-extract the translatable strings and merge them into every language's catalog.

Run ``python locales/update_catalogs.py`` (or ``make messages``) after changing user-facing
text. New strings arrive untranslated; ``tests/test_locales.py`` fails until a translator
fills them in. Plain Finnish (``fi-x-plain``) uses Finnish plural rules.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
DOMAIN = "tarjotin"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TEMPLATES = [("**.html", "jinja2.ext:babel_extract")]
LANGUAGES = ("fi", "fi-x-plain", "sv", "ru", "uk", "et", "ar", "fa", "so", "tr", "zh", "es", "fr")


def template() -> Catalog:
    """Every translatable string in the source tree."""
    catalog = Catalog(project="Tarjotin", domain=DOMAIN)
    for package in ("bot", "handlers", "catalog"):
        for filename, line, message, comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(message, None, [(f"{package}/{filename}", line)], auto_comments=comments,
                        context=context)
    for filename, line, message, comments, context in extract_from_dir(
        ROOT / "bot" / "console" / "templates", method_map=TEMPLATES, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(f"bot/console/templates/{filename}", line)],
                    auto_comments=comments, context=context)
    return catalog


def update(language: str, source: Catalog) -> None:
    """Merge ``source`` into one language's catalog, creating it when missing."""
    locale = Locale.parse("fi" if language == "fi-x-plain" else language)
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project="Tarjotin")
    catalog.update(source, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True,
                 width=100)


def main() -> None:
    """Update every catalog."""
    source = template()
    for language in LANGUAGES:
        update(language, source)
    print(f"{len(source)} strings, {len(LANGUAGES)} catalogs updated in {LOCALES}")


if __name__ == "__main__":
    main()
