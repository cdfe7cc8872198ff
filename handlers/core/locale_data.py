"""Babel locales with only the CLDR data this product formats with.

Babel keeps each loaded locale's whole CLDR dictionary, and its parents' (``en_GB`` holds
``en_001``, ``en`` and ``root`` too): ~1 MiB a locale, most of it names of units, currencies,
time zones and territories that a chat about activities never prints. The thirteen reply
languages held ~15 MiB of it. :func:`formatting_locale` drops those tables once per locale;
what is kept (months, days, date, time and skeleton formats, day periods, list patterns,
number symbols, language names) is everything :mod:`handlers.core.formatting`, list formatting
and :meth:`handlers.core.i18n.Speaker.language_name` read.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from babel import Locale, localedata
from babel.core import get_global

#: CLDR tables nothing here reads (Babel's ``load`` returns its cached dictionary, so removing
#: them frees them for the life of the process).
UNUSED_TABLES = (
    "compact_currency_formats",
    "compact_decimal_formats",
    "compound_unit_patterns",
    "currency_names",
    "currency_names_plural",
    "currency_symbols",
    "date_fields",
    "meta_zones",
    "scripts",
    "territories",
    "time_zones",
    "unit_display_names",
    "unit_patterns",
    "variants",
)


def _inheritance(identifier: str) -> list[str]:
    """``identifier`` and the locales Babel merges into it, as its ``load`` finds them."""
    chain = [identifier]
    exceptions: Mapping[str, str] = get_global("parent_exceptions")
    while chain[-1] != "root":
        name = chain[-1]
        parent = exceptions.get(name) or ("_".join(name.split("_")[:-1]) or "root")
        chain.append(parent)
    return chain


@cache
def formatting_locale(identifier: str) -> Locale:
    """The Babel locale ``identifier`` (``en_GB``, ``fi``), its unused CLDR tables dropped."""
    locale = Locale.parse(identifier)
    for name in _inheritance(str(locale)):
        if localedata.exists(name):
            data = localedata.load(name)
            for table in UNUSED_TABLES:
                data.pop(table, None)
    return locale
