"""零差率 revenue forgone and its compensation: 15% of the drugs and consumables dispensed at cost (not 中药饮片),
per member rounded once; the drugs' part split 80/10/10 by the largest remainder, the consumables' wholly to
price adjustment; the parts and the members sum exactly; parameters, scope, page, PDF and Excel."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from erp.core.extensions import db
from erp.procurement.services import set_selling_price, update_settings
from tests.procurement.flow.conftest import (ASPIRIN, HERB, PERIOD, SYRINGE, TODAY, approved_order, consolidate,
                                             received, requisition)

URL = "/api/v1/reports/zero-markup-compensation"


def _dispense(api, institution: str, department: str, writer: str, lines):
    response = api(writer).post("/api/v1/dispensing", json={"institution": institution, "department": department,
                                                            "lines": [{"item": i, "quantity": q} for i, q in lines]})
    assert response.status_code == 201, response.json
    posted = api("finance").post(f"/api/v1/dispensing/{response.json['id']}/post", json={})
    assert posted.status_code == 200, posted.json
    return posted.json


def _dispensed(flow, api):
    """QH102 dispenses 15 tablets of aspirin (6.17), 7 syringes (3.15) and 100 g of 黄芪 (cost 6.00, sold 7.50);
    the central pharmacy QH001 23 tablets (9.46)."""
    requisition(api("clerk"), "QH102", [(ASPIRIN, 1), (SYRINGE, 1), (HERB, 1)], approver=api("finance"))
    for order in consolidate(api("procurement")):  # S101: aspirin and 黄芪; S102: syringes
        assert api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
        received(api, order, {ASPIRIN: 1, SYRINGE: 1, HERB: 1}, registrar="procurement", accepter="finance",
                 institution="QH102")
    set_selling_price(db.session, flow.institution("QH102"), flow.items[HERB], "37.5000")
    db.session.commit()
    assert _dispense(api, "QH102", "21", "clerk", [(ASPIRIN, 15), (SYRINGE, 7), (HERB, 100)])["amount"] == "16.82"
    central = approved_order(api, [(ASPIRIN, 1)], institution="QH001")
    received(api, central, {ASPIRIN: 1})
    assert _dispense(api, "QH001", "01", "pharmacy", [(ASPIRIN, 23)])["amount"] == "9.46"


def test_the_forgone_markup_and_its_compensation_sum_exactly(flow, api):
    _dispensed(flow, api)
    report = api("finance").get(f"{URL}?period={PERIOD}")
    assert report.status_code == 200, report.json
    body = report.json
    assert (body["former_markup"], body["ratios"]) == ("0.1500", {"price_adjustment": "0.8000", "subsidy": "0.1000",
                                                                  "absorbed": "0.1000"})
    keys = ("drug_cost", "consumable_cost", "forgone_drugs", "forgone_consumables", "forgone", "price_adjustment",
            "subsidy", "absorbed")
    rows = {row["institution"]: tuple(row[k] for k in keys) for row in body["rows"]}
    assert rows == {
        # 9.46 × 15% = 1.419 → 1.42; 142 fen at 80/10/10: 113.6 / 14.2 / 14.2 → the odd fen to the largest remainder
        "QH001": ("9.46", "0.00", "1.42", "0.00", "1.42", "1.14", "0.14", "0.14"),
        # drugs 6.17 × 15% = 0.9255 → 0.93 (0.75 / 0.09 / 0.09); syringes 3.15 × 15% = 0.4725 → 0.47, all to
        # price adjustment; the 黄芪 (cost 6.00, sold with its markup) forgoes nothing
        "QH102": ("6.17", "3.15", "0.93", "0.47", "1.40", "1.22", "0.09", "0.09"),
    }
    assert tuple(body["total"][k] for k in keys) == ("15.63", "3.15", "2.35", "0.47", "2.82", "2.36", "0.23", "0.23")
    for row in [*body["rows"], body["total"]]:
        assert sum(Decimal(row[k]) for k in ("price_adjustment", "subsidy", "absorbed")) == Decimal(row["forgone"])
    last_year = api("finance").get(f"{URL}?period={TODAY.year - 1}").json
    assert last_year["rows"] == [] and last_year["total"]["forgone"] == "0.00"
    # the clerk of QH102 sees her member only
    mine = api("clerk").get(f"{URL}?period={TODAY.year}").json
    assert [r["institution"] for r in mine["rows"]] == ["QH102"] and mine["total"]["forgone"] == "1.40"


def test_the_community_parameters_drive_the_report(flow, api):
    _dispensed(flow, api)
    update_settings(db.session, flow.community.id, {"former_markup": "0.1000", "compensation_price": "0.3334",
                                               "compensation_subsidy": "0.3333", "compensation_absorbed": "0.3333"})
    db.session.commit()
    rows = {r["institution"]: r for r in api("finance").get(f"{URL}?period={PERIOD}").json["rows"]}
    # QH001: 9.46 × 10% = 0.946 → 0.95; 95 fen × 0.3334 / 0.3333 / 0.3333 = 31.673 / 31.6635 / 31.6635: floors
    # 31 each, the two fen left go to the largest remainders (0.673, then the first given of the tied 0.6635)
    assert (rows["QH001"]["forgone"], rows["QH001"]["price_adjustment"], rows["QH001"]["subsidy"],
            rows["QH001"]["absorbed"]) == ("0.95", "0.32", "0.32", "0.31")
    # QH102: drugs 0.617 → 0.62 (21/21/20 fen); syringes 0.315 → 0.32 all to price adjustment
    assert (rows["QH102"]["forgone"], rows["QH102"]["price_adjustment"], rows["QH102"]["subsidy"],
            rows["QH102"]["absorbed"]) == ("0.94", "0.53", "0.21", "0.20")


def test_the_page_pdf_and_excel(flow, api, web):
    from openpyxl import load_workbook

    _dispensed(flow, api)
    page = web("finance").get(f"/procurement/zero-markup-compensation?period={PERIOD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "零差率" in html
    for text in ("QH102", "1.22", "2.82", "2.36", "原加成率 15.00%"):
        assert text in html
    pdf = web("finance").get(f"/procurement/zero-markup-compensation?period={PERIOD}&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    xlsx = api("finance").get(f"{URL}?period={PERIOD}&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    amounts = [[Decimal(str(cell)) for cell in row if isinstance(cell, (int, float))] for row in rows]
    assert [Decimal("9.46"), Decimal("0"), Decimal("1.42"), Decimal("0"), Decimal("1.42"), Decimal("1.14"),
            Decimal("0.14"), Decimal("0.14")] in amounts
    assert amounts[-1] == [Decimal(v) for v in ("15.63", "3.15", "2.35", "0.47", "2.82", "2.36", "0.23", "0.23")]
    assert api("finance").get(f"{URL}?period=2026-13").json["error"]["code"] == "invalid_period"


@pytest.mark.parametrize("period", ["0000", "9999", "9999-12", "0001-01", "2026-1", "2026-00", "２０２６", "2026\x00"])
def test_a_period_out_of_the_calendar_is_refused_naming_it_never_500(demo, api, web, period):
    """Years 0 and 9999 once went to date() unchecked (500), full-width digits were read as a year; the page
    says the same as the API."""
    answer = api("finance").get(URL, query_string={"period": period})
    assert answer.status_code == 422 and "period" in answer.json["error"]["fields"], answer.json
    page = web("procurement").get("/procurement/zero-markup-compensation", query_string={"period": period})
    if "\x00" in period:  # the pages refuse a NUL in the query centrally
        assert page.status_code == 400
    else:
        assert page.status_code == 200 and "期间应为 YYYY 或 YYYY-MM" in page.get_data(as_text=True)
