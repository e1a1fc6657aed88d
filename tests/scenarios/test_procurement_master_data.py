"""A procurement clerk's first week with the community catalogue, through the API as the integrations do:
the national list imported from Excel, the winning 集采 price agreed, a township's formulary, the
township ordering only what it may, the expired supplier turned away, and the 中药饮片 price kept within the
cap while every drug sells at cost."""
from __future__ import annotations

import base64
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from erp.core.extensions import db
from erp.procurement import services as procurement
from tests.factories import supplier_uscc
from tests.procurement.conftest import institution

LIST = [["医保编码", "类别", "通用名", "剂型", "规格", "包装单位", "最小单位", "包装数量", "生产企业", "国家集采中选", "医保甲类"],
        ["XC08CAA163A001010100777", "drug", "苯磺酸氨氯地平片", "片剂", "5mg", "盒", "片", 28, "浙江华海药业", "是", "是"],
        ["XA10BAE037A001020100777", "drug", "盐酸二甲双胍片", "片剂", "0.5g", "盒", "片", 60, "石药欧意", "是", "是"],
        ["T000700900", "herbal", "黄芪", "饮片", "片", "kg", "g", 1000, "亳州饮片厂", "否", "否"]]


def upload(rows) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_clerks_first_week_with_the_catalogue(demo, api):
    clerk, pharmacy, chief = api("procurement"), api("pharmacy"), api("chief")
    # Monday: the list from the provincial platform, one line mistyped — nothing goes in until it is right
    typo = LIST + [["XA10BAE037A00102010077", "drug", "格列美脲片", "片剂", "2mg", "盒", "片", 30, "赛诺菲", "", ""]]
    refused = clerk.get(f"/api/v1/jobs/{clerk.post('/api/v1/catalogue/import', json={'file': upload(typo)}).json['id']}")
    assert refused.json["state"] == "failed" and "1 处错误" in refused.json["error"]
    assert clerk.get("/api/v1/catalogue/items").json["total"] == 0
    imported = clerk.get(f"/api/v1/jobs/{clerk.post('/api/v1/catalogue/import', json={'file': upload(LIST)}).json['id']}")
    assert imported.json["result"]["created"] == 3

    # Tuesday: the distributor and the 集采 winning price with its agreed volume
    clerk.post("/api/v1/suppliers", json={"code": "S101", "name": "国药控股清河医药有限公司", "uscc": supplier_uscc(101),
                                          "role": "distributor", "licence_expires": "2028-06-30"})
    clerk.post("/api/v1/suppliers", json={"code": "S103", "name": "九州通医药集团河北有限公司", "uscc": supplier_uscc(103),
                                          "role": "distributor", "licence_expires": "2025-10-31"})
    for code, price in (("XC08CAA163A001010100777", "4.6800"), ("T000700900", "96.0000")):
        agreed = clerk.post("/api/v1/price-agreements", json={
            "item": code, "supplier": "S101", "unit_price": price, "valid_from": "2026-01-01",
            "valid_to": "2026-12-31", "platform": "provincial", "agreed_volume": 2400})
        assert agreed.status_code == 201, agreed.json
    late = clerk.post("/api/v1/price-agreements", json={
        "item": "XA10BAE037A001020100777", "supplier": "S103", "unit_price": "3.9840", "valid_from": "2026-01-01"})
    assert late.status_code == 422 and late.json["error"]["code"] == "licence_expired"

    # Wednesday: 城关镇卫生院's formulary takes the two drugs, not the 饮片
    for code in ("XC08CAA163A001010100777", "XA10BAE037A001020100777"):
        assert clerk.post("/api/v1/formularies", json={"institution": "QH101", "item": code}).status_code == 200
    township = institution("QH101")
    on = date(2026, 5, 6)
    amlodipine = procurement.check_orderable(db.session, township, "XC08CAA163A001010100777")
    assert procurement.agreement_in_force(db.session, amlodipine, None, on).unit_price == Decimal("4.6800")
    metformin = procurement.check_orderable(db.session, township, "XA10BAE037A001020100777")
    assert procurement.agreement_in_force(db.session, metformin, None, on) is None  # 非网采: needs the override
    with pytest.raises(procurement.NotOrderable) as refused_item:
        procurement.check_orderable(db.session, township, "T000700900")
    assert refused_item.value.code == "not_in_formulary"
    with pytest.raises(procurement.LicenceExpired) as refused_supplier:
        procurement.check_supplier_licence(procurement.supplier_by_code(db.session, demo.id, "S103"), on)
    assert refused_supplier.value.code == "licence_expired"

    # Thursday: the central pharmacy prices 黄芪 (cost 96.0000) — 25% is the most, and a drug is never priced
    assert pharmacy.put("/api/v1/catalogue/items/T000700900/price", json={
        "institution": "QH001", "selling_price": "120.0001"}).json["error"]["code"] == "zero_markup"
    priced = pharmacy.put("/api/v1/catalogue/items/T000700900/price", json={
        "institution": "QH001", "selling_price": "115.2000"})
    assert priced.status_code == 200 and priced.json["markup"] == "0.2000"
    assert pharmacy.put("/api/v1/catalogue/items/XC08CAA163A001010100777/price", json={
        "institution": "QH001", "selling_price": "4.6800"}).json["error"]["code"] == "zero_markup"

    # Friday: the chief accountant lowers the cap to 15%; the next price above it is refused
    chief.patch("/api/v1/procurement/settings", json={"herbal_markup_cap": "0.15"})
    assert pharmacy.put("/api/v1/catalogue/items/T000700900/price", json={
        "institution": "QH001", "selling_price": "110.4001"}).json["error"]["code"] == "zero_markup"
    assert pharmacy.put("/api/v1/catalogue/items/T000700900/price", json={
        "institution": "QH001", "selling_price": "110.4000"}).status_code == 200
