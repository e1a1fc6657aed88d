"""The clerks' screens, as a browser uses them (forms with CSRF): the requisition grid, the consolidation preview
and button, the order page's approval, the receipt grid and its acceptance, the stock list and the 账实核对."""
from __future__ import annotations

from sqlalchemy import select

from erp.core.extensions import db
from erp.procurement.models import PurchaseOrder, Receipt, Requisition
from tests.conftest import csrf_token
from tests.procurement.flow.conftest import AMOXI, ASPIRIN, EXPIRY, NO_DEAL, PERIOD


def _post(client, url: str, data: dict, page: str | None = None):
    token = csrf_token(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_requisition_to_order_to_receipt_through_the_screens(flow, web):
    clerk = web("clerk")
    form = clerk.get("/procurement/requisitions/new").get_data(as_text=True)
    assert 'name="item[]"' in form and "柳林镇卫生院" in form
    response = clerk.post("/procurement/requisitions/new", data={
        "csrf_token": csrf_token(form), "institution": "QH102", "item[]": [ASPIRIN, AMOXI, NO_DEAL, ""],
        "quantity[]": ["12", "6", "2", ""], "submit": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    requisition = db.session.scalar(select(Requisition))
    assert requisition.state.value == "submitted" and len(requisition.lines) == 3
    finance = web("finance")
    page = f"/procurement/requisitions/{requisition.id}"
    assert _post(finance, f"{page}/approve", {}, page).status_code == 302
    db.session.expire_all()
    assert requisition.state.value == "approved"

    procurement = web("procurement")
    preview = procurement.get(f"/procurement/orders/consolidate?period={PERIOD}").get_data(as_text=True)
    assert "国药控股测试医药有限公司" in preview and "华润测试医药有限公司" in preview
    assert "连花清瘟胶囊" in preview.split("无有效价格协议")[1]  # left open, shown apart
    response = _post(procurement, "/procurement/orders/consolidate", {"period": PERIOD},
                     f"/procurement/orders/consolidate?period={PERIOD}")
    assert response.status_code == 302
    orders = db.session.scalars(select(PurchaseOrder).order_by(PurchaseOrder.id)).all()
    assert [o.supplier.code for o in orders] == ["S101", "S102"]
    listing = procurement.get(f"/procurement/orders?period={PERIOD}").get_data(as_text=True)
    assert orders[0].number in listing and "148.15" in listing  # 12 × 12.3456 = 148.1472

    chief = web("chief")
    order_page = f"/procurement/orders/{orders[0].id}"
    assert _post(chief, f"{order_page}/approve", {}, order_page).status_code == 302
    assert "已审批" in chief.get(order_page).get_data(as_text=True)

    pharmacy = web("pharmacy")
    grid = pharmacy.get(f"/procurement/receipts/new?order={orders[0].id}").get_data(as_text=True)
    assert 'name="batch[]"' in grid and "阿司匹林肠溶片" in grid
    line = orders[0].lines[0]
    bad = pharmacy.post("/procurement/receipts/new", data={
        "csrf_token": csrf_token(grid), "order": orders[0].id, "po_line[]": [line.id], "quantity[]": ["13"],
        "batch[]": ["B1"], "expiry[]": [EXPIRY], "codes[]": [""]})
    assert bad.status_code == 422 and "超量收货" in bad.get_data(as_text=True)
    response = pharmacy.post("/procurement/receipts/new", data={
        "csrf_token": csrf_token(grid), "order": orders[0].id, "po_line[]": [line.id], "quantity[]": ["12"],
        "batch[]": ["B240501"], "expiry[]": [EXPIRY], "codes[]": ["81234567890123456789\n81234567890123456790"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    receipt = db.session.scalar(select(Receipt))
    page = f"/procurement/receipts/{receipt.id}"
    assert _post(procurement, f"{page}/accept", {"note": "合格"}, page).status_code == 302
    shown = procurement.get(page).get_data(as_text=True)
    assert "已入库" in shown and "81234567890123456790" in shown and "记-" in shown
    stock_page = pharmacy.get("/procurement/stock").get_data(as_text=True)
    assert "B240501" in stock_page and "148.15" in stock_page
    check = web("finance").get("/procurement/stock-reconciliation").get_data(as_text=True)
    assert "148.15" in check and "不符" not in check


def test_cancelling_a_line_of_an_approved_order_on_its_page_asks_and_returns_it_for_approval(flow, api, web):
    from tests.procurement.flow.conftest import HERB, approved_order, received

    order = approved_order(api, [(ASPIRIN, 3), (HERB, 1)])
    herb = next(line for line in order["lines"] if line["item"] == HERB)
    clerk, url = web("procurement"), f"/procurement/orders/{order['id']}"
    html = clerk.get(url).get_data(as_text=True)
    assert "订单退回待审批，需重新审批" in html and html.count(">作废此行</button>") == 2
    assert _post(clerk, f"{url}/cancel_line", {"line": herb["id"], "reason": "供应商缺货"}, url).status_code == 302
    html = clerk.get(url).get_data(as_text=True)
    assert "已处理" in html and "待审批" in html and "已作废：供应商缺货" in html
    assert "37.04" in html  # 3 × 12.3456: the total the chief accountant approves again
    again = approved_order(api, [(ASPIRIN, 2)])
    received(api, again, {ASPIRIN: 1})
    assert ">作废此行<" not in clerk.get(f"/procurement/orders/{again['id']}").get_data(as_text=True)
