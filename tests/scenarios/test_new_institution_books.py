"""A new member books on the day it is created: install data for a real community, and every new institution
set up through ``institution_created`` (current year open, member partner), from the API and from the CLI."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp.core.cli import main
from erp.core.extensions import db
from erp.core.models import Community, Department, FundingSource, Institution, Partner, Project, User
from erp.core.timeutil import local_today
from erp.ledger.models import Account, BudgetMapping, FiscalYear, Period, PeriodState
from erp.ledger.services.posting_templates import posting_template

TODAY = local_today()
# 收到财政拨款 1,000.00 into the bank: Dr 1002 银行存款 / Cr 4001 财政拨款收入; 平行记账 adds
# Dr 8001 资金结存 / Cr 6001 财政拨款预算收入.
GRANT = {"date": TODAY.isoformat(), "memo": "收到县财政局拨付开办经费",
         "lines": [{"account": "1002", "debit": "1000.00"}, {"account": "4001", "credit": "1000.00"}]}
GRANT_BUDGET_LINES = [("6001", "0.00", "1000.00"), ("8001", "1000.00", "0.00")]


def _book_first_voucher(preparer, poster, institution: str) -> dict:
    draft = preparer.post("/api/v1/vouchers", json={**GRANT, "institution": institution})
    assert draft.status_code == 201, draft.json
    assert poster.post(f"/api/v1/vouchers/{draft.json['id']}/review").status_code == 200
    posted = poster.post(f"/api/v1/vouchers/{draft.json['id']}/post")
    assert posted.status_code == 200, posted.json
    return posted.json


def test_an_institution_created_through_the_api_posts_its_first_voucher_that_day(demo, api):
    admin = api("admin")
    created = admin.post("/api/v1/institutions", json={"code": "QH109", "name": "王官镇卫生院",
                                                       "kind": "township_centre"})
    assert created.status_code == 201, created.json
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH109"))
    periods = db.session.scalars(select(Period).where(Period.institution_id == institution.id)
                                 .order_by(Period.year, Period.month)).all()
    assert [(p.year, p.month, p.state) for p in periods] == [(TODAY.year, m, PeriodState.OPEN) for m in range(1, 13)]
    member = db.session.scalar(select(Partner).where(Partner.member_institution_id == institution.id))
    assert (member.code, member.name, member.kind) == ("M-QH109", "王官镇卫生院", "member")

    voucher = _book_first_voucher(api("finance"), api("chief"), "QH109")
    assert voucher["status"] == "posted"
    assert voucher["number"] == f"记-{TODAY.year}-{TODAY.month:02d}-0001"
    assert sorted((l["account"], l["debit"], l["credit"]) for l in voucher["lines"] if l["generated"]) \
        == GRANT_BUDGET_LINES
    balance = api("finance").get(f"/api/v1/reports/trial-balance?institution=QH109"
                                 f"&period={TODAY.year}-{TODAY.month:02d}").json
    assert [(r["account"], r["closing_debit"], r["closing_credit"]) for r in balance["rows"]] \
        == [("1002", "1000.00", "0.00"), ("4001", "0.00", "1000.00")]


def test_a_refused_institution_leaves_no_year_and_no_partner(demo, api):
    """One business action, one transaction: the receivers' rows go with a refused institution."""
    before = {model: db.session.scalar(select(func.count()).select_from(model)) for model in (FiscalYear, Partner)}
    refused = api("admin").post("/api/v1/institutions", json={"code": "QH001-99", "name": "无上级卫生室",
                                                              "kind": "village_clinic", "parent": "QH001"})
    assert refused.status_code == 422 and "parent" in refused.json["error"]["fields"]
    db.session.expire_all()
    assert {model: db.session.scalar(select(func.count()).select_from(model)) for model in (FiscalYear, Partner)} \
        == before


def test_an_institution_added_through_the_web_form_is_set_up_too(demo, web):
    from tests.conftest import csrf_token

    client = web("admin")
    page = client.get("/institutions/new").get_data(as_text=True)
    response = client.post("/institutions/new", data={"code": "QH302", "name": "清河县疾病预防控制中心",
                                                       "kind": "public_health", "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH302"))
    assert db.session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == institution.id,
                                                            FiscalYear.year == TODAY.year)) is PeriodState.OPEN
    assert db.session.scalar(select(Partner.code).where(Partner.member_institution_id == institution.id)) \
        == "M-QH302"


