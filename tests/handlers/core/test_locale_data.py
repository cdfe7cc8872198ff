"""Trimmed Babel locales format exactly as whole ones do."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import localedata
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list

from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.i18n import babel_locale
from handlers.core.locale_data import UNUSED_TABLES, formatting_locale

#: Everything the product formats with Babel, for one locale; run here on trimmed locales and
#: in a fresh interpreter on Babel's own (nothing imported from the product there).
_SAMPLE = """
def sample(locale):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo
    from babel.dates import format_date, format_skeleton, format_time
    from babel.lists import format_list
    moment = datetime(2027, 2, 23, 17, 45, tzinfo=ZoneInfo("Europe/Helsinki"))
    day = date(2027, 2, 23)
    return [
        format_date(day, locale.date_formats["full"].pattern, locale=locale),
        format_date(day, "medium", locale=locale),
        format_skeleton("MMMMd", day, locale=locale),
        format_skeleton("MMMd", day, locale=locale),
        format_time(moment, format="short", locale=locale),
        format_list(["a", "b", "c"], locale=locale),
        format_list(["a", "b"], style="standard", locale=locale),
        [locale.languages.get(code, code) for code in ("fi", "sv", "ar", "so", "de")],
        locale.character_order,
    ]
"""


def _whole_babel(identifiers: list[str]) -> list[object]:
    program = _SAMPLE + (
        "import json, sys\nfrom babel import Locale\n"
        "print(json.dumps([sample(Locale.parse(i)) for i in sys.argv[1:]]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program, *identifiers], check=True, capture_output=True, text=True
    ).stdout
    result: list[object] = json.loads(output)
    return result


def test_every_reply_language_formats_as_with_babels_whole_data() -> None:
    namespace: dict[str, object] = {}
    exec(_SAMPLE, namespace)
    sample = namespace["sample"]
    locales = [babel_locale(language) for language in SUPPORTED_LANGUAGES]
    assert callable(sample)
    trimmed = [json.loads(json.dumps(sample(locale))) for locale in locales]
    assert trimmed == _whole_babel([str(locale) for locale in locales])


def test_the_unused_tables_are_gone_from_the_locale_and_its_parents() -> None:
    formatting_locale("en_GB")
    for name in ("en_GB", "en_001", "en", "root"):
        data = localedata.load(name)
        assert not set(UNUSED_TABLES) & set(data), name
        assert "months" in data
        assert "languages" in data


def test_a_trimmed_locale_still_formats_a_date_and_a_time() -> None:
    locale = formatting_locale("fi")
    moment = datetime(2027, 6, 25, 9, 5, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert format_date(date(2027, 6, 25), "d.M.", locale=locale) == "25.6."
    assert format_time(moment, format="short", locale=locale) == "9.05"
    assert format_skeleton("MMMMd", date(2027, 6, 25), locale=locale) == "25. kesäkuuta"
    assert format_list(["a", "b"], locale=locale) == "a ja b"
