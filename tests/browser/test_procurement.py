"""统一采购 and 统一配送 in the browser: a township's clerk requisitions, finance approves, the procurement clerk
consolidates the month into one order per supplier; the central pharmacy registers a delivery with batch,
expiry and 追溯码, another person accepts it, and the stock shows the batch."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from erp.core.demo import DEMO_PASSWORD
from erp.core.timeutil import local_today
from tests.browser.steps import approve_order, approve_requisition, consolidate, open_menu, requisition

AMLODIPINE = "XC08CAA163A001010100483"   # 苯磺酸氨氯地平片, S001 at 4.6800 a box (省平台)
METFORMIN = "XA10BAE037A001020101132"    # 盐酸二甲双胍片, S001 at 3.9840
ROSUVASTATIN = "XC10AAR056A001020102217"  # 瑞舒伐他汀钙片, S002 at 5.1800
S001, S002 = "国药控股清河医药有限公司", "华润河北医药有限公司"
ITEMS = [(AMLODIPINE, "苯磺酸氨氯地平片", 28, "S001", "4.6800"), (METFORMIN, "盐酸二甲双胍片", 48, "S001", "3.9840"),
         (ROSUVASTATIN, "瑞舒伐他汀钙片", 28, "S002", "5.1800")]


def _uscc(serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91130522{serial:09d}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture(scope="module", autouse=True)
def master_data(chromium, server):
    """The served demo has no catalogue: the procurement clerk's master data, through the API once per run
    (the three items, two suppliers, their agreements, the formularies of QH102 and the central pharmacy)."""
    context = chromium.new_context(base_url=server)
    api = context.request
    token = api.post("/api/v1/auth/token", data={"username": "procurement", "password": DEMO_PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def post(url: str, body: dict) -> None:
        response = api.post(url, data=body, headers=headers)
        assert response.status in (201, 200, 409) or "exists" in response.text(), (url, response.text())

    far = (local_today() + timedelta(days=900)).isoformat()
    for serial, (code, name) in enumerate((("S001", S001), ("S002", S002)), start=901):
        post("/api/v1/suppliers", {"code": code, "name": name, "uscc": _uscc(serial), "role": "distributor",
                                   "licence_expires": far})
    start = (local_today().replace(day=1) - timedelta(days=40)).isoformat()
    for code, name, units, supplier, price in ITEMS:
        post("/api/v1/catalogue/items", {"code": code, "generic_name": name, "category": "drug", "package_unit": "盒",
                                         "min_unit": "片", "units_per_package": units, "manufacturer": "测试药厂"})
        post("/api/v1/price-agreements", {"item": code, "supplier": supplier, "unit_price": price, "valid_from": start,
                                          "platform": "provincial"})
        for member in ("QH001", "QH102"):
            post("/api/v1/formularies", {"institution": member, "item": code})
    context.close()


def test_the_procurement_clerk_consolidates_approved_requisitions_into_one_order_per_supplier(signed_in):
    clerk = signed_in("clerk")  # 柳林镇卫生院 QH102
    url = requisition(clerk, "QH102", [(AMLODIPINE, 3), (ROSUVASTATIN, 2), (METFORMIN, 4)])
    expect(clerk.locator("main")).to_contain_text("已提交")
    approve_requisition(signed_in("finance"), url)

    procurement = signed_in("procurement")
    open_menu(procurement, "汇总采购")
    previews = procurement.locator("section.order-preview")
    # the preview: S001's two items on one order, S002's one on another — each supplier once
    s001 = previews.filter(has=procurement.get_by_role("heading", name=f"S001 {S001} · 省平台"))
    s002 = previews.filter(has=procurement.get_by_role("heading", name=f"S002 {S002} · 省平台"))
    expect(s001).to_have_count(1)
    expect(s002).to_have_count(1)
    expect(s001.locator("tbody tr").filter(has_text=AMLODIPINE)).to_contain_text("4.68")
    expect(s001.locator("tbody tr").filter(has_text=METFORMIN)).to_contain_text("3.984")
    expect(s002.locator("tbody tr").filter(has_text=ROSUVASTATIN)).to_contain_text("5.18")

    made = consolidate(procurement)
    suppliers = [name for _, name in made]
    assert sorted(suppliers) == sorted({*suppliers}) and {S001, S002} <= set(suppliers), made  # one per supplier
    number = next(number for number, name in made if name == S001)
    procurement.get_by_role("link", name=number, exact=True).click()
    lines = procurement.locator("main table.grid tbody tr")
    expect(lines.filter(has_text=AMLODIPINE)).to_contain_text("3 盒")
    expect(lines.filter(has_text=METFORMIN)).to_contain_text("4 盒")
    expect(procurement.locator("dl.facts")).to_contain_text("待审批")
    expect(procurement.locator("dl.facts")).to_contain_text("29.98")  # 3 × 4.68 + 4 × 3.984 = 14.04 + 15.94 (15.936)
    # nothing of the month is left to consolidate: the lines point to their order now
    open_menu(procurement, "汇总采购")
    expect(procurement.locator("section.order-preview").filter(has_text=AMLODIPINE)).to_have_count(0)


def test_a_delivery_is_registered_with_batch_expiry_and_codes_accepted_by_another_person_and_stocked(signed_in):
    clerk = signed_in("clerk")
    approve_requisition(signed_in("finance"), requisition(clerk, "QH102", [(AMLODIPINE, 2)]))
    [(number, supplier)] = consolidate(signed_in("procurement"))
    assert supplier == S001
    approve_order(signed_in("chief"), number)

    pharmacy = signed_in("pharmacy")  # 中心药房 QH001
    open_menu(pharmacy, "采购订单")
    pharmacy.get_by_role("link", name=number, exact=True).click()
    pharmacy.get_by_role("link", name="登记收货").click()
    batch = f"B{secrets.token_hex(3).upper()}"
    expiry = local_today() + timedelta(days=540)
    codes = [f"8{secrets.randbelow(10 ** 19):019d}" for _ in range(2)]  # 码上放心: 20 digits starting with 8
    pharmacy.get_by_label(f"数量 {AMLODIPINE}").fill("2")
    pharmacy.get_by_label(f"批号 {AMLODIPINE}").fill(batch)
    pharmacy.get_by_label(f"有效期 {AMLODIPINE}").fill(expiry.isoformat())
    pharmacy.get_by_label(f"追溯码 {AMLODIPINE}").fill("\n".join(codes))  # as the scanner types them
    pharmacy.get_by_role("button", name="登记收货（待验收）").click()
    expect(pharmacy.locator(".flash.success")).to_contain_text("已登记，待验收")
    receipt_url = pharmacy.url
    facts = pharmacy.locator("dl.facts")
    expect(facts).to_contain_text("待验收")
    expect(facts).to_contain_text("9.36")  # 2 × 4.68
    line = pharmacy.locator("main table.grid tbody tr").first
    for text in (batch, expiry.isoformat(), *codes):
        expect(line).to_contain_text(text)

    accepter = signed_in("procurement")  # not the person who registered it
    accepter.goto(receipt_url)
    accepter.get_by_label("验收结论").fill("外观、数量、批号、效期核对无误")
    accepter.get_by_role("button", name="验收入库").click()
    expect(accepter.locator(".flash.success")).to_contain_text("已处理")
    expect(accepter.locator("dl.facts")).to_contain_text("已入库")
    expect(accepter.locator("dl.facts")).to_contain_text("记-")  # its voucher (库存物品 / 应付账款)

    open_menu(pharmacy, "库存")
    pharmacy.get_by_label("编码或名称").fill(AMLODIPINE)
    pharmacy.get_by_role("button", name="筛选").click()
    stocked = pharmacy.locator("main table.grid tbody tr").filter(has_text=batch)
    expect(stocked).to_contain_text("QH001")
    expect(stocked).to_contain_text("2 盒")
    expect(stocked).to_contain_text("9.36")
