"""统一配送 onwards: the central pharmacy sends at cost, first expiry first out, with 内部往来 in both books; the
member dispenses at the zero-markup price (revenue = cost), codes one box one sale, 拆零 flagged, no code
flagged; stock never negative; afterwards the ledger's 1302 equals the stock ledger per member and in total."""
from __future__ import annotations

from datetime import timedelta

from erp.core.extensions import db
from erp.procurement.services import set_selling_price
from tests.procurement.flow.conftest import (ASPIRIN, HERB, SYRINGE, TODAY, approved_order, document_vouchers,
                                             received, stock, voucher_lines)

CODE = "81234567890123456789"


def _stocked(api, quantities: dict[str, int], **extra):
    order = approved_order(api, [(item, q) for item, q in quantities.items()])
    return received(api, order, quantities, **extra)


def _transfer(api, lines, to="QH102", poster="procurement"):
    response = api("pharmacy").post("/api/v1/transfers", json={"to_institution": to, "lines": [
        {"item": item, "quantity": q} for item, q in lines]})
    assert response.status_code == 201, response.json
    posted = api(poster).post(f"/api/v1/transfers/{response.json['id']}/post", json={})
    return posted


def _dispense(api, lines, institution="QH102", poster="finance", **extra):
    response = api("clerk").post("/api/v1/dispensing", json={"institution": institution, "department": "21", "lines": [
        {"item": item, "quantity": q, **more} for item, q, more in lines], **extra})
    assert response.status_code == 201, response.json
    return response.json, api(poster).post(f"/api/v1/dispensing/{response.json['id']}/post", json={})


def test_a_transfer_moves_batches_at_cost_first_expiry_first_with_internal_vouchers_on_both_sides(flow, api):
    order = approved_order(api, [(ASPIRIN, 30)])
    late = (TODAY + timedelta(days=700)).isoformat()
    early = (TODAY + timedelta(days=200)).isoformat()
    pharmacy, procurement = api("pharmacy"), api("procurement")
    for batch, expiry, quantity in (("LATE1", late, 20), ("EARLY1", early, 10)):
        response = pharmacy.post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
            {"po_line": order["lines"][0]["id"], "quantity": quantity, "batch": batch, "expiry": expiry}]})
        procurement.post(f"/api/v1/receipts/{response.json['id']}/accept", json={})
    posted = _transfer(api, [(ASPIRIN, 315)])  # 10 boxes (300 tablets) of the early batch, 15 of the late one
    assert posted.status_code == 200, posted.json
    body = posted.json
    # 10 boxes: 123.456 → 123.46 (the whole early batch); 15 tablets: 12.3456 × 15/30 = 6.1728 → 6.17
    assert (body["state"], body["amount"], body["lines"][0]["value"]) == ("posted", "129.63", "129.63")
    member = {b["batch"]: b for b in stock(api("clerk"), "QH102", ASPIRIN)}
    assert {k: (b["min_units"], b["value"], b["expiry"]) for k, b in member.items()} == {
        "EARLY1": (300, "123.46", early), "LATE1": (15, "6.17", late)}
    central = stock(pharmacy, "QH001", ASPIRIN)
    assert [(b["batch"], b["min_units"], b["value"]) for b in central] == [("LATE1", 585, "240.74")]  # 246.91 − 6.17
    [out] = document_vouchers("transfer_out", body["id"])
    [into] = document_vouchers("transfer_in", body["id"])
    assert out.internal_ref == into.internal_ref == body["number"]
    assert voucher_lines(out.number, "QH001") == [("1218", "129.63", "0.00", "M-QH102"),
                                                  ("130201", "0.00", "129.63", None)]
    assert voucher_lines(into.number, "QH102") == [("130201", "129.63", "0.00", None),
                                                   ("2307", "0.00", "129.63", "M-QH001")]


def test_stock_never_goes_negative(flow, api):
    _stocked(api, {SYRINGE: 1})
    refused = _transfer(api, [(SYRINGE, 101)])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "insufficient_stock"
    assert "lines[0].quantity" in refused.json["error"]["fields"]
    assert stock(api("pharmacy"), "QH001", SYRINGE)[0]["min_units"] == 100  # nothing moved


