"""记账模板 through the API and the web pages: list, read, history, a new version, permissions and scope."""
from __future__ import annotations

import re

from sqlalchemy import select

from erp.core.extensions import db
from erp.ledger.services.posting_templates import posting_template, save_template
from tests.conftest import csrf_token
from tests.factories import CommunityFactory

URL = "/api/v1/posting-templates"


def test_list_and_read_templates(books, api):
    client = api("auditor")  # read-only roles read them too
    listed = client.get(URL)
    assert listed.status_code == 200
    assert listed.json["total"] == 14
    kinds = {t["kind"]: t for t in listed.json["items"]}
    assert kinds["procurement.receipt"] == {"kind": "procurement.receipt", "title": "采购入库",
                                            "current_version": 1, "ref": "procurement.receipt@1"}
    body = client.get(f"{URL}/ledger.year_end").json
    assert (body["ref"], body["current"]) == ("ledger.year_end@1", True)
    accounts = {(l["role"], l["qualifier"]): l["account"] for l in body["lines"]}
    assert accounts[("accumulated_surplus", "")] == "3001" and accounts[("operating_budget", "revenue")] == "6401"
    assert [v["version"] for v in body["versions"]] == [1] and body["versions"][0]["created_by"] is None
    missing = client.get(f"{URL}/procurement.return")
    assert missing.status_code == 404 and missing.json["error"]["fields"] == {
        "kind": ["没有记账模板 procurement.return (no posting template for kind 'procurement.return')"]}
    assert client.get(f"{URL}/ledger.year_end?version=2").status_code == 404
    assert client.get(f"{URL}/ledger.year_end?version=0").status_code == 422


def test_put_makes_a_new_version_and_keeps_the_old_one(books, api):
    finance = api("finance")
    lines = finance.get(f"{URL}/procurement.payment").json["lines"]
    lines[2]["account"] = "1011"  # pay suppliers from the 零余额账户
    saved = finance.put(f"{URL}/procurement.payment", json={"note": "财政授权支付", "lines": lines})
    assert saved.status_code == 200, saved.json
    assert (saved.json["version"], saved.json["ref"], saved.json["current"]) == (2, "procurement.payment@2", True)
    assert [(v["version"], v["note"], v["created_by"]) for v in saved.json["versions"]] == [
        (1, "默认模板（系统预置）", None), (2, "财政授权支付", "finance")]
    assert posting_template(db.session, books.user("finance").community_id, "procurement.payment").account(
        "bank") == "1011"
    old = finance.get(f"{URL}/procurement.payment?version=1").json
    assert old["current"] is False and {l["role"]: l["account"] for l in old["lines"]}["bank"] == "1002"
    again = finance.put(f"{URL}/procurement.payment", json={"lines": lines})
    assert again.json["version"] == 2  # nothing changed: no new version
    assert {t["kind"]: t["current_version"] for t in finance.get(URL).json["items"]}["procurement.payment"] == 2


def test_put_names_the_bad_line(books, api):
    finance = api("finance")
    lines = finance.get(f"{URL}/procurement.receipt").json["lines"]
    lines[4]["account"] = "130299"
    refused = finance.put(f"{URL}/procurement.receipt", json={"lines": lines})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "unknown_account"
    assert list(refused.json["error"]["fields"]) == ["lines[4].account"]
    assert "130299" in refused.json["error"]["fields"]["lines[4].account"][0]
    no_account = finance.put(f"{URL}/procurement.receipt", json={"lines": [{"role": "payable"}]})
    assert no_account.status_code == 422 and "lines[0].account" in no_account.json["error"]["fields"]
    assert finance.put(f"{URL}/procurement.return", json={"lines": lines}).status_code == 404
    assert finance.get(f"{URL}/procurement.receipt").json["version"] == 1


def test_writes_need_the_permission_and_the_whole_community(books, api):
    lines = api("finance").get(f"{URL}/procurement.receipt").json["lines"]
    for user in ("accountant", "auditor", "procurement", "chief"):  # no ledger.chart.write
        response = api(user).put(f"{URL}/procurement.receipt", json={"lines": lines})
        assert response.status_code == 403, user
        assert response.json["error"]["code"] == "forbidden"
    assert api("admin").put(f"{URL}/procurement.receipt", json={"lines": lines}).status_code == 200


