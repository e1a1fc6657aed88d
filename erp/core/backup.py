"""Consistent, portable backups: every table to one gzip'd JSON-lines file, restorable into an empty
database of either kind (SQLite or PostgreSQL) at the same schema revision."""
from __future__ import annotations

import gzip
import json
import zlib
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import Date, DateTime, Engine, Integer, func, insert, inspect, select, text
from sqlalchemy.types import TypeDecorator

from erp.core.extensions import db
from erp.core.money import FixedDecimal

FORMAT = "yigong-erp-backup"
BATCH = 1000


class RestoreError(RuntimeError):
    pass


def encode_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def column_decoder(column) -> Callable:
    if isinstance(column.type, FixedDecimal):
        return Decimal
    column_type = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    return lambda value: value


def _revision(connection) -> str | None:
    """The schema revision: the heads of the modules' migration branches, sorted and joined by commas."""
    # Look before reading: a failed SELECT would abort the whole (PostgreSQL) transaction.
    if not inspect(connection).has_table("alembic_version"):
        return None  # an unmigrated database
    heads = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(heads)) or None


def dump(engine: Engine, path: str, progress: Callable[[str, int], None] = lambda table, n: None) -> dict[str, int]:
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin(), \
            gzip.open(path, "wt", encoding="utf-8") as out:
        if engine.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
            # pysqlite begins no transaction for SELECTs, so each table would be read at a different
            # moment: BEGIN makes the reads one snapshot (writers wait until the backup is done).
            connection.exec_driver_sql("BEGIN")
        header = {"format": FORMAT, "version": 1, "revision": _revision(connection), "dialect": engine.dialect.name}
        out.write(json.dumps(header) + "\n")
        for table in db.metadata.sorted_tables:
            names = [c.name for c in table.columns]
            out.write(json.dumps({"table": table.name, "columns": names}, ensure_ascii=False) + "\n")
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order)).yield_per(BATCH)
            counts[table.name] = 0
            for row in rows:
                out.write(json.dumps([encode_value(v) for v in row], ensure_ascii=False) + "\n")
                counts[table.name] += 1
            progress(table.name, counts[table.name])
    return counts


def _read(path: str):
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(next(source, "null"))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise RestoreError(f"{path} is not a yigong-erp backup")
            yield header
            for line in source:
                yield json.loads(line)
    except (OSError, EOFError, zlib.error, ValueError) as exc:  # not gzip, cut short, not JSON, not UTF-8
        raise RestoreError(f"{path} is not a yigong-erp backup or is damaged: {exc}") from exc


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Order a self-referencing table's rows so that a row comes after the rows it refers to
    (PostgreSQL checks the foreign key on each insert; ids need not follow the hierarchy)."""
    links = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    if not links:
        return rows
    ordered, placed, pending = [], set(), rows
    while pending:
        waiting = []
        for row in pending:
            if all(row[local] is None or (remote, row[local]) in placed
                   or row[local] == row[remote] for local, remote in links):
                ordered.append(row)
                placed.update((remote, row[remote]) for _, remote in links)
            else:
                waiting.append(row)
        if len(waiting) == len(pending):  # a cycle, or a dangling reference: let the database say so
            return ordered + waiting
        pending = waiting
    return ordered


def _pause_triggers(connection, tables: dict) -> list[tuple[str, str]]:
    """Disable the tables' own triggers (PostgreSQL) until the rows are in: they guard changes, and a
    restore changes nothing, e.g. the ledger's refuses lines of a posted voucher. Foreign keys stay
    checked; ALTER TABLE locks each table and is undone if the restore fails."""
    if connection.dialect.name != "postgresql":
        return []
    enabled = connection.execute(text(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname = ANY(:tables) "
        "AND pg_table_is_visible(c.oid) ORDER BY 1, 2"), {"tables": list(tables)}).all()
    for table, trigger in enabled:
        connection.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    return [tuple(row) for row in enabled]


def _resume_triggers(connection, paused: list[tuple[str, str]]) -> None:
    for table, trigger in paused:
        connection.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')


def load(engine: Engine, path: str) -> dict[str, int]:
    records = _read(path)
    header = next(records)
    tables = {table.name: table for table in db.metadata.sorted_tables}
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        if header.get("revision") != _revision(connection):
            raise RestoreError(f"backup is at schema revision {header.get('revision')}, the database at "
                               f"{_revision(connection)}: run `erp init-db` on an empty database of the same version")
        for table in tables.values():
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise RestoreError(f"the database is not empty (table {table.name} has rows): restore needs an empty one")
        paused = _pause_triggers(connection, tables)
        table, decoders, batch, self_referencing = None, [], [], False

        def flush(table_done: bool = False):
            nonlocal batch
            if self_referencing and not table_done:
                return  # inserted all at once, in dependency order
            if self_referencing:
                batch = _parents_first(table, batch)
            for start in range(0, len(batch), BATCH):
                connection.execute(insert(table), batch[start:start + BATCH])
            counts[table.name] += len(batch)
            batch = []

        for record in records:
            if isinstance(record, dict):
                if table is not None:
                    flush(table_done=True)
                if record.get("table") not in tables:
                    raise RestoreError(f"{path}: table {record.get('table')} is not in this installation's models")
                table = tables[record["table"]]
                unknown = [name for name in record["columns"] if name not in table.columns]
                if unknown:
                    raise RestoreError(f"{path}: table {table.name} has no column {', '.join(unknown)}")
                decoders = [(name, column_decoder(table.columns[name])) for name in record["columns"]]
                self_referencing = any(fk.column.table is table for fk in table.foreign_keys)
                counts[table.name] = 0
                continue
            if table is None or not isinstance(record, list) or len(record) != len(decoders):
                raise RestoreError(f"{path} is damaged: a row that does not fit its table's columns")
            batch.append({name: None if value is None else decode(value)
                          for (name, decode), value in zip(decoders, record)})
            if len(batch) >= BATCH:
                flush()
        if table is not None:
            flush(table_done=True)
        _resume_triggers(connection, paused)
        if engine.dialect.name == "postgresql":
            for table in tables.values():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                        f"coalesce((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
    return counts
