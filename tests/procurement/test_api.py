"""The procurement master-data API as integrations use it: catalogue items by code, formularies, suppliers,
price agreements with history, the 中药饮片 price (zero_markup), the workbook, the parameters."""
from __future__ import annotations

import base64
import io

import pytest
from openpyxl import load_workbook

from tests.factories import supplier_uscc

ITEM = {"code": "XC08CAA001A001010100001", "generic_name": "氨氯地平片", "category": "drug", "specification": "5mg",
        "dosage_form": "片剂", "package_unit": "盒", "min_unit": "片", "units_per_package": 28,
        "manufacturer": "辉瑞制药有限公司", "flags": ["vbp", "consistency", "insurance_a"]}
HERBAL = {"code": "T001700005", "generic_name": "黄芪", "category": "herbal", "specification": "片",
          "dosage_form": "饮片", "package_unit": "kg", "min_unit": "g", "units_per_package": 1000,
          "manufacturer": "亳州中药饮片厂", "flags": []}
SUPPLIER = {"code": "GYS01", "name": "国药控股清河医药有限公司", "uscc": supplier_uscc(11), "role": "distributor",
            "licence_number": "冀AA3110011", "licence_expires": "2029-12-31"}


def test_items_are_created_listed_and_changed_by_code(demo, api):
    clerk = api("procurement")
    created = clerk.post("/api/v1/catalogue/items", json=ITEM)
    assert created.status_code == 201, created.json
    assert created.json["flags"] == ["vbp", "insurance_a", "consistency"] and created.json["kind"] == "western_drug"
    got = clerk.get("/api/v1/catalogue/items/XC08CAA001A001010100001").json
    assert got["units_per_package"] == 28 and got["code_warning"] == ""
    patched = clerk.patch("/api/v1/catalogue/items/XC08CAA001A001010100001", json={"flags": ["vbp"], "active": False})
    assert patched.status_code == 200 and patched.json["flags"] == ["vbp"] and patched.json["active"] is False
    replaced = clerk.put("/api/v1/catalogue/items/XC08CAA001A001010100001", json={**ITEM, "specification": "10mg"})
    assert replaced.json["specification"] == "10mg" and replaced.json["active"] is True
    listed = clerk.get("/api/v1/catalogue/items?q=氨氯&flag=vbp").json
    assert [i["code"] for i in listed["items"]] == ["XC08CAA001A001010100001"]
    assert clerk.get("/api/v1/catalogue/items?category=herbal").json["total"] == 0


def test_bad_items_answer_4xx_naming_the_field(demo, api):
    clerk = api("procurement")
    bad_code = clerk.post("/api/v1/catalogue/items", json={**ITEM, "code": "X123"})
    assert bad_code.status_code == 422 and bad_code.json["error"]["code"] == "invalid_code"
    assert "code" in bad_code.json["error"]["fields"]
    bad_flag = clerk.post("/api/v1/catalogue/items", json={**ITEM, "flags": ["cheap"]})
    assert bad_flag.status_code == 422 and "flags" in str(bad_flag.json["error"]["fields"])
    assert clerk.get("/api/v1/catalogue/items/XC08CAA001A001010100009").status_code == 404
    # a member's pharmacist reads the catalogue but does not change it
    pharmacy = api("pharmacy")
    assert pharmacy.get("/api/v1/catalogue/items").status_code == 200
    assert pharmacy.post("/api/v1/catalogue/items", json=ITEM).status_code == 403


def test_a_formulary_is_kept_per_member(demo, api):
    clerk, pharmacy = api("procurement"), api("pharmacy")
    clerk.post("/api/v1/catalogue/items", json=ITEM)
    added = pharmacy.post("/api/v1/formularies", json={"institution": "QH001", "item": ITEM["code"], "min_stock": 20})
    assert added.status_code == 200 and added.json["institution"] == "QH001" and added.json["min_stock"] == 20
    # the lead hospital's pharmacist may not change a township's formulary
    assert pharmacy.post("/api/v1/formularies", json={"institution": "QH101", "item": ITEM["code"]}).status_code == 403
    listed = clerk.get("/api/v1/formularies?institution=QH001").json
    assert [f["item"] for f in listed["items"]] == [ITEM["code"]]
    assert clerk.get("/api/v1/catalogue/items?institution=QH001").json["total"] == 1
    assert clerk.get("/api/v1/catalogue/items?institution=QH101").json["total"] == 0


