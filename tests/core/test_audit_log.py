"""The auditors' log page: Beijing time, Chinese action, record and field names, the changed fields only,
filters (person, date range, institution, record type and record), paging, Excel, and the auditor's scope."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from io import BytesIO

import openpyxl
from flask import current_app
from sqlalchemy import select

from erp.core import audit
from erp.core.audit_labels import Describer, collect
from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.models import AuditEntry, Institution, User
from erp.core.security import scope_for
from erp.core.session_context import activate_user
from erp.core.timeutil import local_today
from erp.ledger.services.review import review
from tests.conftest import csrf_token
from tests.factories import USER_PASSWORD, UserFactory, VoucherFactory


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _rows(page: str) -> list[dict[str, str]]:
    """The log's rows: column class → text (the changes cell as its 'field: before → after' lines)."""
    rows = []
    body = page.split("<tbody>", 1)[1].rsplit("</tbody>", 1)[0]
    for row in ['<td class="int audit-seq">' + part for part in body.split('<td class="int audit-seq">')[1:]]:
        cells = dict(re.findall(r'<td class="[^"]*audit-(\w+)">([^<]*)</td>', row))
        changes = re.findall(r'<tr><td>([^<]*)</td>(?:<td class="before">([^<]*)</td>)?'
                             r'<td class="after">([^<]*)</td></tr>', row)
        cells["changes"] = [f"{label}: {before} → {after}" if before else f"{label}: {after}"
                            for label, before, after in changes]
        rows.append({key: html.unescape(value) if isinstance(value, str) else value for key, value in cells.items()})
    return rows


def _reviewed_voucher():
    """A QH101 draft by the township accountant (1,234.56), reviewed by the chief accountant."""
    activate_user(db.session, _user("accountant"))
    voucher = VoucherFactory(institution="QH101", preparer="accountant",
                             lines=(("1001", "1234.56"), ("4101010101", "0", "1234.56")))
    db.session.commit()
    activate_user(db.session, _user("chief"))
    review(db.session, _user("chief"), voucher)
    db.session.commit()
    return voucher


def test_every_audited_record_has_a_chinese_name(ctx):
    labels = collect(current_app.extensions["erp"].registry)
    audited = {mapper.class_.__name__ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, Audited)}
    assert audited - set(labels.records) == set()
    assert all(re.search(r"[\u4e00-\u9fff]", labels.records[name].name) for name in audited)


def test_a_review_reads_as_who_did_what_to_which_voucher_in_beijing_time(demo, web):
    voucher = _reviewed_voucher()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Voucher",
                                                        AuditEntry.record_id == str(voucher.id))
                               .order_by(AuditEntry.seq.desc())).first()
    page = web("auditor").get(f"/audit?model=Voucher&record={voucher.id}").get_data(as_text=True)
    latest, created = _rows(page)
    beijing = entry.at.replace(tzinfo=None) + timedelta(hours=8)  # UTC+8, no daylight saving
    assert latest["at"] == f"{beijing:%Y-%m-%d %H:%M:%S}" and "时间（北京时间）" in page
    assert (latest["username"], latest["institution"], latest["action"]) == ("总会计师 李总", "城关镇卫生院", "状态变更")
    assert latest["model"] == "记账凭证"
    # only what the review changed, with Chinese labels and names instead of ids and codes
    assert latest["changes"][:2] == ["状态: 未审核 → 已审核", "审核人: — → 总会计师 李总"]
    assert [c.split(":")[0] for c in latest["changes"]] == ["状态", "审核人", "审核时间"]
    assert created["action"] == "新增" and created["username"] == "城关镇卫生院会计 赵"
    assert "制单人: 城关镇卫生院会计 赵" in created["changes"] and "摘要: " + voucher.memo in created["changes"]
    assert not any(c.startswith(("hash", "id:")) for c in created["changes"])


