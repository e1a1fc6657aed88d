"""The ``erp`` command: init-db, init-community, create-institution, load-demo, create-user, serve, audit verify,
backup, restore."""
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
@click.option("--app-role", metavar="ROLE", help="PostgreSQL: then grant the application's role (created if "
              "missing) DML only on every table, minus the protected exceptions; run as the tables' owner")
@click.option("--app-password", envvar="ERP_APP_DB_PASSWORD", metavar="PASSWORD",
              help="with --app-role: set the role's password (or ERP_APP_DB_PASSWORD)")
@with_appcontext
def init_db(app_role, app_password) -> None:
    """Create or upgrade the database schema (Alembic migrations); with --app-role, set up the role the
    application connects as (least privilege)."""
    from erp.core.db_roles import RoleSetupError, set_up_app_role
    from erp.core.schema_migrations import upgrade_database

    if app_password and not app_role:
        raise click.UsageError("--app-password goes with --app-role")
    upgrade_database()
    click.echo(f"database at the head of every enabled module: {db.engine.url.render_as_string(hide_password=True)}")
    if app_role:
        try:
            with db.engine.begin() as connection:
                grants = set_up_app_role(connection, app_role, current_app.extensions["erp"].registry.modules,
                                         app_password)
        except RoleSetupError as exc:
            raise click.ClickException(str(exc)) from exc
        denied = "; ".join(f"{table}: no {', '.join(statements)}" for table, statements in grants.denied.items())
        click.echo(f"app role {grants.role} ({'created' if grants.created else 'existing'}): SELECT, INSERT, UPDATE, "
                   f"DELETE on {grants.tables} tables and future ones, except {denied}; EXECUTE on "
                   f"{', '.join(grants.functions) or 'no function'}")


def _business(action):
    """Run ``action()``, committing it, or roll back and exit with the message naming the field."""
    from erp.core.errors import BusinessError

    try:
        result = action()
    except BusinessError as exc:
        db.session.rollback()
        raise click.ClickException(f"{', '.join(exc.fields) or 'error'}: {exc.message}") from exc
    db.session.commit()
    return result


def _community(code: str | None):
    from erp.core.models import Community

    communities = db.session.scalars(select(Community).where(Community.code == code) if code
                                     else select(Community)).all()
    if len(communities) != 1:
        raise click.ClickException("name the community with --community CODE" if communities
                                   else "no such community: run `erp init-community` (or `erp load-demo`) first")
    return communities[0]


@main.command("init-community")
@click.argument("name")
@click.argument("code")
@click.option("--admin", "admin", metavar="USERNAME", help="also create this administrator (whole community)")
@click.option("--password", help="the administrator's password (with --admin)")
@with_appcontext
def init_community(name, code, admin, password) -> None:
    """Create a real, empty community: every module's install data (chart of accounts, 平行记账 mapping),
    no institutions and no demo data. Add institutions with `erp create-institution`."""
    from erp.core import services
    from erp.core.session_context import system_actor

    if bool(admin) != bool(password):
        raise click.UsageError("--admin and --password go together")
    system_actor(db.session, "init-community")

    def create():
        community = services.create_community(db.session, code=code, name=name)
        if admin:
            services.create_user(db.session, community, username=admin, password=password, role="admin",
                                 display_name="系统管理员")
        return community

    community = _business(create)
    click.echo(f"community {community.code} {community.name} created"
               + (f", administrator {admin}" if admin else "")
               + "; add its institutions with `erp create-institution`")


@main.command("create-institution")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, help="lead_hospital, county_hospital, township_centre, community_centre, "
                                            "village_clinic, public_health")
