"""Writing many rows at once: fresh ids, one COPY (PostgreSQL) or executemany (SQLite) per table.

The registry's bulk path and the imports store hundreds of thousands of rows with these;
they run inside the caller's transaction, so a write stores every row or none.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import polars as pl
from django.db import connection
from django.db.models import Model
from psycopg.copy import QueuedLibpqWriter

_CHUNK = 50_000


def ids_allocate(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, reserved inside the current transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Usually nobody else draws from the sequence meanwhile and the values are one run:
            # then only its ends travel; otherwise every value is fetched.
            draw = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s)"
            cursor.execute("SELECT min(id), max(id) FROM (" + draw + ") AS drawn", [table, count])  # noqa: S608 -- draw is the constant above; the values travel as parameters  # nosec B608
            low, high = cursor.fetchone()
            if high - low + 1 == count:
                return list(range(low, high + 1))
            cursor.execute(draw, [table, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody else takes these.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 -- draw is the constant above; the values travel as parameters -- table name from the model  # nosec B608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def rows_insert(table: str, frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` (columns named as the table's) in as few round trips as possible."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            # A writer thread sends each chunk while the next one is encoded (the server and
            # this process each keep a core busy).
            with cursor.cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
                for start in range(0, frame.height, _CHUNK):
                    buffer = io.BytesIO()
                    frame.slice(start, _CHUNK).write_csv(buffer, include_header=False, null_value="\\N")
                    copy.write(buffer.getvalue())
            return
        casts = [
            pl.col(name).cast(pl.String) if dtype == pl.Date else pl.col(name).cast(pl.Int8)
            for name, dtype in frame.schema.items()
            if dtype in (pl.Date, pl.Boolean)
        ]
        plain = frame.with_columns(casts) if casts else frame
        placeholders = ", ".join(["%s"] * len(frame.columns))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 -- draw is the constant above; the values travel as parameters -- names from the models  # nosec B608
        for start in range(0, plain.height, _CHUNK):
            cursor.executemany(sql, plain.slice(start, _CHUNK).rows())


def timestamp_literal(moment: datetime) -> str:
    """``moment`` written as the database stores a DateTimeField, for `rows_insert`."""
    if connection.vendor == "postgresql":
        return moment.isoformat()
    value = connection.ops.adapt_datetimefield_value(moment)
    return str(value)


def columns_check(model: type[Model], columns: Sequence[str]) -> None:
    """Refuse a writer whose columns are not exactly the table's (a field added, one forgotten)."""
    expected = {str(field.column) for field in model._meta.concrete_fields}
    if set(columns) != expected:
        raise RuntimeError(f"bulk writer out of date for {model.__name__}: {sorted(expected ^ set(columns))}")