def test_a_scoped_finance_user_cannot_change_community_templates(books, api):
    from erp.core.models import Institution, User

    user = db.session.scalar(select(User).where(User.username == "finance"))
    user.institutions = [db.session.scalar(select(Institution).where(Institution.code == "QH101"))]
    db.session.commit()
    finance = api("finance")
    lines = finance.get(f"{URL}/procurement.receipt").json["lines"]
    refused = finance.put(f"{URL}/procurement.receipt", json={"lines": lines[:-1] + [dict(lines[-1], account="2307")]})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "community_wide_setting"
    assert finance.get(f"{URL}/procurement.receipt").json["version"] == 1


def test_each_community_sees_its_own_templates(books, api):
    other = CommunityFactory(code="XY", name="西苑县医共体")  # its own chart and templates, as installed
    lines = [{"role": l.role, "qualifier": l.qualifier, "account": l.account}
             for l in posting_template(db.session, other.id, "procurement.receipt").lines]
    lines[0]["account"] = "130204"
    save_template(db.session, other.id, "procurement.receipt", lines, user=None)
    db.session.commit()
    mine = api("finance").get(f"{URL}/procurement.receipt").json
    assert mine["version"] == 1 and mine["lines"][0]["account"] == "130201"
    assert posting_template(db.session, other.id, "procurement.receipt").version == 2
    assert api("finance").get(URL).json["total"] == 14  # not 28: the other community's kinds are not listed


def test_web_pages_list_show_edit_and_history(books, web):
    client = web("finance")
    menu = client.get("/ledger/templates/").get_data(as_text=True)
    assert "记账模板" in menu and "ledger.year_end" in menu and "年终结转" in menu
    page = client.get("/ledger/templates/ledger.year_end").get_data(as_text=True)
    assert "保存为新版本" in page and 'value="8201"' in page and "非财政拨款结转" in page
    rows = int(re.search(r'name="rows" value="(\d+)"', page).group(1))
    form = {"csrf_token": csrf_token(page), "rows": str(rows), "note": "结转改结余"}
    for i in range(rows):
        for name in ("role", "qualifier", "account", "description"):
            match = re.search(rf'name="{name}-{i}" value="([^"]*)"', page)
            form[f"{name}-{i}"] = match.group(1) if match else ""
    index = next(i for i in range(rows) if form[f"role-{i}"] == "non_fiscal_carryover")
    form[f"account-{index}"] = "8299"
    refused = client.post("/ledger/templates/ledger.year_end", data=form)
    assert refused.status_code == 422
    assert "科目 8299 不在科目表中" in refused.get_data(as_text=True)
    form[f"account-{index}"] = "8202"
    saved = client.post("/ledger/templates/ledger.year_end", data=form, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "已保存记账模板 ledger.year_end@2" in text
    assert 'value="8202"' in text and "非财政拨款结余" in text and "结转改结余" in text
    old = client.get("/ledger/templates/ledger.year_end?version=1").get_data(as_text=True)
    assert "历史版本" in old and "<td>8201</td>" in old and "保存为新版本" not in old
    assert client.get("/ledger/templates/procurement.return").status_code == 404


def test_web_read_only_for_readers_and_refused_writes(books, web):
    accountant = web("accountant")
    page = accountant.get("/ledger/templates/procurement.receipt").get_data(as_text=True)
    assert "130201" in page and "保存为新版本" not in page
    refused = accountant.post("/ledger/templates/procurement.receipt", data={"csrf_token": csrf_token(page),
                                                                            "rows": "0"})
    assert refused.status_code == 403


def test_the_edit_form_is_offered_only_to_whole_community_users(books, web):
    from erp.core.models import Institution, User

    assert "保存为新版本" in web("finance").get("/ledger/templates/procurement.receipt").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "finance"))
    user.institutions = [db.session.scalar(select(Institution).where(Institution.code == "QH101"))]
    db.session.commit()
    page = web("finance").get("/ledger/templates/procurement.receipt").get_data(as_text=True)
    assert "130201" in page and "保存为新版本" not in page
