"""``erp ledger verify`` (hash chains) and ``erp ledger check`` (kept balances against the lines)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from erp.core.extensions import db


@click.group("ledger")
def ledger() -> None:
    """The books: verify the voucher hash chains, check the kept balances."""


@ledger.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute every institution's voucher hash chain; exit 1 naming the first voucher that does not match."""
    from erp.ledger.services.integrity import verify_chains

    problems = verify_chains(db.session)
    if problems:
        for problem in problems:
            click.echo(f"chain BROKEN: {problem}", err=True)
        sys.exit(1)
    click.echo("voucher chains intact")


@ledger.command("check")
@with_appcontext
def check() -> None:
    """Recompute balances from the posted lines; exit 1 listing every difference."""
    from erp.ledger.services.integrity import check_balances

    differences = check_balances(db.session)
    if differences:
        for difference in differences[:50]:
            click.echo(f"balance differs: {difference}", err=True)
        click.echo(f"{len(differences)} differences", err=True)
        sys.exit(1)
    click.echo("balances agree with the posted lines")
