"""Payroll fixtures: the payroll demo (staff, standard rules, this month's inputs) on the demo community."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from stdnum.cn import ric

from erp.core.extensions import db
from erp.core.models import User


@pytest.fixture
def staff(demo):
    from erp.payroll.demo import load_demo

    load_demo(db.session, history=False)
    return demo


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def id_number(serial: int, birth: str = "19950312") -> str:
    body = f"130534{birth}{serial:03d}"  # 清河县 (a code in use since 1993)
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last place


def compute(client, run_id: int, expect: str = "done") -> dict:
    """POST …/compute through the API (202 with the background job; the tests' eager backend has run it when
    the answer comes) and the run as it is afterwards."""
    response = client.post(f"/api/v1/payroll-runs/{run_id}/compute")
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/jobs/{response.json['id']}").json
    assert job["state"] == expect, job
    return client.get(f"/api/v1/payroll-runs/{run_id}").json
