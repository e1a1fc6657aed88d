"""Catalogue Excel import: all or nothing with a row-by-row report, re-import updates by code, export round trip."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from erp.core.extensions import db
from erp.core.models import AuditEntry
from erp.procurement import services as procurement
from erp.procurement.models import CatalogueItem
from erp.procurement.reports import catalogue_workbook
from tests.core.test_jobs import passed_on  # noqa: F401 - the progress reports' fixture of the core job tests

HEADER = ["医保编码", "类别", "通用名", "商品名", "剂型", "规格", "包装单位", "最小单位", "包装数量", "生产企业",
          "国家集采中选", "医保甲类", "医保乙类"]
GOOD = [
    ["XJ01CAA040E001010101605", "药品", "阿莫西林胶囊", "", "胶囊剂", "0.25g", "盒", "粒", 24, "华北制药", "是", "是", ""],
    ["ZA04CAT0019010100705", "drug", "复方丹参滴丸", "", "滴丸剂", "27mg", "瓶", "丸", 180, "天士力", "", "是", ""],
    ["C15011121200000107660000016", "医用耗材", "一次性使用输液器", "", "", "带针", "箱", "支", 400, "威高", "", "", "是"],
    ["T001700001", "中药饮片", "黄芪", "", "饮片", "片", "kg", "g", 1000, "亳州饮片厂", "", "", ""],
]


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CatalogueItem))


def test_a_good_file_imports_every_row_with_its_audit_entries(demo):
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    result = procurement.import_catalogue(db.session, demo.id, workbook(GOOD))
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    item = procurement.item_by_code(db.session, demo.id, "XJ01CAA040E001010101605")
    assert (item.generic_name, item.units_per_package, item.flags, item.kind.value) == (
        "阿莫西林胶囊", 24, ["vbp", "insurance_a"], "western_drug")
    assert procurement.item_by_code(db.session, demo.id, "T001700001").category.value == "herbal"
    # the new items by the 500 in one entry each, every item's row in it
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "CatalogueItem")).all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before + 1
    first, last = entries[0].after["items"][0]["id"], entries[0].after["items"][-1]["id"]
    assert [(e.action, e.record_id) for e in entries] == [("import", f"{first}-{last}")]
    logged = {row["code"]: row for row in entries[0].after["items"]}
    assert sorted(logged) == sorted(row[0] for row in GOOD)
    assert logged[item.code]["generic_name"] == "阿莫西林胶囊" and logged[item.code]["vbp"] is True


def test_one_bad_row_imports_nothing_and_every_error_is_listed(demo):
    bad = [list(row) for row in GOOD] + [
        ["XJ01CAA040E00101010160", "药品", "坏编码", "", "", "", "盒", "粒", 10, "", "", "", ""],    # row 6: 22 chars
        ["T001700002", "药品", "黄芩", "", "", "", "kg", "g", 1000, "", "", "", ""],              # row 7: category
        ["T001700003", "中药饮片", "", "", "", "", "kg", "g", "十", "", "也许", "是", "是"],     # row 8: four errors
        ["XJ01CAA040E001010101605", "药品", "阿莫西林", "", "", "", "盒", "粒", 24, "", "", "", ""],  # row 9: twice
    ]
    with pytest.raises(procurement.CatalogueImportFailed) as failed:
        procurement.import_catalogue(db.session, demo.id, workbook(bad))
    found = {(e.row, e.column) for e in failed.value.errors}
    assert found == {(6, "医保编码"), (7, "类别"), (8, "通用名"), (8, "包装数量"), (8, "国家集采中选"), (8, "医保乙类"),
                     (9, "医保编码")}
    assert failed.value.code == "import_failed" and failed.value.status == 422
    assert count() == 0
    report = load_workbook(io.BytesIO(procurement.error_report(failed.value.errors, "目录.xlsx"))).active
    assert report["A2"].value == "7 处错误，未导入任何行"
    assert [cell.value for cell in report[3]] == ["行号", "列", "单元格内容", "错误说明"] and report.max_row == 10


def test_a_missing_column_or_a_non_workbook_is_refused(demo):
    with pytest.raises(procurement.CatalogueImportFailed) as missing:
        procurement.import_catalogue(db.session, demo.id, workbook([GOOD[0][:3]], HEADER[:3]))
    assert {e.column for e in missing.value.errors} == {"package_unit", "min_unit"}
    with pytest.raises(procurement.CatalogueImportFailed) as junk:
        procurement.import_catalogue(db.session, demo.id, b"PK not really a workbook")
    assert junk.value.errors[0].row == 0


def test_re_import_updates_by_code_and_an_export_re_imports_unchanged(demo):
    procurement.import_catalogue(db.session, demo.id, workbook(GOOD))
    changed = [list(row) for row in GOOD]
    changed[0][5], changed[0][10] = "0.5g", ""          # new specification, no longer 集采
    result = procurement.import_catalogue(db.session, demo.id, workbook(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    db.session.expire_all()
    item = procurement.item_by_code(db.session, demo.id, "XJ01CAA040E001010101605")
    assert (item.specification, item.vbp, item.insurance_a) == ("0.5g", False, True)
    exported = catalogue_workbook(db.session.scalars(select(CatalogueItem).order_by(CatalogueItem.code)))
    again = procurement.import_catalogue(db.session, demo.id, exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_the_command_line_import_shows_progress_and_refuses_a_bad_file(app, demo, tmp_path):
    from erp.procurement.cli import procurement_cli

    good, bad = tmp_path / "目录.xlsx", tmp_path / "坏.xlsx"
    good.write_bytes(workbook(GOOD))
    bad.write_bytes(workbook([["X1", "药品", "坏", "", "", "", "盒", "粒", 1, "", "", "", ""]]))
    runner = app.test_cli_runner()
    done = runner.invoke(procurement_cli, ["import-catalogue", str(good)])
    assert done.exit_code == 0, done.output
    assert "检查 4/4" in done.output and "写入 4/4" in done.output and "新增 4" in done.output
    failed = runner.invoke(procurement_cli, ["import-catalogue", str(bad)])
    assert failed.exit_code == 1 and "第 2 行 医保编码" in failed.output


def test_a_code_added_meanwhile_makes_the_import_a_conflict_not_a_server_error(demo, monkeypatch):
    from erp.core.errors import Conflict
    from erp.procurement.services import catalogue_import

    insert_new = getattr(catalogue_import, "_insert")

    def racing(session, rows, report):
        # another clerk's item with one of the new codes lands between the import's check and its insert
        procurement.create_item(db.session, demo.id, {"code": GOOD[0][0], "category": "drug", "generic_name": "x",
                                                      "package_unit": "盒", "min_unit": "粒"})
        insert_new(session, rows, report)

    monkeypatch.setattr(catalogue_import, "_insert", racing)
    with pytest.raises(Conflict) as conflict:
        with db.session.begin_nested():
            procurement.import_catalogue(db.session, demo.id, workbook(GOOD))
    assert conflict.value.code == "concurrent_change"


def test_the_import_job_reports_the_rows_checked_then_written(demo, api, passed_on):  # noqa: F811
    import base64

    submitted = api("procurement").post("/api/v1/catalogue/import", json={
        "file": base64.b64encode(workbook(GOOD)).decode(), "filename": "目录.xlsx"})
    assert submitted.status_code == 202
    assert passed_on[1:] == [(4, 8, "已检查 4 / 4 行 (checked 4 of 4 rows)"),
                             (8, 8, "已写入 4 / 4 行 (wrote 4 of 4 rows)")]  # the second half: writing


@pytest.mark.committed
def test_the_import_job_runs_in_the_background_and_the_cli_waits_for_it(app, demo, api, monkeypatch):
    import base64

    from erp.core.cli import main
    from erp.core.models import Job

    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")  # a worker thread, as without Redis
    clerk, runner = api("procurement"), app.test_cli_runner()
    good = clerk.post("/api/v1/catalogue/import", json={"file": base64.b64encode(workbook(GOOD)).decode(),
                                                        "filename": "目录.xlsx"})
    assert good.status_code == 202 and good.json["title"] == "导入统一用药目录 目录.xlsx"
    waited = runner.invoke(main, ["jobs", "wait", str(good.json["id"])])
    assert waited.exit_code == 0, waited.output
    assert "done: 导入统一用药目录 目录.xlsx, result file 目录导入结果-目录.xlsx" in waited.output
    db.session.expire_all()
    job = db.session.get(Job, good.json["id"])
    assert (job.done, job.total, job.result) == (8, 8, {"created": 4, "updated": 0, "unchanged": 0, "warnings": 0})
    assert count() == 4
    rows = list(load_workbook(io.BytesIO(clerk.get(f"/api/v1/jobs/{job.id}/result").data)).active.iter_rows(
        values_only=True))
    assert rows[1] == ("新增 4，更新 0，未变 0，编码提示 0 条",) + (None,) * (len(rows[1]) - 1)
    bad = clerk.post("/api/v1/catalogue/import", json={"file": base64.b64encode(workbook(
        GOOD[:1] + [["X1", "药品", "坏", "", "", "", "盒", "粒", 1, "", "", "", ""]])).decode()})
    failed = runner.invoke(main, ["jobs", "wait", str(bad.json["id"])])
    assert failed.exit_code == 1 and "目录导入失败：1 处错误" in failed.output
    assert count() == 4
