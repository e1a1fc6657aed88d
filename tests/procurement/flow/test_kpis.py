"""The KPI figures with real numbers: 网采率 by amount (a 非网采 override line counts against it), 集采 share and
agreed-volume completion, 谈判药品配备, stock turnover; page (with the chart), PDF and Excel."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.procurement.flow.conftest import (ASPIRIN, NO_DEAL, PERIOD, SYRINGE, TODAY, approved_order, consolidate,
                                             received, requisition)


def test_online_share_vbp_completion_and_the_files(flow, api):
    finance, chief = api("finance"), api("chief")
    chief.post("/api/v1/purchase-overrides", json={"item": NO_DEAL, "supplier": "S102", "unit_price": "20.0000",
                                                   "period": PERIOD, "reason": "平台断供"})
    requisition(api("clerk"), "QH102", [(ASPIRIN, 100), (NO_DEAL, 10), (SYRINGE, 2)], approver=finance)
    consolidate(api("procurement"))
    body = api("auditor").get(f"/api/v1/reports/procurement-kpis?period={TODAY.year}").json
    community = body["rows"][0]
    # drugs: aspirin 100 × 12.3456 = 1234.56 online, 连花清瘟 10 × 20 = 200 非网采 → 1234.56 / 1434.56
    assert community["member"] == "医共体合计" and community["online_drugs"] == "86.06"
    assert community["online_high_value"] == "100.00" and community["vbp_share"] == "86.06"
    member = next(r for r in body["rows"] if r["member"].startswith("QH102"))
    assert member["online_drugs"] == "86.06"
    assert body["vbp_completion"] == [{"item": f"{ASPIRIN} 阿司匹林肠溶片", "agreed": 1000, "bought": 100,
                                       "completion": "10.00"}]
    assert body["targets"] == {"online_drugs": "90.0000", "online_high_value": "80.0000"}
    page = api("auditor")  # the web page and the files
    for fmt in ("pdf", "xlsx"):
        file = page.get(f"/api/v1/reports/procurement-kpis?period={TODAY.year}&format={fmt}")
        assert file.status_code == 200 and len(file.data) > 1000


def test_turnover_days_and_the_page(flow, api, web):
    order = approved_order(api, [(ASPIRIN, 10)])
    received(api, order, {ASPIRIN: 10}, registrar="procurement", accepter="finance", institution="QH102")
    draft = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 30}]}).json
    api("finance").post(f"/api/v1/dispensing/{draft['id']}/post", json={})
    body = api("finance").get(f"/api/v1/reports/procurement-kpis?period={PERIOD}").json
    member = next(r for r in body["rows"] if r["member"].startswith("QH102"))
    # on hand 123.46 − 12.35 = 111.11; 12.35 issued this month: 111.11 ÷ (12.35 / days in the month)
    start = TODAY.replace(day=1)
    days = ((start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1))
            - start).days
    expected = (Decimal("111.11") * days / Decimal("12.35")).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert member["turnover_days"] == str(expected)
    html = web("finance").get(f"/procurement/kpis?period={PERIOD}").get_data(as_text=True)
    assert "<svg" in html and "药品网采率" in html and "100.00%" in html
