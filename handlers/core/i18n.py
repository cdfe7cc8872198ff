"""Per-user translations: one Babel ``Translations`` object chosen per message.

Catalogs are ``locales/<language>/LC_MESSAGES/tarjotin.po``; they are compiled in memory when
first needed, so the repository holds no generated ``.mo`` files. Never installs a
process-wide ``gettext``: two users in two languages are served side by side.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from catalog.vocabulary import PLAIN_FINNISH, RIGHT_TO_LEFT, SUPPORTED_LANGUAGES
from handlers.core.locale_data import formatting_locale

DOMAIN = "tarjotin"
SOURCE_LANGUAGE = "en"


def default_locales_dir() -> Path:
    """Where the catalogs are: inside the installed package, else the source tree's ``locales/``.

    A wheel carries them as ``handlers/locales/`` (``setup.py`` copies them there), so that a
    regular install speaks every language; a source checkout or an editable install reads
    ``locales/`` at the top of the tree, where translators edit them.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


#: Formatting locales where the bare language would pick another country's conventions:
#: English readers here live in Finland, so 24-hour times and day-month dates (en_GB).
_FORMAT_LOCALES = {PLAIN_FINNISH: "fi", "en": "en_GB"}


def babel_locale(language: str) -> Locale:
    """The Babel locale used to format dates and numbers for ``language``."""
    return formatting_locale(_FORMAT_LOCALES.get(language, language))


@dataclass(frozen=True)
class Speaker:
    """Everything needed to speak to one reader: their language, strings and locale."""

    language: str
    translations: NullTranslations

    def gettext(self, message: str) -> str:
        """Translate a message."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate a message that depends on a count."""
        return self.translations.ngettext(singular, plural, count)

    @cached_property
    def locale(self) -> Locale:
        """Babel locale for dates, times and language names."""
        return babel_locale(self.language)

    @property
    def right_to_left(self) -> bool:
        """Whether the reader's script runs right to left."""
        return self.language in RIGHT_TO_LEFT

    def language_name(self, code: str) -> str:
        """The name of language ``code`` in the reader's language.

        Plain Finnish has a name of its own, so that it never reads as a second "Finnish"
        beside Finnish (a list of spoken languages, a count per language).
        """
        if code == PLAIN_FINNISH:
            return self.gettext("Plain Finnish")
        name: str = self.locale.languages.get(code, code)
        return name


class Translator:
    """Loads each language's catalog once and hands out :class:`Speaker` objects."""

    def __init__(self, locales_dir: Path | None = None) -> None:
        self._dir = locales_dir or default_locales_dir()
        self._cache: dict[str, NullTranslations] = {}

    def catalog_path(self, language: str) -> Path:
        """Where the ``.po`` file of ``language`` lives."""
        return self._dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"

    def translations(self, language: str) -> NullTranslations:
        """The compiled translations of ``language`` (English is the source: no catalog)."""
        cached = self._cache.get(language)
        if cached is not None:
            return cached
        path = self.catalog_path(language)
        translations: NullTranslations
        if language == SOURCE_LANGUAGE or not path.is_file():
            translations = NullTranslations()
        else:
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=babel_locale(language))
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations = Translations(buffer, domain=DOMAIN)
        self._cache[language] = translations
        return translations

    def speaker(self, language: str) -> Speaker:
        """A :class:`Speaker` for ``language`` (unknown languages get English)."""
        if language not in SUPPORTED_LANGUAGES:
            language = SOURCE_LANGUAGE
        return Speaker(language, self.translations(language))