def test_dispensing_posts_revenue_equal_to_cost_and_follows_the_codes(flow, api):
    _stocked(api, {ASPIRIN: 3}, registrar="procurement", accepter="finance", institution="QH102")
    draft, posted = _dispense(api, [(ASPIRIN, 15, {"trace_code": CODE}), (ASPIRIN, 10, {})])
    assert [l["no_code"] for l in draft["lines"]] == [False, True]  # 无码不结算: flagged
    assert posted.status_code == 200, posted.json
    body = posted.json
    # 15 tablets: 6.1728 → 6.17; 10 tablets: 4.1152 → 4.12; revenue = cost
    assert [l["value"] for l in body["lines"]] == ["6.17", "4.12"] and body["amount"] == "10.29"
    [voucher] = document_vouchers("dispense", body["id"])
    assert voucher_lines(voucher.number, "QH102") == [
        ("121202", "10.29", "0.00", "I001"), ("130201", "0.00", "10.29", None),
        ("410101010801", "0.00", "10.29", None), ("5001", "10.29", "0.00", None)]
    again_draft, again = _dispense(api, [(ASPIRIN, 5, {"trace_code": CODE})])
    assert again.status_code == 409 and again.json["error"]["code"] == "trace_code_sold"
    no_code = api("clerk").get("/api/v1/dispensing?no_code=true").json["items"]
    assert [d["id"] for d in no_code] == [body["id"]]


def test_a_split_pack_is_sold_in_parts(flow, api):
    _stocked(api, {ASPIRIN: 2}, registrar="procurement", accepter="finance", institution="QH102")
    for _ in range(2):
        _, posted = _dispense(api, [(ASPIRIN, 10, {"trace_code": CODE, "split_pack": True})])
        assert posted.status_code == 200, posted.json
    _, whole = _dispense(api, [(ASPIRIN, 30, {"trace_code": CODE})])
    assert whole.status_code == 409 and whole.json["error"]["code"] == "trace_code_split"


def test_herbal_pieces_may_carry_their_capped_markup(flow, api):
    _stocked(api, {HERB: 1}, registrar="procurement", accepter="finance", institution="QH102")
    set_selling_price(db.session, flow.institution("QH102"), flow.items[HERB], "37.5000")  # 30 + 25%
    db.session.commit()
    assert stock(api("clerk"), "QH102", HERB)[0]["selling_price"] == "37.50"
    _, posted = _dispense(api, [(HERB, 100, {})])  # 100 g of a 500 g bag: cost 6.00, revenue 7.50
    assert posted.status_code == 200, posted.json
    [voucher] = document_vouchers("dispense", posted.json["id"])
    assert voucher_lines(voucher.number, "QH102") == [
        ("121202", "7.50", "0.00", "I001"), ("130201", "0.00", "6.00", None),
        ("410101010803", "0.00", "7.50", None), ("5001", "6.00", "0.00", None)]


def test_the_ledgers_1302_equals_the_stock_ledger_after_the_flow(flow, api):
    order = approved_order(api, [(ASPIRIN, 7)])
    received(api, order, {ASPIRIN: 7})
    assert _transfer(api, [(ASPIRIN, 100)]).status_code == 200
    _, posted = _dispense(api, [(ASPIRIN, 33, {})])
    assert posted.status_code == 200
    report = api("finance").get("/api/v1/reports/stock-reconciliation").json
    rows = {row["institution"]: row for row in report["rows"]}
    # 7 × 12.3456 = 86.4192 → 86.42; 100 tablets: 41.152 → 41.15; 33 tablets: 13.58
    assert (rows["QH001"]["ledger"], rows["QH001"]["stock"]) == ("45.27", "45.27")
    assert (rows["QH102"]["ledger"], rows["QH102"]["stock"]) == ("27.57", "27.57")
    assert report["ledger_total"] == report["stock_total"] == "72.84" and report["reconciled"]


def test_the_trace_code_export_in_the_upload_fields(flow, api):
    from tests.procurement.flow.conftest import EXPIRY, PERIOD

    _stocked(api, {ASPIRIN: 2}, registrar="procurement", accepter="finance", institution="QH102")
    _, posted = _dispense(api, [(ASPIRIN, 30, {"trace_code": CODE}), (ASPIRIN, 10, {"trace_code": "81234567890000000001",
                                                                                    "split_pack": True}),
                                (ASPIRIN, 5, {})])
    assert posted.status_code == 200
    body = api("auditor").get(f"/api/v1/trace-codes/export?period={PERIOD}").json
    assert [(r["drug_trac_codg"], r["trdn_flag"], r["sel_retn_cnt"], r["manu_lotnum"], r["expy_end"],
             r["fixmedins_code"]) for r in body["rows"]] == [
        (CODE, "0", 30, "B240501", EXPIRY, "QH102"), ("81234567890000000001", "1", 10, "B240501", EXPIRY, "QH102")]
    assert [(r["med_list_codg"], r["sel_retn_cnt"]) for r in body["uncoded"]] == [(ASPIRIN, 5)]


