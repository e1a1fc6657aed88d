"""The document flow's test community: the demo plus a small catalogue, suppliers, agreements and the
members' formularies (made through the master-data services), and helpers that walk a document through
its states as the clerks do (each step by the user whose job it is)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Community, Institution, Partner
from erp.core.timeutil import local_today
from erp.procurement.services import create_agreement, create_item, create_supplier, set_formulary

TODAY = local_today()
PERIOD = f"{TODAY.year}-{TODAY.month:02d}"
FIRST = TODAY.replace(day=1)
MEMBERS = ("QH001", "QH101", "QH102", "QH103", "QH104")
EXPIRY = (TODAY + timedelta(days=500)).isoformat()

ASPIRIN = "XA01ABD075A002010100483"      # 西药, 集采 (agreed volume), S101 at 12.3456 per box of 30
AMOXI = "XJ01DFA194B001030104141"        # 西药, two suppliers: S102 cheaper
SYRINGE = "C15011121200000107660000016"  # 耗材, high value
HERB = "T100100001"                      # 中药饮片
NO_DEAL = "ZA04CAT0019010100705"          # 中成药 without any agreement

ITEMS = [
    (ASPIRIN, "drug", "阿司匹林肠溶片", "盒", "片", 30, ["vbp", "essential"]),
    (AMOXI, "drug", "阿莫西林胶囊", "盒", "粒", 24, ["essential"]),
    (SYRINGE, "consumable", "一次性使用无菌注射器", "盒", "支", 100, ["high_value"]),
    (HERB, "herbal", "黄芪", "袋", "g", 500, []),
    (NO_DEAL, "drug", "连花清瘟胶囊", "盒", "粒", 36, []),
]


def uscc(serial: int) -> str:
    from stdnum.cn import uscc as number

    body = f"91130522{serial:09d}"
    return body + number.calc_check_digit(body)


class Flow:
    """The set-up's objects by code."""

    def __init__(self, community: Community):
        self.community = community
        session = db.session
        self.items = {}
        for code, category, name, package, unit, per, flags in ITEMS:
            self.items[code] = create_item(session, community.id, {
                "code": code, "category": category, "generic_name": name, "package_unit": package,
                "min_unit": unit, "units_per_package": per, "flags": flags, "manufacturer": "测试药厂"})
        far = TODAY + timedelta(days=730)
        self.suppliers = {code: create_supplier(session, community.id, {
            "code": code, "name": name, "uscc": uscc(i), "role": role, "licence_expires": expires})
            for i, (code, name, role, expires) in enumerate([
                ("S101", "国药控股测试医药有限公司", "distributor", far),
                ("S102", "华润测试医药有限公司", "distributor", far),
                ("S103", "过期许可医药有限公司", "distributor", TODAY + timedelta(days=3))], start=1)}
        start = FIRST - timedelta(days=40)
        for item, supplier, price, volume in [(ASPIRIN, "S101", "12.3456", 1000), (AMOXI, "S101", "8.5000", None),
                                              (AMOXI, "S102", "8.2000", None), (SYRINGE, "S102", "45.0000", None),
                                              (HERB, "S101", "30.0000", None)]:
            create_agreement(session, self.items[item], self.suppliers[supplier], {
                "unit_price": price, "valid_from": start, "platform": "provincial", "agreed_volume": volume})
        for code in MEMBERS:
            institution = self.institution(code)
            for item in self.items.values():
                set_formulary(session, institution, item)
        if session.scalar(select(Partner.id).where(Partner.community_id == community.id, Partner.code == "I001")) is None:
            session.add(Partner(community_id=community.id, code="I001", name="清河县医疗保障局", kind="insurer"))
        session.commit()

    @staticmethod
    def institution(code: str) -> Institution:
        return db.session.scalar(select(Institution).where(Institution.code == code))


@pytest.fixture
def flow(demo):
    return Flow(demo)


def requisition(client, institution: str, lines: list[tuple[str, int]], *, submit=True, approver=None, **extra):
    """Write (and submit, and approve with ``approver``) a requisition; returns its JSON."""
    response = client.post("/api/v1/requisitions", json={
        "institution": institution, "lines": [{"item": item, "quantity": q} for item, q in lines], **extra})
    assert response.status_code == 201, response.json
    body = response.json
    if submit:
        body = client.post(f"/api/v1/requisitions/{body['id']}/submit").json
    if approver is not None:
        approved = approver.post(f"/api/v1/requisitions/{body['id']}/approve")
        assert approved.status_code == 200, approved.json
        body = approved.json
    return body


def consolidate(client, period: str = PERIOD) -> list[dict]:
    response = client.post("/api/v1/purchase-orders/consolidate", json={"period": period})
    assert response.status_code == 201, response.json
    return response.json


def by_supplier(orders: list[dict]) -> dict[str, dict]:
    return {order["supplier"]: order for order in orders}


def approved_order(api, lines: list[tuple[str, int]], institution: str = "QH102") -> dict:
    """Requisition (the member's clerk, approved by finance), consolidate (procurement), approve (chief): the one
    order of the lines."""
    writer = {"QH102": "clerk", "QH101": "accountant"}.get(institution, "procurement")
    requisition(api(writer), institution, lines, approver=api("finance"))
    orders = consolidate(api("procurement"))
    for order in orders:
        response = api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve")
        assert response.status_code == 200, response.json
    assert len(orders) == 1, orders
    return api("chief").get(f"/api/v1/purchase-orders/{orders[0]['id']}").json


def receive(client, order: dict, quantities: dict[str, int], *, batch: str = "B240501", codes=None, **extra):
    lines = [{"po_line": l["id"], "quantity": quantities[l["item"]], "batch": batch, "expiry": EXPIRY,
              "trace_codes": (codes or {}).get(l["item"], [])} for l in order["lines"] if l["item"] in quantities]
    return client.post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": lines, **extra})


def received(api, order: dict, quantities: dict[str, int], *, registrar: str = "pharmacy",
             accepter: str = "procurement", **extra) -> dict:
    """Registered (by the pharmacy keeper) and accepted (by the procurement clerk)."""
    response = receive(api(registrar), order, quantities, **extra)
    assert response.status_code == 201, response.json
    accepted = api(accepter).post(f"/api/v1/receipts/{response.json['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    return accepted.json


def stock(client, institution: str, item: str) -> list[dict]:
    response = client.get(f"/api/v1/stock?institution={institution}&item={item}")
    assert response.status_code == 200, response.json
    return response.json["items"]


def voucher_lines(number: str, institution: str) -> list[tuple]:
    """(account, debit, credit, partner code) of a posted voucher's financial lines."""
    from erp.core.models import Partner
    from erp.ledger.services import Basis, Voucher

    voucher = db.session.scalar(select(Voucher).join(Voucher.institution).where(
        Voucher.number == number, Institution.code == institution))
    partners = {p.id: p.code for p in db.session.scalars(select(Partner))}
    return sorted((l.account.code, f"{l.debit:.2f}", f"{l.credit:.2f}", partners.get(l.partner_id))
                  for l in voucher.lines if l.basis is Basis.FINANCIAL)


def document_vouchers(kind: str, key: int) -> list:
    from erp.ledger.services import Voucher

    return list(db.session.scalars(select(Voucher).where(Voucher.source_module == "procurement",
                                                         Voucher.source_kind == kind, Voucher.source_key == str(key))))
