"""``erp procurement import-catalogue FILE``: the national list's import from the command line, with progress."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from erp.core.extensions import db


@click.group("procurement")
def procurement_cli() -> None:
    """The community catalogue (统一用药目录)."""


@procurement_cli.command("import-catalogue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", help="community code (needed only when the database holds several)")
@with_appcontext
def import_catalogue(file: Path, community: str | None) -> None:
    """Import an .xlsx catalogue (all or nothing; re-import updates by code), showing progress."""
    from erp.core.models import Community
    from erp.core.session_context import system_actor
    from erp.procurement import services as procurement

    communities = db.session.scalars(select(Community).where(Community.code == community) if community
                                     else select(Community)).all()
    if len(communities) != 1:
        raise click.ClickException("name the community with --community CODE" if communities else "no community")
    system_actor(db.session, "import-catalogue")
    shown: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if shown.get(stage) != done:
            shown[stage] = done
            click.echo(f"\r{'检查' if stage == 'check' else '写入'} {done:,}/{total:,}", nl=done == total)

    started = time.perf_counter()
    try:
        result = procurement.import_catalogue(db.session, communities[0].id, file.read_bytes(), progress)
        db.session.commit()
    except procurement.CatalogueImportFailed as failure:
        db.session.rollback()
        for error in failure.errors[:200]:
            click.echo(f"第 {error.row} 行 {error.column} {error.value!r}: {error.message}", err=True)
        raise click.ClickException(failure.message) from None
    click.echo(f"导入完成 ({time.perf_counter() - started:.1f} s): 新增 {result.created:,}，更新 {result.updated:,}，"
               f"未变 {result.unchanged:,}；编码提示 {len(result.warnings):,} 条")
