"""Consistent, portable backups: every table to one gzip'd JSON-lines file, restorable into an empty
database of either kind (SQLite or PostgreSQL) at the same schema revision."""
from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import Date, DateTime, Engine, Integer, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from erp.core.extensions import db
from erp.core.money import FixedDecimal

FORMAT = "yigong-erp-backup"
BATCH = 1000


class RestoreError(RuntimeError):
    pass


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column) -> Callable:
    if isinstance(column.type, FixedDecimal):
        return Decimal
    column_type = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    return lambda value: value


def _revision(connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # an unmigrated database has no alembic_version table
        return None


def dump(engine: Engine, path: str, progress: Callable[[str, int], None] = lambda table, n: None) -> dict[str, int]:
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin(), \
            gzip.open(path, "wt", encoding="utf-8") as out:
        header = {"format": FORMAT, "version": 1, "revision": _revision(connection), "dialect": engine.dialect.name}
        out.write(json.dumps(header) + "\n")
        for table in db.metadata.sorted_tables:
            names = [c.name for c in table.columns]
            out.write(json.dumps({"table": table.name, "columns": names}, ensure_ascii=False) + "\n")
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order)).yield_per(BATCH)
            counts[table.name] = 0
            for row in rows:
                out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
                counts[table.name] += 1
            progress(table.name, counts[table.name])
    return counts


def _read(path: str):
    with gzip.open(path, "rt", encoding="utf-8") as source:
        header = json.loads(next(source))
        if header.get("format") != FORMAT:
            raise RestoreError(f"{path} is not a yigong-erp backup")
        yield header
        for line in source:
            yield json.loads(line)


def load(engine: Engine, path: str) -> dict[str, int]:
    records = _read(path)
    header = next(records)
    tables = {table.name: table for table in db.metadata.sorted_tables}
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        if header["revision"] != _revision(connection):
            raise RestoreError(f"backup is at schema revision {header['revision']}, the database at "
                               f"{_revision(connection)}: run `erp init-db` on an empty database of the same version")
        for table in tables.values():
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise RestoreError(f"the database is not empty (table {table.name} has rows): restore needs an empty one")
        table, decoders, batch = None, [], []

        def flush():
            if batch:
                connection.execute(insert(table), batch)
                counts[table.name] = counts.get(table.name, 0) + len(batch)
                batch.clear()

        for record in records:
            if isinstance(record, dict):
                flush()
                table = tables[record["table"]]
                columns = [table.columns[name] for name in record["columns"]]
                decoders = [(c.name, _decoder(c)) for c in columns]
                continue
            batch.append({name: None if value is None else decode(value)
                          for (name, decode), value in zip(decoders, record)})
            if len(batch) >= BATCH:
                flush()
        flush()
        if engine.dialect.name == "postgresql":
            for table in tables.values():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                        f"coalesce((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
    return counts
