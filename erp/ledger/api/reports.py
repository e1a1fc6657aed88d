"""Report API: 科目余额表, 总账, 明细账, the statements, and the 记账凭证 print.

Every report endpoint takes ``institution=CODE`` (one member), ``institutions=A,B`` (a group, summed; add
``consolidated=true`` to eliminate between them) or ``community=CODE`` (the whole community, consolidated
unless ``consolidated=false``), a ``period=YYYY-MM`` (optionally ``period_to=YYYY-MM`` in the same year)
and ``format=json|pdf|xlsx``. PDF and Excel come back as files with a Chinese file name.
"""
from __future__ import annotations

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, JSON, FileResult, api_route
from erp.core.extensions import db
from erp.ledger import reports
from erp.ledger.schemas.reports import DetailLedgerQuery, GeneralLedgerQuery, ReportQuery, TrialBalanceQuery
from erp.ledger.services.posting import voucher_in_scope

bp = Blueprint("ledger_reports_api", __name__, url_prefix=API_PREFIX)

REPORT_MEDIA = (JSON, reports.PDF_MIMETYPE, reports.XLSX_MIMETYPE)


def _params(query: dict) -> dict:
    params = dict(query)
    params["from"] = params.pop("period_from", None)
    params["to"] = params.pop("period_until", None)
    return params


def _respond(name: str, query: dict) -> dict | FileResult:
    report = reports.build_report(db.session, g.user, name, _params(query))
    if query["format"] == "json":
        return report.json()
    return FileResult(*reports.report_file(report, query["format"], g.user))


@api_route(bp, "/reports/trial-balance", permission="ledger.report.read",
           query=TrialBalanceQuery, produces=REPORT_MEDIA,
           summary="科目余额表: opening, period movement and closing of every account, from the kept balances")
def trial_balance(query):
    return _respond("trial-balance", query)


@api_route(bp, "/reports/general-ledger", permission="ledger.report.read",
           query=GeneralLedgerQuery, produces=REPORT_MEDIA,
           summary="总账: per account and month the opening, debit, credit, balance and year-to-date")
def general_ledger(query):
    return _respond("general-ledger", query)


@api_route(bp, "/reports/detail-ledger", permission="ledger.report.read",
           query=DetailLedgerQuery, produces=REPORT_MEDIA,
           summary="明细账: the posted lines of one account with a running balance (dimension filters)")
def detail_ledger(query):
    return _respond("detail-ledger", query)


# The statements of 政府会计制度 and the hospital supplement: the same query, one route each.
STATEMENT_SUMMARIES = {
    "balance-sheet": "资产负债表 (会政财01表): two-sided, period end and year start",
    "income-statement": "收入费用表 (会政财02表): period and year-to-date revenue, expense and 本期盈余",
    "net-assets-changes": "净资产变动表 (会政财03表): the year's changes of 累计盈余, 专用基金, 权益法调整",
    "cash-flow": "现金流量表 (会政财04表): cash by item (the line's 现金流量项目, else by counter-account)",
    "budget-statement": "预算收入支出表 (会政预01表): budget revenue, expenditure and 本期预算结余",
    "budget-carryover": "预算结转结余变动表 (会政预02表)",
    "fiscal-appropriation": "财政拨款预算收入支出表 (会政预03表): 基本支出 and each project",
    "budget-surplus-reconciliation": "本期预算结余与本期盈余差异调节表",
    "medical-revenue-expense": "医疗活动收入费用明细表: medical revenue by item, expense by nature",
}


def _statement_route(name: str, summary: str) -> None:
    def view(query):
        return _respond(name, query)

    view.__name__ = name.replace("-", "_")  # the endpoint: ledger_reports_api.balance_sheet …
    api_route(bp, f"/reports/{name}", permission="ledger.report.read", query=ReportQuery, produces=REPORT_MEDIA,
              summary=summary)(view)


for _name, _summary in STATEMENT_SUMMARIES.items():
    _statement_route(_name, _summary)


@api_route(bp, "/vouchers/<int:voucher_id>/pdf", permission="ledger.voucher.read",
           produces=(reports.PDF_MIMETYPE,), summary="记账凭证 print (PDF): lines, totals in words (大写), signature boxes")
def voucher_pdf(voucher_id):
    document = reports.voucher_print(voucher_in_scope(db.session, voucher_id))
    return FileResult(document.pdf(), document.filename(), reports.PDF_MIMETYPE)
