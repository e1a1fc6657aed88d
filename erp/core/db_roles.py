"""Least privilege on PostgreSQL: the migrations run as the tables' owner, the application as a role that
may only read and write rows (``erp init-db --app-role NAME``).

The application's role gets SELECT, INSERT, UPDATE, DELETE on every table of the schema — today's and, by
default privileges, every table a later migration creates — and USAGE on the sequences, minus what the
modules' manifests deny (``app_role_denied``: the audit log is append-only, the chain heads are never
deleted, the kept balances never written — the database's own SECURITY DEFINER functions write them), and
EXECUTE on just the functions the manifests name (``app_role_functions``). It owns nothing, so it cannot
ALTER or DROP a table, disable a trigger (the ledger's triggers refusing changes to posted vouchers and
keeping the balances, the chain heads' triggers) or TRUNCATE; not being a superuser, it cannot
``SET session_replication_role`` either. Re-run after every upgrade: the grants are recomputed from
scratch (a new module's exceptions included).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Alembic's bookkeeping: the application reads the schema revision (backups) and never writes it
ALWAYS_DENIED = {"alembic_version": ("INSERT", "UPDATE", "DELETE")}


class RoleSetupError(Exception):
    """The application role cannot be set up as asked (the message says why)."""


@dataclass(frozen=True)
class Grants:
    role: str
    created: bool
    tables: int
    denied: dict[str, tuple[str, ...]]
    functions: tuple[str, ...] = ()


def denied_privileges(manifests) -> dict[str, tuple[str, ...]]:
    """Table → statements the application role may not run, from the enabled modules' manifests."""
    denied = dict(ALWAYS_DENIED)
    for manifest in manifests:
        for table, statements in manifest.app_role_denied.items():
            denied[table] = tuple(sorted({*denied.get(table, ()), *statements}))
    return denied


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _check_role(connection: Connection, role: str) -> bool:
    """Whether ``role`` already exists; refuse a role that would hold the owner's powers."""
    if not ROLE_NAME.match(role):
        raise RoleSetupError(f"app role {role!r}: use lower-case letters, digits and _ (a plain SQL name)")
    row = connection.execute(text(
        "SELECT r.rolsuper, r.rolbypassrls, pg_has_role(:role, current_user, 'MEMBER') AS owner_powers "
        "FROM pg_roles r WHERE r.rolname = :role"), {"role": role}).first()
    if row is None:
        return False
    if row.rolsuper or row.rolbypassrls or row.owner_powers:
        raise RoleSetupError(f"app role {role} is a superuser or holds the owner's rights (it is, or is a member "
                             f"of, the role running the migrations): use a role of its own")
    return True


def set_up_app_role(connection: Connection, role: str, manifests, password: str | None = None) -> Grants:
    """Create ``role`` (LOGIN) if missing, then grant it DML on every table of the current schema (and the
    schema's future tables) except the denied statements. Run as the tables' owner, in one transaction."""
    if connection.dialect.name != "postgresql":
        raise RoleSetupError("database roles need PostgreSQL (SQLite has no users)")
    exists = _check_role(connection, role)
    quoted = connection.dialect.identifier_preparer.quote(role)
    secret = f" PASSWORD {_literal(password)}" if password else ""
    if not exists:
        connection.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE{secret}")
    elif password:
        connection.exec_driver_sql(f"ALTER ROLE {quoted}{secret}")
    schema = connection.dialect.identifier_preparer.quote(connection.execute(text("SELECT current_schema()")).scalar())
    statements = [
        # PostgreSQL before 15 lets everyone create objects in "public"; nobody but the owner should
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {quoted}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {quoted}",
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT {', '.join(DML)} ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {', '.join(DML)} ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)
    tables = set(connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    denied = {table: privileges for table, privileges in denied_privileges(manifests).items() if table in tables}
    for table, privileges in sorted(denied.items()):
        name = connection.dialect.identifier_preparer.quote(table)
        connection.exec_driver_sql(f"REVOKE {', '.join(privileges)} ON {name} FROM {quoted}")
    functions = [function for manifest in manifests for function in manifest.app_role_functions
                 if connection.execute(text("SELECT to_regprocedure(:f) IS NOT NULL"), {"f": function}).scalar()]
    connection.exec_driver_sql(f"REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} FROM {quoted}")
    for function in functions:  # a signature the manifest names and the database resolved above
        connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function} TO {quoted}")
    return Grants(role=role, created=not exists, tables=len(tables), denied=denied, functions=tuple(functions))


def owns_tables(connection: Connection) -> bool:
    """Whether the connected role owns (or is a member of the owner of) the schema's tables: the
    development set-up, not a deployment's (see :func:`set_up_app_role`)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.execute(text(
        "SELECT bool_or(pg_has_role(current_user, tableowner, 'USAGE')) FROM pg_tables "
        "WHERE schemaname = current_schema()")).scalar())
