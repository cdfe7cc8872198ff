"""Persistence: the SQL schema, its migrations, and the catalogue repository."""

from bot.storage.catalog_store import (
    CatalogStore,
    CatalogueMissingError,
    ImportSummary,
    RecordCounts,
    UnknownRecordError,
)
from bot.storage.database import Database, create_engine, database_url, migrate_to_head

__all__ = [
    "CatalogStore",
    "CatalogueMissingError",
    "Database",
    "ImportSummary",
    "RecordCounts",
    "UnknownRecordError",
    "create_engine",
    "database_url",
    "migrate_to_head",
]
