"""The procurement pages as the clerks use them: the catalogue list and an item's page, a new item, the
import page with its error report, suppliers and agreements, the 饮片 price form — in Chinese, with the
service's refusals shown."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from tests.conftest import csrf_token


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_demo_catalogue_suppliers_and_agreements_are_listed(catalogue, web):
    clerk = web("procurement")
    html = page(clerk, "/procurement/catalogue?q=阿莫西林")
    assert "XJ01CAA040E001010101605" in html and "国家集采中选" in html and "新增品种" in html
    assert "共 1 条" in page(clerk, "/procurement/catalogue?flag=negotiated&category=drug&q=达格列净")
    assert "共 45 条" in page(clerk, "/procurement/catalogue?category=bogus&flag=nope")  # unknown choices ignored
    suppliers = page(clerk, "/procurement/suppliers")
    assert "九州通医药集团河北有限公司" in suppliers and "已过期（2025-10-31）" in suppliers
    assert "华北制药股份有限公司" in page(clerk, "/procurement/suppliers?licence=valid&role=manufacturer")
    agreements = page(clerk, "/procurement/agreements?q=XC08CAA163")
    assert "4.6800" in agreements and "5.2400" in agreements and "已到期" in agreements and "现行" in agreements
    item = page(clerk, "/procurement/catalogue/XC08CAA163A001010100483")
    assert "价格协议（统一谈判）及历史" in item and "零差率" in item and "QH101" in item
    assert clerk.get("/procurement/catalogue/XC08CAA163A001010100499").status_code == 404
    export = clerk.get("/procurement/catalogue/export.xlsx")
    assert export.status_code == 200 and len(export.data) > 2000


def test_a_new_item_and_an_edit_through_the_forms(catalogue, web):
    clerk = web("procurement")
    token = csrf_token(page(clerk, "/procurement/catalogue/new"))
    form = {"csrf_token": token, "code": "xa02bca052e002010109999", "category": "drug", "generic_name": "奥美拉唑肠溶胶囊",
            "package_unit": "盒", "min_unit": "粒", "units_per_package": "28", "flags": ["vbp", "insurance_a"],
            "active": "y"}
    created = clerk.post("/procurement/catalogue/new", data=form)
    assert created.status_code == 302 and created.location.endswith("/procurement/catalogue/XA02BCA052E002010109999")
    refused = clerk.post("/procurement/catalogue/new", data={**form, "code": "XA02BCA052"})
    assert refused.status_code == 200 and "药品编码 XA02BCA052 格式不符" in refused.get_data(as_text=True)
    item = page(clerk, "/procurement/catalogue/XA02BCA052E002010109999")
    edited = clerk.post("/procurement/catalogue/XA02BCA052E002010109999", data={
        **form, "csrf_token": csrf_token(item), "specification": "20mg", "flags": ["vbp"]})
    assert edited.status_code == 302
    assert "20mg" in page(clerk, "/procurement/catalogue/XA02BCA052E002010109999")
    # a member's pharmacist reads but may not change it
    pharmacy = web("pharmacy")
    assert pharmacy.get("/procurement/catalogue/new").status_code == 403
    assert pharmacy.post("/procurement/catalogue/XA02BCA052E002010109999",
                         data={**form, "csrf_token": csrf_token(page(pharmacy, "/procurement/catalogue"))}
                         ).status_code == 403


def test_the_import_page_lists_every_error_and_imports_a_good_file(catalogue, web):
    clerk = web("procurement")
    form = page(clerk, "/procurement/catalogue/import")
    assert 'id="import-status"' in form and "procurement/import.js" in form  # the wait is shown, no inline script
    assert clerk.get("/static/procurement/import.js").status_code == 200
    token = csrf_token(form)
    book = Workbook()
    book.active.append(["医保编码", "类别", "通用名", "包装单位", "最小单位", "包装数量"])
    book.active.append(["T000700777", "中药饮片", "枸杞子", "kg", "g", 1000])
    book.active.append(["T0007007", "中药饮片", "山药", "kg", "g", 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    failed = clerk.post("/procurement/catalogue/import", data={
        "csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "饮片目录.xlsx")}, content_type="multipart/form-data")
    assert failed.status_code == 303 and "/jobs/" in failed.headers["Location"]  # the job runs in the background
    job = page(clerk, failed.headers["Location"])
    assert "导入统一用药目录 饮片目录.xlsx" in job and "目录导入失败：1 处错误" in job and "目录导入错误-饮片目录.xlsx" in job
    report = clerk.get(failed.headers["Location"] + "/result")
    assert report.status_code == 200 and report.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[3][:3] == (3, "医保编码", "T0007007") and "格式不符" in rows[3][3]
    assert "共 45 条" in page(clerk, "/procurement/catalogue")  # nothing imported
    book.active.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    done = clerk.post("/procurement/catalogue/import", data={
        "csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "饮片目录.xlsx")}, content_type="multipart/form-data")
    assert done.status_code == 303
    status = clerk.get(done.headers["Location"] + "/status").json
    assert (status["state"], status["percent"], status["result"]) == ("done", 100, {
        "created": 1, "updated": 0, "unchanged": 0, "warnings": 0})
    assert status["result_filename"] == "目录导入结果-饮片目录.xlsx"
    assert "枸杞子" in page(clerk, "/procurement/catalogue?q=枸杞")


def test_the_herbal_price_form_refuses_a_markup_above_the_cap(catalogue, web):
    pharmacy = web("pharmacy")
    item = page(pharmacy, "/procurement/catalogue/T000700366")
    assert "120.0000" in item and "25.00%" in item and "设置饮片售价" in item
    token = csrf_token(item)
    refused = pharmacy.post("/procurement/catalogue/T000700366/price", data={
        "csrf_token": token, "price-institution": "QH001", "price-selling_price": "120.0001"})
    assert refused.status_code == 302
    assert "超过加成上限" in page(pharmacy, "/procurement/catalogue/T000700366")
    pharmacy.post("/procurement/catalogue/T000700366/price", data={
        "csrf_token": token, "price-institution": "QH001", "price-selling_price": "110.4000"})
    assert "110.4000" in page(pharmacy, "/procurement/catalogue/T000700366")
    drug = page(pharmacy, "/procurement/catalogue/XC08CAA163A001010100483")
    assert "设置饮片售价" not in drug and "不能手工设置" in drug


def test_a_supplier_and_an_agreement_through_the_forms(catalogue, web):
    clerk = web("procurement")
    token = csrf_token(page(clerk, "/procurement/suppliers/new"))
    from tests.factories import supplier_uscc
    created = clerk.post("/procurement/suppliers/new", data={
        "csrf_token": token, "code": "S009", "name": "河北省医药集团有限公司", "uscc": supplier_uscc(77),
        "role": "distributor", "licence_number": "冀AA3110909", "licence_expires": "2029-06-30", "active": "y"})
    assert created.status_code == 302
    token = csrf_token(page(clerk, "/procurement/agreements/new?item=XC01DAX034A001010100402"))
    expired = clerk.post("/procurement/agreements/new", data={
        "csrf_token": token, "item": "XC01DAX034A001010100402", "supplier": "S003", "unit_price": "9.8000",
        "valid_from": "2026-01-01", "platform": "provincial"})
    assert expired.status_code == 200 and "许可证已于 2025-10-31 到期" in expired.get_data(as_text=True)
    made = clerk.post("/procurement/agreements/new", data={
        "csrf_token": token, "item": "XC01DAX034A001010100402", "supplier": "S009", "unit_price": "9.8000",
        "valid_from": "2026-01-01", "platform": "provincial", "agreed_volume": ""})
    assert made.status_code == 302
    assert "S009 河北省医药集团有限公司" in page(clerk, "/procurement/agreements?supplier=S009")


def test_a_formulary_and_the_markup_cap_through_their_forms(catalogue, web):
    pharmacy = web("pharmacy")
    item = page(pharmacy, "/procurement/catalogue/XA10BJL161B002010107762")  # 利拉鲁肽: not in the townships'
    token = csrf_token(item)
    assert "QH101 城关镇卫生院" not in item.split("纳入用药目录的成员单位")[1].split("</p>")[0]
    refused = pharmacy.post("/procurement/catalogue/XA10BJL161B002010107762/formulary", data={
        "csrf_token": token, "formulary-institution": "QH101", "formulary-action": "add"})
    # the lead hospital's pharmacist keeps only its own formulary: another member is not among the choices
    assert refused.status_code == 302
    assert "请选择成员单位和操作" in page(pharmacy, "/procurement/catalogue/XA10BJL161B002010107762")
    clerk = web("procurement")
    token = csrf_token(page(clerk, "/procurement/catalogue/XA10BJL161B002010107762"))
    clerk.post("/procurement/catalogue/XA10BJL161B002010107762/formulary", data={
        "csrf_token": token, "formulary-institution": "QH101", "formulary-action": "add", "formulary-min_stock": "3"})
    after = page(clerk, "/procurement/catalogue/XA10BJL161B002010107762")
    assert "QH101 城关镇卫生院（最低库存 3）" in after
    assert web("procurement").get("/procurement/settings").status_code == 403
    chief = web("chief")
    form = page(chief, "/procurement/settings")
    assert 'value="0.25"' in form
    data = {"csrf_token": csrf_token(form), "herbal_markup_cap": "0.2", "former_markup": "0.15",
            "compensation_price": "0.8", "compensation_subsidy": "0.1", "compensation_absorbed": "0.1",
            "match_tolerance": "0", "online_target_drugs": "0.9", "online_target_high_value": "0.8",
            "near_expiry_months": "6", "payment_term_days": "30"}
    unbalanced = chief.post("/procurement/settings", data={**data, "compensation_absorbed": "0.2"})
    assert unbalanced.status_code == 200 and "三项比例之和必须为 1" in unbalanced.get_data(as_text=True)
    assert chief.post("/procurement/settings", data=data).status_code == 302
    assert "上限 20.00%" in page(chief, "/procurement/catalogue/T000700366")
