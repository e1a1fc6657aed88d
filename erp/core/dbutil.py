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
