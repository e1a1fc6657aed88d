"""Budget demo data: approved budgets in execution for the county hospital and two township centres (idempotent);
`erp load-demo` gives every member keeping books one, each with a whole-institution line that controls the
purchase orders and payroll runs, so that `make run` shows 预算 with real-looking lines. Needs the ledger's
demo (funding sources)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, FundingSource, Institution, User
from erp.core.timeutil import local_today
from erp.budget.models import Budget
from erp.budget.services import LineSpec, approve, create_budget, execute, submit

# institution code → [(account, department, funding source, amount, control, check period)]
DEMO_BUDGETS = {
    "QH001": [("7201", "01", "F01", "1800000.00", "stop", "annual"), ("7201", "02", "F01", "1500000.00", "stop", "ytd"),
              ("7201", "31", "N01", "360000.00", "warn", "annual"), ("7201", None, "F02", "2400000.00", "stop", "annual")],
    "QH101": [("7201", "01", "F01", "240000.00", "stop", "annual"), ("7201", "03", "F03", "180000.00", "stop", "annual"),
              ("7201", "31", "N01", "60000.00", "warn", "annual")],
    "QH102": [("7201", "01", "F01", "200000.00", "stop", "annual"), ("7201", "31", "N01", "48000.00", "warn", "ytd")],
}
# `erp load-demo` adds (the budget tests keep the plain demo above): every member keeping books has a budget,
# with a whole-institution line (no department, no source) that purchase orders and payroll runs commit against
WHOLE_INSTITUTION = {"QH001": "68600000.00", "QH002": "3260000.00", "QH101": "1380000.00", "QH102": "1260000.00",
                     "QH103": "1240000.00", "QH104": "1180000.00", "QH105": "1220000.00", "QH106": "1230000.00",
                     "QH107": "1170000.00", "QH108": "1210000.00", "QH201": "1190000.00", "QH202": "1210000.00"}
OWN_LINES = {"QH002": [("7201", "01", "F01", "820000.00", "stop", "annual")]}
PUBLIC_HEALTH = ("7201", "03", "F03", "150000.00", "stop", "annual")  # the other centres' 公共卫生科


def load_community(session: Session) -> None:
    """`erp load-demo`: the demo budgets and those of every other member that keeps books."""
    load_demo(session, {code: [*DEMO_BUDGETS.get(code, OWN_LINES.get(code, [PUBLIC_HEALTH])),
                               ("7201", None, None, amount, "stop", "annual")]
                        for code, amount in WHOLE_INSTITUTION.items()})


def load_demo(session: Session, budgets: dict[str, list[tuple]] = DEMO_BUDGETS) -> None:
    year = local_today().year
    finance = session.scalar(select(User).where(User.username == "finance"))
    chief = session.scalar(select(User).where(User.username == "chief"))
    for community in session.scalars(select(Community)):
        if not session.scalar(select(FundingSource.id).where(FundingSource.community_id == community.id)):
            continue
        for code, lines in budgets.items():
            institution = session.scalar(select(Institution).where(Institution.community_id == community.id,
                                                                   Institution.code == code))
            if institution is None or session.scalar(select(Budget.id).where(
                    Budget.institution_id == institution.id, Budget.year == year)):
                continue
            specs = [LineSpec(account=a, department=d, funding_source=f, amount=Decimal(x), control=c,
                              check_period=p) for a, d, f, x, c, p in lines]
            budget = create_budget(session, institution, year, user=finance, lines=specs)
            submit(session, budget, finance)
            approve(session, budget, chief)
            execute(session, budget, chief)
    session.flush()
