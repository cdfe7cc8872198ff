"""A portable, logical copy of every table: one JSON object per row, through SQLAlchemy Core.

Values are written by their Python type, not by the backend's: an instant, a date, a clock
time, a duration or bytes become a one-key object (``{"$datetime": "..."}``), everything else
is plain JSON. Rows are read and written with this code's column types where it knows the
column (so an instant stays aware and UTC on SQLite as on PostgreSQL) and the reflected type
otherwise. A copy made on SQLite therefore loads into PostgreSQL and back.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Column, Connection, MetaData, Table, inspect, select, text
from sqlalchemy import table as table_clause
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer

from bot.storage.database import alembic_config
from bot.storage.models import Base

ROW_BATCH: Final = 1000
"""Rows read or inserted per round trip."""

VERSION_TABLE: Final = "alembic_version"
"""Alembic's bookkeeping: not copied; the archive's manifest names the revision instead."""


class RowFormatError(ValueError):
    """A line of a table's copy that is not a row this code can load."""


def encode_value(value: object) -> object:
    """A column value as JSON: plain when JSON has the type, else a one-key tagged object."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$interval": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict | list):
        return {"$json": value}
    raise TypeError(f"a value of type {type(value).__name__} cannot be copied")


_DECODERS: Final[dict[str, Callable[[Any], object]]] = {
    "$float": float,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$interval": lambda parts: timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2]),
    "$bytes": lambda text: base64.b64decode(text, validate=True),
    "$decimal": Decimal,
    "$json": lambda value: value,
}


def decode_value(value: object) -> object:
    """The Python value :func:`encode_value` wrote."""
    if not isinstance(value, dict):
        if isinstance(value, list):
            raise RowFormatError("a bare list is not a column value")
        return value
    if len(value) != 1:
        raise RowFormatError("a tagged value has exactly one key")
    [(tag, inner)] = value.items()
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise RowFormatError(f"unknown value tag {tag!r}")
    try:
        return decoder(inner)
    except (TypeError, ValueError, IndexError, ArithmeticError) as error:
        raise RowFormatError(f"a {tag} value that cannot be read ({error})") from None


def encode_row(row: Mapping[str, Any]) -> str:
    """One row as one line of JSON (no newline)."""
    encoded = {name: encode_value(value) for name, value in row.items()}
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def decode_row(line: str, columns: Iterable[str]) -> dict[str, object]:
    """One line back to a row; a key that is not a column of the table is refused."""
    try:
        data = json.loads(line)
    except ValueError as error:
        raise RowFormatError(f"not JSON ({error.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise RowFormatError("a row is a JSON object")
    unknown = set(data) - set(columns)
    if unknown:
        raise RowFormatError(f"no column {sorted(unknown)[0]!r} in the table")
    return {name: decode_value(value) for name, value in data.items()}


def typed_tables(connection: Connection) -> list[Table]:
    """The database's tables as they are, parents before children, typed as this code reads them.

    Reflection gives the columns of whatever revision the database is at; the column types of
    :mod:`bot.storage.models` replace the reflected ones where the column is known (SQLite
    reflects an interval or an aware instant as a plain ``DATETIME``).
    """
    reflected = MetaData()
    reflected.reflect(connection)
    typed = MetaData()
    tables = []
    for table in reflected.sorted_tables:
        if table.name == VERSION_TABLE:
            continue
        own = Base.metadata.tables.get(table.name)
        columns = [
            Column(
                column.name,
                own.c[column.name].type if own is not None and column.name in own.c
                else column.type,
                primary_key=column.primary_key,
                autoincrement=False,
            )
            for column in table.columns
        ]
        tables.append(Table(table.name, typed, *columns))
    return tables


async def dump_table(
    connection: AsyncConnection, table: Table, write_line: Callable[[str], object]
) -> int:
    """Write every row of ``table`` (in primary-key order) as lines; return how many."""
    count = 0
    statement = select(table).order_by(*table.primary_key.columns)
    result = await connection.stream(statement)
    async for rows in result.mappings().partitions(ROW_BATCH):
        for row in rows:
            write_line(encode_row(dict(row)) + "\n")
            count += 1
    return count


def _batches(rows: Iterable[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROW_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def load_table(
    connection: AsyncConnection, table: Table, lines: Iterable[str]
) -> int:
    """Insert the rows of ``lines`` into ``table``; return how many."""
    names = [column.name for column in table.columns]

    def rows() -> Iterator[dict[str, object]]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield decode_row(line, names)
            except RowFormatError as error:
                raise RowFormatError(f"line {number}: {error}") from None

    count = 0
    for batch in _batches(rows()):
        await connection.execute(table.insert(), batch)
        count += len(batch)
    return count


async def reset_sequences(connection: AsyncConnection, tables: Iterable[Table]) -> int:
    """PostgreSQL: move each serial column's sequence past the loaded ids; return how many.

    Rows were inserted with their ids, which does not advance a sequence: the next insert
    would otherwise collide with a restored row. SQLite needs nothing (it uses the largest id).
    """
    if connection.dialect.name != "postgresql":
        return 0
    reset = 0
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = (
                await connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
            ).scalar()
            if sequence is None:
                continue
            highest = (await connection.execute(select(column).order_by(column.desc()).limit(1)))
            last = highest.scalar()
            await connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": last or 1, "called": last is not None},
            )
            reset += 1
    return reset


def known_revisions() -> list[str]:
    """Every schema revision this code can migrate from, oldest first."""
    from alembic.script import ScriptDirectory  # imported by backups only, not at every start

    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return known_revisions()[-1]


def current_revision(connection: Connection) -> str | None:
    """The database's schema revision; ``None`` when it has none (a fresh database)."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if heads else None


def upgrade(connection: Connection, revision: str) -> None:
    """Migrate the schema on ``connection`` (in its transaction) up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def has_rows(connection: Connection) -> bool:
    """Whether any table of the database's schema holds a row (the revision mark aside)."""
    names = [name for name in inspect(connection).get_table_names() if name != VERSION_TABLE]
    probes = (select(text("1")).select_from(table_clause(name)).limit(1) for name in names)
    return any(connection.execute(probe).first() is not None for probe in probes)


def drop_schema(connection: Connection) -> None:
    """Drop every table of the database's schema, children first, and the revision mark.

    Every table, not only those this code knows: rolling back means restoring into a database
    a newer version migrated, whose new tables would otherwise block the next upgrade. Hence
    the README's advice to give Tarjotin a database (or schema) of its own.
    """
    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)
