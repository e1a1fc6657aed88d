"""The ``erp`` command: init-db, load-demo, create-user, serve, audit verify, backup, restore."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from erp.core.extensions import db


def _create_app():
    from erp.core.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def main() -> None:
    """yigong-erp: 医共体一体化财务与采购管理."""


@main.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from erp.core.schema_migrations import upgrade_database

    upgrade_database()
    click.echo(f"database at the head of every enabled module: {db.engine.url.render_as_string(hide_password=True)}")


@main.command("load-demo")
@with_appcontext
def load_demo() -> None:
    """Load the demo community (idempotent), with every module's demo data."""
    from erp.core.registry import import_object
    from erp.core.session_context import system_actor

    system_actor(db.session, "load-demo")
    modules = [m for m in current_app.extensions["erp"].registry if m.demo_loader]
    with click.progressbar(modules, label="loading demo", item_show_func=lambda m: m.name if m else "") as bar:
        for manifest in bar:
            import_object(manifest.demo_loader)(db.session)
            db.session.commit()
    from erp.core.demo import DEMO_PASSWORD, USERS

    click.echo("demo logins (password: %s): %s" % (DEMO_PASSWORD, ", ".join(u[0] for u in USERS)))


@main.command("create-user")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--role", required=True, help="admin, finance, chief_accountant, accountant, clerk, procurement, "
                                             "pharmacy, hr, auditor")
@click.option("--institution", "institutions", multiple=True, help="institution code; none = the whole community")
@click.option("--community", help="community code (needed only when the database holds several)")
@with_appcontext
def create_user(name, password, role, institutions, community) -> None:
    """Create a user who can sign in."""
    from erp.core.errors import BusinessError
    from erp.core.models import Community
    from erp.core.services import create_user as create
    from erp.core.session_context import system_actor

    communities = db.session.scalars(select(Community).where(Community.code == community) if community
                                     else select(Community)).all()
    if len(communities) != 1:
        raise click.ClickException("name the community with --community CODE" if communities
                                   else "no such community: run `erp load-demo` or create one first")
    system_actor(db.session, "create-user")
    try:
        user = create(db.session, communities[0], username=name, password=password, role=role,
                      institution_codes=list(institutions))
    except BusinessError as exc:
        raise click.ClickException(f"{', '.join(exc.fields) or 'error'}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"user {user.username} ({role}) created")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the web UI and API."""
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True)


@main.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 naming the first broken link."""
    from erp.core.audit import verify_chain
    from erp.core.models import AuditEntry

    broken = verify_chain(db.session)
    if broken:
        click.echo(f"audit chain BROKEN at seq {broken.seq} (entry id {broken.entry_id}): {broken.reason}", err=True)
        sys.exit(1)
    count = db.session.scalar(select(db.func.count(AuditEntry.id)))
    click.echo(f"audit chain intact: {count} entries")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup(path: str) -> None:
    """Write a consistent copy of the whole database to PATH."""
    from erp.core.backup import dump

    with click.progressbar(length=1, label="backup") as bar:
        counts = dump(db.engine, path, progress=lambda table, n: bar.update(0, table))
        bar.update(1)
    click.echo(f"backup written to {path}: {sum(counts.values())} rows in {len(counts)} tables")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore(path: str) -> None:
    """Restore a backup into an empty database (run init-db first)."""
    from erp.core.backup import RestoreError, load

    try:
        counts = load(db.engine, path)
    except RestoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables")
