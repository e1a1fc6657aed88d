"""The period's dispensed traceability codes in the fields of the 医保 sales upload (3505 商品销售 · 追溯码):
``med_list_codg`` (医保目录编码), ``drug_trac_codg`` (追溯码), ``trdn_flag`` (拆零标志 0/1), ``sel_retn_time``
(销售日期), ``sel_retn_cnt`` (数量, minimum units), ``manu_lotnum`` (生产批号) and ``expy_end`` (有效期), plus the
institution; lines dispensed without a code are listed apart (无码不结算)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.procurement.models import Dispensing, DispensingLine, MovementState, StockBatch, StockMove
from erp.procurement.services.flow_common import parse_period

FIELDS = ("fixmedins_code", "med_list_codg", "drug_trac_codg", "trdn_flag", "sel_retn_time", "sel_retn_cnt",
          "manu_lotnum", "expy_end")


def trace_rows(session: Session, period: str) -> tuple[list[dict], list[dict]]:
    """(coded rows, uncoded rows) of the posted dispensing of the month."""
    year, month = parse_period(period)
    start, end = date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)
    lines = session.execute(select(DispensingLine, Dispensing).join(Dispensing, Dispensing.id == DispensingLine.dispensing_id)
                            .where(Dispensing.state == MovementState.POSTED, Dispensing.date >= start,
                                   Dispensing.date < end).order_by(Dispensing.date, DispensingLine.id)).all()
    batches = {}
    if lines:
        for line_id, batch in session.execute(
                select(StockMove.document_line_id, StockBatch).join(StockBatch, StockBatch.id == StockMove.batch_id)
                .where(StockMove.document_kind == "dispensing",
                       StockMove.document_line_id.in_([line.id for line, _ in lines])).order_by(StockMove.id)):
            batches.setdefault(line_id, batch)  # the first batch the line took (first expiry)
    coded, uncoded = [], []
    for line, record in lines:
        batch = batches.get(line.id)
        row = {"fixmedins_code": record.institution.code, "med_list_codg": line.item.code,
               "drug_trac_codg": line.trace_code or "", "trdn_flag": "1" if line.split_pack else "0",
               "sel_retn_time": record.date.isoformat(), "sel_retn_cnt": line.quantity,
               "manu_lotnum": batch.batch if batch else "", "expy_end": batch.expiry.isoformat() if batch else "",
               "document": record.number}
        (coded if line.trace_code else uncoded).append(row)
    return coded, uncoded
