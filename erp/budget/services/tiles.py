"""The budget holder's home-page tile (首页待办): what is left of this year's budgets in force, what is
committed and by whom (the top committers), within the user's institutions (erp.core.tiles)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.registry import N_
from erp.core.scoping import Scope
from erp.core.tiles import Label, TileValue
from erp.core.timeutil import local_today
from erp.budget.services.execution import holder_tile

TOP_COMMITTERS = 3


def budget_left(session: Session, user: User, scope: Scope) -> TileValue:
    """可用预算 = approved − open commitments − actuals; the session's scope (central scoping) limits the
    budgets and commitments read to the user's institutions."""
    year = local_today().year
    tile = holder_tile(session, year)
    committers = ((Label(N_("预占：%(name)s"), {"name": name}), amount) for name, amount in tile.by_whom[:TOP_COMMITTERS])
    details = ((N_("预算数"), tile.amount), (N_("已预占"), tile.committed), (N_("已支出"), tile.actual), *committers)
    return TileValue(tile.available, "budget.home", {"year": year}, kind="amount", details=details)
