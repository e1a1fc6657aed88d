"""Procurement fixtures: the demo community, its members and users (the procurement demo is loaded by
``catalogue`` when a test needs the demo catalogue, suppliers and agreements)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution, User


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def catalogue(demo):
    """The procurement demo (catalogue, suppliers, agreements, formularies) on top of the demo community."""
    from erp.procurement.demo import load_demo

    load_demo(db.session)
    db.session.flush()
    return demo
