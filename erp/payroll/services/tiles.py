"""Payroll's home-page tiles (首页待办): runs to compute, to approve and to post, pools awaiting approval.

Each provider counts within the user's institutions and names the list it counts (erp.core.tiles)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.registry import N_
from erp.core.scoping import Scope
from erp.core.tiles import TileValue, in_scope
from erp.payroll.models import PayrollRun, RunState
from erp.payroll.models.performance_pool import PerformancePool, PoolState

def _runs(session: Session, scope: Scope, state: RunState) -> TileValue:
    number, gross = session.execute(in_scope(
        select(func.count(PayrollRun.id), func.coalesce(func.sum(PayrollRun.gross_total), 0))
        .where(PayrollRun.state == state), PayrollRun.institution_id, scope)).one()
    return TileValue(number, "payroll.runs", {"state": state.value}, details=((N_("应发合计"), Decimal(gross)),))


def runs_to_compute(session: Session, user: User, scope: Scope) -> TileValue:
    """待计算: runs created and not computed yet."""
    return _runs(session, scope, RunState.DRAFT)


def runs_to_approve(session: Session, user: User, scope: Scope) -> TileValue:
    """待审批: computed runs (approval by someone other than who computed them)."""
    return _runs(session, scope, RunState.COMPUTED)


def runs_to_post(session: Session, user: User, scope: Scope) -> TileValue:
    """待记账: approved runs not yet posted to the ledger."""
    return _runs(session, scope, RunState.APPROVED)


def pools_to_approve(session: Session, user: User, scope: Scope) -> TileValue:
    """待审批绩效工资总量 (两个允许): pools computed by the finance office, awaiting the chief accountant."""
    number, total = session.execute(in_scope(
        select(func.count(PerformancePool.id), func.coalesce(func.sum(PerformancePool.total), 0))
        .where(PerformancePool.state == PoolState.DRAFT), PerformancePool.institution_id, scope)).one()
    return TileValue(number, "payroll.pools", details=((N_("总量"), Decimal(total)),))