def test_a_draft_dispensing_shows_the_value_it_will_post(flow, api, web):
    _stocked(api, {ASPIRIN: 1, HERB: 1}, registrar="procurement", accepter="finance", institution="QH102")
    set_selling_price(db.session, flow.institution("QH102"), flow.items[HERB], "37.5000")  # 30 + 25%
    db.session.commit()
    response = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 15}, {"item": HERB, "quantity": 100}]})
    draft = response.json
    # 15 of 30 tablets at 12.3456: 6.17 (cost = revenue); 100 g of 500 g at 30.00: cost 6.00, revenue 7.50
    assert (draft["amount"], draft["expected_amount"]) == ("0.00", "13.67")
    page = web("clerk").get(f"/procurement/dispensing/{draft['id']}").get_data(as_text=True)
    assert "13.67" in page and "按当前库存预计" in page
    assert ">6.17<" in page and ">6.00<" in page
    posted = api("finance").post(f"/api/v1/dispensing/{draft['id']}/post", json={})
    assert posted.status_code == 200, posted.json
    assert posted.json["amount"] == posted.json["expected_amount"] == "13.67"
    assert [l["value"] for l in posted.json["lines"]] == ["6.17", "6.00"]
    short = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 16}]}).json  # 15 tablets left
    assert short["expected_amount"] is None
    assert "库存不足" in web("clerk").get(f"/procurement/dispensing/{short['id']}").get_data(as_text=True)


def test_a_draft_transfer_shows_the_cost_it_will_take(flow, api, web):
    early, late = (TODAY + timedelta(days=200)).isoformat(), (TODAY + timedelta(days=700)).isoformat()
    order = approved_order(api, [(ASPIRIN, 2)])
    for batch, expiry in (("LATE", late), ("EARLY", early)):
        response = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
            {"po_line": order["lines"][0]["id"], "quantity": 1, "batch": batch, "expiry": expiry}]})
        assert api("procurement").post(f"/api/v1/receipts/{response.json['id']}/accept", json={}).status_code == 200
    draft = api("pharmacy").post("/api/v1/transfers", json={"to_institution": "QH102", "lines": [
        {"item": ASPIRIN, "quantity": 40}]})
    # first expiry first out: the whole EARLY box (12.35 as received) and 10 tablets of LATE (4.12)
    assert (draft.json["amount"], draft.json["expected_amount"]) == ("0.00", "16.47")
    assert "16.47" in web("procurement").get(f"/procurement/transfers/{draft.json['id']}").get_data(as_text=True)
    posted = api("procurement").post(f"/api/v1/transfers/{draft.json['id']}/post", json={})
    assert posted.status_code == 200 and posted.json["amount"] == posted.json["expected_amount"] == "16.47"


def test_the_receivers_voucher_links_the_lead_hospitals_transfer_only_for_those_who_may_open_it(flow, api, web):
    """The transfer belongs to the issuer (the central pharmacy, QH001): the receiving centre books its
    transfer_in voucher, whose page names the transfer but links it only for users who may open it."""
    _stocked(api, {ASPIRIN: 1})
    body = _transfer(api, [(ASPIRIN, 30)], to="QH101").json
    [into] = document_vouchers("transfer_in", body["id"])
    [out] = document_vouchers("transfer_out", body["id"])
    transfer = f"/procurement/transfers/{body['id']}"

    township = web("accountant")  # QH101 and its village clinics
    page = township.get(f"/ledger/vouchers/{into.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert body["number"] in html and f'href="{transfer}"' not in html
    # still out of their scope: the lead's transfer and its voucher
    assert township.get(transfer).status_code == 404 and township.get(f"/ledger/vouchers/{out.id}").status_code == 404
    assert api("accountant").get(f"/api/v1/transfers/{body['id']}").status_code == 404

    finance = web("finance")  # the whole community
    assert f'href="{transfer}"' in finance.get(f"/ledger/vouchers/{into.id}").get_data(as_text=True)
    assert finance.get(transfer).status_code == 200