def test_filters_by_person_date_institution_and_action(demo, web):
    voucher = _reviewed_voucher()
    client = web("auditor")
    by_chief = _rows(client.get("/audit?person=chief").get_data(as_text=True))
    assert by_chief and {row["username"] for row in by_chief} == {"总会计师 李总"}
    today, day = local_today(), timedelta(days=1)
    assert _rows(client.get(f"/audit?model=Voucher&since={today}&until={today}").get_data(as_text=True))
    assert not _rows(client.get(f"/audit?model=Voucher&since={today + day}").get_data(as_text=True))
    assert not _rows(client.get(f"/audit?model=Voucher&until={today - day}").get_data(as_text=True))
    assert not _rows(client.get("/audit?model=Voucher&institution=QH102").get_data(as_text=True))
    shown = _rows(client.get("/audit?model=Voucher&institution=QH101&action=transition").get_data(as_text=True))
    assert [(row["record_id"], row["action"]) for row in shown] == [(str(voucher.id), "状态变更")]
    assert client.get("/audit?since=2026-13-01").status_code == 400


def test_paging_and_the_excel_file(demo, web):
    _reviewed_voucher()
    client = web("auditor")
    total = int(re.search(r"共 (\d+) 条", client.get("/audit").get_data(as_text=True))[1])
    first = _rows(client.get("/audit?per_page=20").get_data(as_text=True))
    second = _rows(client.get("/audit?per_page=20&page=2").get_data(as_text=True))
    assert total > 40 and len(first) == len(second) == 20
    assert int(first[-1]["seq"]) == int(second[0]["seq"]) + 1  # newest first, no gap between pages

    response = client.get("/audit?model=Voucher&export=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if row and "时间（北京时间）" in row)
    data = [dict(zip(header, row)) for row in values[values.index(header) + 1:] if row[0] is not None]
    assert [row["动作"] for row in data] == ["状态变更", "新增"]
    assert "状态：未审核 → 已审核" in data[0]["变更内容"] and "审核人：— → 总会计师 李总" in data[0]["变更内容"]


def test_an_auditor_scoped_to_one_township_sees_only_its_entries(demo, web):
    voucher = _reviewed_voucher()
    activate_user(db.session, _user("clerk"))
    other = VoucherFactory(institution="QH102", preparer="clerk")
    db.session.commit()
    UserFactory(username="town_auditor", role="auditor", institutions=["QH102"])
    db.session.commit()
    client = web("town_auditor", USER_PASSWORD)
    shown = _rows(client.get("/audit?model=Voucher").get_data(as_text=True))
    assert {row["record_id"] for row in shown} == {str(other.id)}
    township = set(db.session.scalars(select(Institution.name).where(
        Institution.id.in_(scope_for(db.session, _user("town_auditor")).institution_ids))))
    assert "柳林镇卫生院" in township and len(township) == 4  # the centre and its village clinics
    every = _rows(client.get("/audit?per_page=500").get_data(as_text=True))
    assert every and {row["institution"] for row in every} <= township
    assert not _rows(client.get(f"/audit?record={voucher.id}&model=Voucher").get_data(as_text=True))
    # the institution filter offers only the township's own members
    page = client.get("/audit").get_data(as_text=True)
    assert 'value="QH102"' in page and 'value="QH101"' not in page


def test_the_log_and_the_tiles_in_english(demo, web):
    voucher = _reviewed_voucher()
    client = web("auditor")
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    page = client.get("/audit?model=Voucher").get_data(as_text=True)
    assert "Time (Beijing)" in page and "State changed" in page and "Record type" in page
    # the modules' label tables too: record type, field labels and state titles in English, the names as they are
    latest, created = _rows(client.get(f"/audit?model=Voucher&record={voucher.id}").get_data(as_text=True))
    assert (latest["model"], latest["action"]) == ("Voucher", "State changed")
    assert latest["changes"][:2] == ["Status: Not reviewed → Reviewed", "Reviewed by: — → 总会计师 李总"]
    assert "Prepared by: 城关镇卫生院会计 赵" in created["changes"]
    assert re.search(r'<option value="Voucher"[^>]*>Voucher</option>', page)  # the record type filter's choice
    # the Chinese log is unchanged, whoever else reads it in English
    chinese, _created = _rows(web("auditor").get(f"/audit?model=Voucher&record={voucher.id}").get_data(as_text=True))
    assert (chinese["model"], chinese["action"]) == ("记账凭证", "状态变更")
    assert chinese["changes"][:2] == ["状态: 未审核 → 已审核", "审核人: — → 总会计师 李总"]
    chief = web("chief")
    chief.post("/language", data={"locale": "en", "csrf_token": csrf_token(chief.get("/").get_data(as_text=True))})
    assert "Vouchers to review" in chief.get("/").get_data(as_text=True)


def test_a_record_type_audited_under_two_names_is_one_choice_finding_both(demo, web):
    # a payroll run's rows are audited as PayrollRun, its compute event under the table's name payroll_run
    hospital = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    audit.log_event(db.session, "payroll.compute", "payroll_run", "7", hospital.id, {"slips": 3})
    db.session.commit()
    client = web("auditor")
    page = client.get("/audit").get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="model".*?</select>', page, re.S).group(0)
    assert choices.count(">工资发放批次<") == 1
    value = re.search(r'<option value="([^"]+)"[^>]*>工资发放批次<', choices)[1]
    shown = _rows(client.get(f"/audit?model={value}&record=7").get_data(as_text=True))
    assert [row["action"] for row in shown] == ["计算工资"]


def test_filters_refuse_or_match_nothing_for_bad_input_never_a_500(demo, web):
    audit.log_event(db.session, "payroll.compute", "payroll_run", "7", None, {"slips": 3})  # community-wide
    db.session.commit()
    client = web("auditor")
    # an unknown code must not select the community-wide entries as "no institution"
    assert any(row["institution"] == "" for row in _rows(client.get("/audit?per_page=500").get_data(as_text=True)))
    assert not _rows(client.get("/audit?institution=NOPE").get_data(as_text=True))
    # 0001-01-01 00:00 in Beijing is in the year 0 in UTC; 9999-12-31 is a day with no entries yet
    for query in ("since=0001-01-01", "since=2026-02-30", "until=x", "record=a%00"):
        response = client.get(f"/audit?{query}")
        assert response.status_code == 400, query
    assert not _rows(client.get("/audit?until=0001-01-01").get_data(as_text=True))
    assert not _rows(client.get("/audit?since=9999-12-31").get_data(as_text=True))
    assert "起始日期 应为日期" in client.get("/audit?since=0001-01-01").get_data(as_text=True)
    # a page beyond any integer (every list page's paging, erp.core.listview) is an empty page
    beyond = client.get("/audit?page=99999999999999999999&per_page=99999999999999999999")
    assert beyond.status_code == 200 and not _rows(beyond.get_data(as_text=True))


def test_nested_values_read_as_labelled_chinese_not_python(demo, web):
    # a pool's 两个允许 checks are a list of records in one field: their keys, flags and blanks are labelled too
    hospital = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    checks = [{"code": "average_pay", "ok": True, "value": "113700.00", "limit": None},
              {"code": "personnel_share", "ok": False, "value": "0.4095", "limit": "0.4000"}]
    audit.log_event(db.session, "payroll.compute", "payroll_run", "8", hospital.id, {"checks": checks, "slips": []})
    db.session.commit()
    shown = _rows(web("auditor").get("/audit?model=payroll_run&record=8").get_data(as_text=True))
    assert shown[0]["changes"] == ["checks: — → （编码：average_pay，是否通过：是，金额：113700.00，限额：—）、"
                                   "（编码：personnel_share，是否通过：否，金额：0.4095，限额：0.4000）"]


def test_the_api_describes_an_entry_as_the_page_does(demo, web, api):
    voucher = _reviewed_voucher()
    body = api("auditor").get(f"/api/v1/audit?model=Voucher&record={voucher.id}").json
    latest, created = body["items"]
    shown, _created_row = _rows(web("auditor").get(f"/audit?model=Voucher&record={voucher.id}").get_data(as_text=True))
    assert body["total"] == 2 and latest["id"] == int(shown["seq"])
    assert latest["at"].endswith("+08:00") and latest["at"][:19].replace("T", " ") == shown["at"]
    assert (latest["person"], latest["username"], latest["institution"], latest["institution_name"]) == (
        "总会计师 李总", "chief", "QH101", "城关镇卫生院")
    assert (latest["action"], latest["action_title"], latest["model"], latest["record_type"]) == (
        "transition", "状态变更", "Voucher", "记账凭证")
    assert latest["record_title"] == shown["model"] and latest["record_id"] == str(voucher.id)
    assert latest["changes"][:2] == [{"field": "state", "label": "状态", "before": "未审核", "after": "已审核"},
                                     {"field": "reviewer_id", "label": "审核人", "before": "—", "after": "总会计师 李总"}]
    assert [f"{c['label']}: {c['before']} → {c['after']}" for c in latest["changes"]] == shown["changes"]
    assert created["action_title"] == "新增" and "before" not in created and "after" not in created
    assert len(latest["hash"]) == 64


def test_the_api_filters_sorts_and_pages_like_the_page(demo, web, api):
    voucher = _reviewed_voucher()
    hospital = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    audit.log_event(db.session, "payroll.compute", "payroll_run", "7", hospital.id, {"slips": 3})
    db.session.commit()
    client, page = api("auditor"), web("auditor")
    today, day = local_today(), timedelta(days=1)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"/api/v1/audit?per_page=500&{query}").json["items"]]

    def seqs(query: str) -> list[int]:
        return [int(row["seq"]) for row in _rows(page.get(f"/audit?per_page=500&{query}").get_data(as_text=True))]

    for query in ("person=chief", f"model=Voucher&since={today}&until={today}", f"model=Voucher&since={today + day}",
                  f"model=Voucher&until={today - day}", "model=Voucher&institution=QH102", "institution=NOPE",
                  "model=Voucher&institution=QH101&action=transition", "model=PayrollRun&record=7",
                  f"record={voucher.id}&model=Voucher&sort=-at", "model=Institution&sort=seq"):
        assert ids(query) == seqs(query), query
    assert ids("model=PayrollRun&record=7") and ids("person=chief")
    assert ids("model=Institution&sort=seq") == sorted(ids("model=Institution"))
    # an unknown sort on the page is its own order (newest first), as the API refuses it (422 below)
    assert seqs("model=Institution&sort=bogus") == seqs("model=Institution") == sorted(ids("model=Institution"),
                                                                                       reverse=True)
    # paging: newest first, the page's total
    first, second = (client.get(f"/api/v1/audit?per_page=20&page={n}").json for n in (1, 2))
    total = int(re.search(r"共 (\d+) 条", page.get("/audit").get_data(as_text=True))[1])
    assert first["total"] == second["total"] == total and first["items"][-1]["id"] == second["items"][0]["id"] + 1
    # bad filters: 422 naming the field (the page: 400), never a 500
    for query, field in (("since=2026-13-01", "since"), ("since=0001-01-01", "since"), ("until=x", "until"),
                         ("sort=hash", "sort"), ("record_id=1", "record_id")):
        refused = client.get(f"/api/v1/audit?{query}")
        assert refused.status_code == 422 and field in refused.json["error"]["fields"], (query, refused.json)
    assert not ids("until=0001-01-01") and not ids("since=9999-12-31")


def test_the_api_output_is_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    listed = document["paths"]["/api/v1/audit"]["get"]
    page = listed["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["properties"]["items"]["items"]["$ref"] == "#/components/schemas/AuditEntry"
    entry = document["components"]["schemas"]["AuditEntry"]["properties"]
    assert {"person", "institution", "action_title", "record_title", "changes"} <= set(entry)
    assert {"before", "after"} <= set(document["components"]["schemas"]["AuditChange"]["properties"])
    assert {p["name"] for p in listed["parameters"] if p["in"] == "query"} >= {
        "person", "since", "until", "institution", "model", "record", "action", "sort", "page", "per_page"}


def test_a_parent_is_named_as_an_institution_only_on_an_institution(app):
    """An account's 上级科目 is an account: id 2 must not read as the member whose id is 2."""
    with app.app_context():
        describer = Describer(collect(app.extensions["erp"].registry), {}, {2: "城关镇卫生院"})
        assert describer.value("Institution", "parent_id", 2) == "城关镇卫生院"
        assert describer.value("Account", "parent_id", 2) == "2"
        assert describer.value("Voucher", "institution_id", 2) == "城关镇卫生院"
