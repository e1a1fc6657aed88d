"""Fund usage by source (资金使用情况表) and the public-health / 医保 statements as PDF and Excel."""
from __future__ import annotations

from erp.core.api_framework import FileResult
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, build_xlsx, render_statement_pdf
from erp.budget.models import InsuranceBudget, PublicHealthFund
from erp.budget.services.funds import UsageRow


def _file(title: str, period: str, columns: list[Column], rows: list[dict], fmt: str, user_name: str,
          entity: str, lines: list[str] = ()) -> FileResult:
    header = StatementHeader(institution=entity, title=title, period=period, prepared_by=user_name,
                             subtitle="；".join(lines) or None)
    if fmt == "xlsx":
        return FileResult(build_xlsx(title, columns, rows, header=header, header_lines=list(lines)), f"{title}.xlsx",
                          XLSX_MIMETYPE)
    return FileResult(render_statement_pdf(header, columns=columns, rows=rows),
                      f"{title}.pdf", PDF_MIMETYPE)


def usage_file(rows: list[UsageRow], fmt: str, user_name: str, entity: str) -> FileResult:
    columns = [Column("source", "资金来源", "text", 2), Column("institution", "单位", "text", 2),
               Column("received", "到账", "amount"), Column("allocated", "拨付", "amount"),
               Column("spent", "支出", "amount"), Column("remaining", "结余", "amount")]
    data = [{"source": f"{r.funding_source.code} {r.funding_source.name}",
             "institution": f"{r.institution.code} {r.institution.name}", "received": r.received,
             "allocated": r.allocated, "spent": r.spent, "remaining": r.remaining} for r in rows]
    return _file("资金使用情况表", "截至今日", columns, data, fmt, user_name, entity)


def public_health_file(fund: PublicHealthFund, fmt: str, user_name: str, entity: str) -> FileResult:
    columns = [Column("institution", "成员单位", "text", 2), Column("stage", "阶段", "text", 1),
               Column("basis", "依据（服务人口/得分）", "text", 1.2), Column("amount", "金额", "amount")]
    data = [{"institution": f"{s.institution.code} {s.institution.name}",
             "stage": "年初预拨" if s.stage == "pre" else "考核结算", "basis": format(s.basis.normalize(), "f"),
             "amount": s.amount} for s in fund.shares]
    lines = [f"常住人口 {fund.population} × 人均 {fund.per_capita} = {fund.total}；预拨比例 "
             f"{format(fund.pre_allocation_share.normalize(), 'f')} → 预拨 {fund.pre_allocation}，考核后 {fund.remainder}"]
    return _file("基本公共卫生服务经费分配表", f"{fund.year} 年度", columns, data, fmt, user_name, entity, lines)


def insurance_file(budget: InsuranceBudget, fmt: str, user_name: str, entity: str) -> FileResult:
    columns = [Column("institution", "成员单位", "text", 2), Column("score", "考核得分", "text", 1),
               Column("amount", "结余留用 / 超支分担", "amount"), Column("voucher", "凭证", "text", 1.2)]
    data = [{"institution": f"{a.institution.code} {a.institution.name}", "score": format(a.score.normalize(), "f"),
             "amount": a.amount, "voucher": a.voucher_number or ""} for a in budget.allocations]
    lines = [f"筹资总额 {budget.funding_total}，上年 {budget.previous_funding_total}，风险调剂金 {budget.risk_reserve}，"
             f"大病保险 {budget.serious_illness_fund}，基数 {budget.base} × {format(budget.share.normalize(), 'f')} "
             f"= 医共体总额 {budget.community_budget}",
             f"月度结算累计 {budget.settled_to_date}；年度支出 {budget.spent if budget.spent is not None else '—'}；"
             f"结余/分担 {budget.surplus if budget.surplus is not None else '—'}"]
    return _file("医保总额预算结算表", f"{budget.year} 年度", columns, data, fmt, user_name, entity, lines)