# ------------------------------------------------------------------ a real community from the command line


def erp(app, *args: str):
    result = app.test_cli_runner().invoke(main, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    from tests.core.test_migrations import empty_database_app

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    with empty_database_app("sqlite", tmp_path, "erp_install") as app:
        erp(app, "init-db")
        yield app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_init_community_then_create_institution_then_book_on_an_empty_database(fresh):
    result = erp(fresh, "init-community", "河口县紧密型县域医疗卫生共同体", "HK",
                 "--admin", "hkadmin", "--password", "Hk-2026-admin")
    assert "community HK 河口县紧密型县域医疗卫生共同体 created, administrator hkadmin" in result.output
    with fresh.app_context():
        # the chart and the 平行记账 mapping, and nothing of the demo
        assert _count(Account) > 100 and _count(BudgetMapping) > 10
        assert db.session.scalar(select(Account.name).where(Account.code == "1002")) == "银行存款"
        community_id = db.session.scalar(select(User.community_id))
        # the posting templates: year-end close and the business modules' documents can book on day one
        assert posting_template(db.session, community_id, "ledger.year_end").account("accumulated_surplus") == "3001"
        assert posting_template(db.session, community_id, "procurement.receipt").ref == "procurement.receipt@1"
        assert [_count(m) for m in (Institution, Department, Partner, FundingSource, Project)] == [0, 0, 0, 0, 0]
        assert db.session.scalars(select(User.username)).all() == ["hkadmin"]

    erp(fresh, "create-institution", "HK001", "河口县人民医院", "--kind", "lead_hospital")
    erp(fresh, "create-user", "hkfinance", "--password", "Hk-2026-finance", "--role", "finance")
    erp(fresh, "create-user", "hkchief", "--password", "Hk-2026-chief", "--role", "chief_accountant")
    with fresh.app_context():
        hospital = db.session.scalar(select(Institution).where(Institution.code == "HK001"))
        assert db.session.scalar(select(func.count(Period.id)).where(Period.institution_id == hospital.id,
                                                                     Period.year == TODAY.year)) == 12
        assert db.session.scalars(select(Partner.code)).all() == ["M-HK001"]

    client = fresh.test_client()

    def sign_in(username, password):
        from tests.conftest import ApiClient

        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, response.json
        return ApiClient(client, response.json["token"])

    # the administrator adds a township centre through the API; it books at once
    created = sign_in("hkadmin", "Hk-2026-admin").post("/api/v1/institutions", json={
        "code": "HK101", "name": "河口镇卫生院", "kind": "township_centre"})
    assert created.status_code == 201, created.json
    finance, chief = sign_in("hkfinance", "Hk-2026-finance"), sign_in("hkchief", "Hk-2026-chief")
    for code in ("HK001", "HK101"):
        voucher = _book_first_voucher(finance, chief, code)
        assert voucher["number"] == f"记-{TODAY.year}-{TODAY.month:02d}-0001"
        assert sorted((l["account"], l["debit"], l["credit"]) for l in voucher["lines"] if l["generated"]) \
            == GRANT_BUDGET_LINES


def test_init_community_refuses_a_second_community_with_the_same_code(fresh):
    erp(fresh, "init-community", "河口县医共体", "HK")
    result = fresh.test_cli_runner().invoke(main, ["init-community", "另一个医共体", "HK"])
    assert result.exit_code == 1 and "Error: code: 医共体 HK 已存在" in result.output
    with fresh.app_context():
        assert db.session.scalars(select(Community.name)).all() == ["河口县医共体"]


def test_create_institution_refuses_with_a_message(fresh):
    erp(fresh, "init-community", "河口县医共体", "HK")
    runner = fresh.test_cli_runner()
    result = runner.invoke(main, ["create-institution", "HK101-01", "东庄村卫生室", "--kind", "village_clinic"])
    assert result.exit_code == 1 and "Error: parent: 村卫生室必须隶属于乡镇卫生院" in result.output
    result = runner.invoke(main, ["create-institution", "HK101", "河口镇卫生院", "--kind", "township"])
    assert result.exit_code == 2 and "one of: lead_hospital" in result.output
    with fresh.app_context():
        assert _count(Institution) == 0 and _count(FiscalYear) == 0 and _count(Partner) == 0