@click.option("--parent", help="the township or community centre's code (village clinics only)")
@click.option("--uscc", help="统一社会信用代码")
@click.option("--community", help="community code (needed only when the database holds several)")
@with_appcontext
def create_institution(code, name, kind, parent, uscc, community) -> None:
    """Add a member institution; every module sets it up (the ledger opens its current year)."""
    from erp.core.models import InstitutionKind
    from erp.core.services import create_institution as create
    from erp.core.session_context import system_actor

    try:
        kind = InstitutionKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in InstitutionKind)
        raise click.BadParameter(f"one of: {choices}", param_hint="--kind") from None
    found = _community(community)
    system_actor(db.session, "create-institution")
    institution = _business(lambda: create(db.session, found, code=code, name=name, kind=kind, parent_code=parent,
                                           uscc=uscc))
    click.echo(f"institution {institution.code} {institution.name} created")


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
    from erp.core.services import create_user as create
    from erp.core.session_context import system_actor

    found = _community(community)
    system_actor(db.session, "create-user")
    user = _business(lambda: create(db.session, found, username=name, password=password, role=role,
                                    institution_codes=list(institutions)))
    click.echo(f"user {user.username} ({role}) created")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the web UI and API. Outside development (``erp --debug serve``) it needs a real secret key."""
    from werkzeug.serving import run_simple

    from erp.core.config import DEVELOPMENT_SECRET_KEY, SECRET_KEY_FILE

    if not current_app.debug and current_app.config["SECRET_KEY"] in (None, "", DEVELOPMENT_SECRET_KEY):
        raise click.ClickException(
            "没有会话签名密钥，拒绝启动 (no secret key: anyone could forge a session). Set ERP_SECRET_KEY, or "
            f"write a random key to {SECRET_KEY_FILE} (`make run` does: python -c \"from erp.core.config import "
            "create_secret_key_file; create_secret_key_file()\"); for development only: erp --debug serve")

    from erp.core.db_roles import owns_tables

    with db.engine.connect() as connection:
        if owns_tables(connection):
            click.echo("警告：应用以数据表所有者身份连接数据库 (warning: the app connects as the tables' owner, who can "
                       "switch the triggers off; deploy with the role of `erp init-db --app-role`)", err=True)

    run_simple(host, port, current_app._get_current_object(), threaded=True)


@main.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chains and check every anchor (检查点) against the chains; when all holds, append
    a new anchor of today's heads. Exit 1 naming the first broken link or anchor."""
    from erp.core.audit import verify_chains
    from erp.core.chain import anchor_digest, database_name, read_checkpoints, verify_checkpoints, write_checkpoint
    from erp.core.models import AuditEntry, AuditHead

    breaks = verify_chains(db.session)
    for broken in breaks:
        click.echo(f"audit chain {broken.chain} BROKEN at seq {broken.seq} (entry id {broken.entry_id}): "
                   f"{broken.reason}", err=True)
    if breaks:
        sys.exit(1)
    count = db.session.scalar(select(db.func.count(AuditEntry.id)))
    chains = db.session.scalar(select(db.func.count(AuditHead.chain)))
    click.echo(f"audit chain intact: {count} entries in {chains} chains")
    anchors = sum(record.get("database") == database_name(db.session) for record in read_checkpoints())
    problems = verify_checkpoints(db.session)
    for problem in problems:
        click.echo(f"anchor {problem.line} BROKEN: {problem.message}", err=True)
    if problems:
        sys.exit(1)
    record = write_checkpoint(db.session, "audit_verify")
    click.echo(f"{anchors} earlier anchors hold; new anchor {anchor_digest(record)} "
               f"written to {current_app.config['CHECKPOINT_FILE']}")


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


@main.group("jobs")
def jobs_group() -> None:
    """Background jobs (后台任务)."""


@jobs_group.command("wait")
@click.argument("job_id", type=int)
@click.option("--timeout", default=3600.0, help="seconds to wait at most")
@with_appcontext
def jobs_wait(job_id: int, timeout: float) -> None:
    """Show a job's progress bar until it has finished; exit 1 when it failed."""
    from erp.core import jobs
    from erp.core.errors import BusinessError

    with click.progressbar(length=100, label=f"job {job_id}", show_percent=True,
                           item_show_func=lambda message: message) as bar:
        shown = [0]

        def advance(job):
            percent = jobs.percent(job)
            if percent > shown[0]:
                bar.update(percent - shown[0], jobs.progress_of(job)[2])
                shown[0] = percent
        try:
            job = jobs.wait(db.session, job_id, timeout=timeout, on_progress=advance)
        except BusinessError as exc:
            raise click.ClickException(exc.message) from exc
    if job.state == "failed":
        click.echo(f"job {job_id} failed: {job.error}", err=True)
        sys.exit(1)
    if job.state != "done":
        raise click.ClickException(f"job {job_id} still {job.state} after {timeout:g} s")
    file_part = f", result file {job.result_filename} (/jobs/{job_id}/result)" if job.result_filename else ""
    click.echo(f"job {job_id} done: {job.title}{file_part}")


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def jobs_worker(burst: bool) -> None:
    """Run an RQ worker for the queue of ERP_REDIS_URL (jobs run in this process, in this app)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("set ERP_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker")
    connection = Redis.from_url(url)
    queue = Queue(current_app.config.get("JOBS_QUEUE", "erp"), connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=burst)
