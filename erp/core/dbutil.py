"""Small database helpers shared by the services."""
from __future__ import annotations


def dialect_insert(bind):
    """The INSERT construct with ``on_conflict_do_*`` for this database (PostgreSQL or SQLite).

    ``bind`` is a Session, a Connection or an Engine."""
    bind = bind.get_bind() if hasattr(bind, "get_bind") else bind
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


# SQLSTATEs that mean "another transaction got there first": deadlock, serialization failure, lock not
# available, and a unique violation (two writers inserting the same document key at once). The services
# check these conditions under row locks, so reaching the database's own refusal means a race: retry.
CONCURRENCY_SQLSTATES = {"40P01": "deadlock", "40001": "serialization failure", "55P03": "lock not available",
                         "23505": "unique violation"}


def concurrency_failure(exc: BaseException) -> str | None:
    """What the database refused when ``exc`` (a SQLAlchemy DBAPIError) is a lost race, else None."""
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in CONCURRENCY_SQLSTATES:
        return CONCURRENCY_SQLSTATES[sqlstate]
    if orig is not None and type(orig).__module__.startswith("sqlite3") and "UNIQUE constraint failed" in str(orig):
        return CONCURRENCY_SQLSTATES["23505"]
    return None
