"""The single wiring place: builds every long-lived object from the settings.

Nothing is constructed at import time anywhere in the project; commands and tests call
:func:`build_app` (or build the parts they need by hand, with fakes).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.config import Settings
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database, database_url
from catalog.model import Catalogue
from catalog.parse import load_catalogue
from handlers.i18n import Translator

log = logging.getLogger(__name__)


def demo_catalogue_path() -> Path:
    """The demo catalogue shipped with the package (four networks, invented data)."""
    return Path(str(resources.files("catalog").joinpath("data/demo-catalog.yaml")))


@dataclass
class App:
    """The wired application: storage, translations and settings."""

    settings: Settings
    database: Database
    catalog_store: CatalogStore
    translator: Translator

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.close()


async def build_app(settings: Settings) -> App:
    """Open the database, upgrade it to the newest schema and wire the parts together."""
    url = database_url(
        settings.data_dir,
        settings.database_url.get_secret_value() if settings.database_url else None,
    )
    database = await Database.open(url)
    return App(
        settings=settings,
        database=database,
        catalog_store=CatalogStore(database.sessions),
        translator=Translator(),
    )


async def ensure_catalogue(app: App) -> Catalogue:
    """The stored catalogue; an empty database is first filled from the configured file.

    With no ``TARJOTIN_CATALOG_FILE`` the demo catalogue is loaded, so the product can be tried
    without any setup.
    """
    if await app.catalog_store.is_empty():
        source = app.settings.catalog_file or demo_catalogue_path()
        print(f"Loading the catalogue {source} into an empty database.", file=sys.stderr)
        await app.catalog_store.apply(load_catalogue(source))
    return await app.catalog_store.load()