def test_suppliers_and_agreements_with_history(demo, api):
    clerk = api("procurement")
    clerk.post("/api/v1/catalogue/items", json=ITEM)
    supplier = clerk.post("/api/v1/suppliers", json=SUPPLIER)
    assert supplier.status_code == 201 and supplier.json["licence_valid"] is True
    bad = clerk.post("/api/v1/suppliers", json={**SUPPLIER, "code": "GYS02", "uscc": "91440101000000000X"})
    assert bad.status_code == 422 and "uscc" in bad.json["error"]["fields"]
    first = clerk.post("/api/v1/price-agreements", json={
        "item": ITEM["code"], "supplier": "GYS01", "unit_price": "4.6800", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", "platform": "provincial", "platform_code": "HBYP0001", "agreed_volume": 600})
    assert first.status_code == 201 and first.json["unit_price"] == "4.6800"
    second = clerk.post("/api/v1/price-agreements", json={
        "item": ITEM["code"], "supplier": "GYS01", "unit_price": 4.2, "valid_from": "2026-07-01",
        "valid_to": None, "platform": "shenzhen"})
    assert second.status_code == 201 and second.json["unit_price"] == "4.2000"
    history = clerk.get(f"/api/v1/price-agreements?item={ITEM['code']}").json["items"]
    assert [(a["unit_price"], a["superseded_by"]) for a in history] == [("4.6800", second.json["id"]),
                                                                          ("4.2000", None)]
    in_force = clerk.get(f"/api/v1/price-agreements?item={ITEM['code']}&on=2026-06-30").json["items"]
    assert [a["id"] for a in in_force] == [first.json["id"]]
    in_force = clerk.get(f"/api/v1/price-agreements?item={ITEM['code']}&on=2026-07-01").json["items"]
    assert [a["id"] for a in in_force] == [second.json["id"]]
    too_precise = clerk.post("/api/v1/price-agreements", json={
        "item": ITEM["code"], "supplier": "GYS01", "unit_price": "4.20001", "valid_from": "2026-08-01"})
    assert too_precise.status_code == 422 and "unit_price" in too_precise.json["error"]["fields"]
    unknown = clerk.post("/api/v1/price-agreements", json={
        "item": ITEM["code"], "supplier": "NOPE", "unit_price": "1", "valid_from": "2026-08-01"})
    assert unknown.status_code == 404 and "supplier" in unknown.json["error"]["fields"]


def test_the_selling_price_is_refused_with_zero_markup_except_herbal_within_the_cap(demo, api):
    clerk, pharmacy = api("procurement"), api("pharmacy")
    for item in (ITEM, HERBAL):
        clerk.post("/api/v1/catalogue/items", json=item)
        clerk.post("/api/v1/suppliers", json=SUPPLIER)
        clerk.post("/api/v1/price-agreements", json={"item": item["code"], "supplier": "GYS01",
                                                     "unit_price": "48.0000", "valid_from": "2020-01-01"})
    ok = pharmacy.put(f"/api/v1/catalogue/items/{HERBAL['code']}/price",
                      json={"institution": "QH001", "selling_price": "60.0000"})
    assert ok.status_code == 200, ok.json
    assert (ok.json["cost_price"], ok.json["selling_price"], ok.json["markup"]) == ("48.0000", "60.0000", "0.2500")
    above = pharmacy.put(f"/api/v1/catalogue/items/{HERBAL['code']}/price",
                         json={"institution": "QH001", "selling_price": "60.0100"})
    assert above.status_code == 422 and above.json["error"]["code"] == "zero_markup"
    assert all(text in above.json["error"]["message"] for text in (HERBAL["code"], "48.0000", "60.0100", "0.25"))
    drug = pharmacy.put(f"/api/v1/catalogue/items/{ITEM['code']}/price",
                        json={"institution": "QH001", "selling_price": "48.0000"})
    assert drug.status_code == 422 and drug.json["error"]["code"] == "zero_markup"
    assert "selling_price" in drug.json["error"]["fields"]
    assert pharmacy.get(f"/api/v1/catalogue/items/{HERBAL['code']}/price?institution=QH001").json[
        "selling_price"] == "60.0000"
    # another member's price is not the lead hospital pharmacist's to set
    assert pharmacy.put(f"/api/v1/catalogue/items/{HERBAL['code']}/price",
                        json={"institution": "QH101", "selling_price": "50.0000"}).status_code == 403


def test_the_markup_cap_is_a_parameter_of_the_chief_accountant(demo, api):
    assert api("procurement").get("/api/v1/procurement/settings").json["herbal_markup_cap"] == "0.2500"
    assert api("procurement").patch("/api/v1/procurement/settings", json={"herbal_markup_cap": "0.2"}).status_code == 403
    changed = api("chief").patch("/api/v1/procurement/settings", json={"herbal_markup_cap": "0.2"})
    assert changed.status_code == 200 and changed.json["herbal_markup_cap"] == "0.2000"
    unbalanced = api("chief").patch("/api/v1/procurement/settings", json={"compensation_price": "0.7"})
    assert unbalanced.status_code == 422


def test_the_workbook_exports_and_imports_through_the_api(demo, api):
    clerk = api("procurement")
    clerk.post("/api/v1/catalogue/items", json=ITEM)
    exported = clerk.get("/api/v1/catalogue/export")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert sheet["A2"].value == ITEM["code"] and sheet["C2"].value == "氨氯地平片"
    sheet["F2"] = "10mg"
    sheet.append(["T001700009", "herbal", "当归", "", "饮片", "片", "kg", "g", 1000])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    imported = clerk.post("/api/v1/catalogue/import", json={"file": base64.b64encode(buffer.getvalue()).decode()})
    assert imported.status_code == 202 and imported.json["state"] == "queued"
    job = clerk.get(f"/api/v1/jobs/{imported.json['id']}").json  # the tests' backend runs it at the commit
    assert job["state"] == "done" and (job["result"]["created"], job["result"]["updated"]) == (1, 1)
    assert (job["done"], job["total"], job["percent"]) == (4, 4, 100)  # 2 rows checked, then 2 written
    sheet.append(["T00170000", "herbal", "坏", "", "", "", "kg", "g", 1000])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    failed = clerk.post("/api/v1/catalogue/import", json={"file": base64.b64encode(buffer.getvalue()).decode(),
                                                           "filename": "坏目录.xlsx"})
    job = clerk.get(f"/api/v1/jobs/{failed.json['id']}").json
    assert job["state"] == "failed" and job["error"].startswith("目录导入失败：1 处错误") and job["result"] is None
    report = clerk.get(job["result_url"])
    assert report.status_code == 200 and job["result_filename"] == "目录导入错误-坏目录.xlsx"
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[3][:3] == (4, "医保编码", "T00170000")
    assert clerk.post("/api/v1/catalogue/import", json={"file": "not base64!"}).status_code == 422


def test_a_clerk_scoped_to_one_member_cannot_import_the_community_catalogue(demo, api):
    """The catalogue is the community's: the import service itself refuses a user scoped to one member (403),
    through the API and the page alike, and queues no job."""
    from sqlalchemy import func, select

    from erp.core.errors import Forbidden
    from erp.core.extensions import db
    from erp.core.models import Institution, Job, User
    from erp.procurement import services as procurement

    clerk = db.session.scalar(select(User).where(User.username == "procurement"))
    clerk.institutions = [db.session.scalar(select(Institution).where(Institution.code == "QH102"))]
    db.session.commit()
    jobs_before = db.session.scalar(select(func.count(Job.id)))
    refused = api("procurement").post("/api/v1/catalogue/import", json={"file": base64.b64encode(b"PK").decode()})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "community_wide_setting", refused.json
    assert db.session.scalar(select(func.count(Job.id))) == jobs_before
    with pytest.raises(Forbidden):  # the service's own rule, whoever calls it
        procurement.submit_import(db.session, clerk, b"PK", "目录.xlsx")
