"""Install data (manifest ``data_loader``) and ``institution_created``: core works alone, modules add theirs."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, text

from erp.core import services, signals
from erp.core.app import ErpState
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Community, Institution, InstitutionKind
from erp.core.registry import Manifest, ModuleRegistry
from erp.core.security import Permissions
from erp.core.schema_migrations import upgrade_database
from erp.core.session_context import system_actor
from tests.core.test_migrations import empty_database_app

LOADED: list[tuple[str, str]] = []


def record_first(session, community):
    LOADED.append(("first", community))


def record_second(session, community):
    LOADED.append(("second", community))


def test_install_data_runs_every_enabled_modules_loader_in_dependency_order():
    manifests = {
        "core": Manifest("core", "基础平台"),
        "second": Manifest("second", "二", depends=("first",), data_loader=f"{__name__}:record_second"),
        "first": Manifest("first", "一", depends=("core",), data_loader=f"{__name__}:record_first"),
    }
    registry = ModuleRegistry(["second"], loader=manifests.__getitem__)
    app = Flask("install")
    app.extensions["erp"] = ErpState(registry, Permissions({}))
    LOADED.clear()

    class Session:
        def flush(self):
            LOADED.append(("flush", None))

    with app.app_context():
        services.install_data(Session(), "HK")
    assert LOADED == [("first", "HK"), ("second", "HK"), ("flush", None)]


@pytest.fixture
def core_alone(tmp_path):
    """An app with the core module only, on a database of its own migrated for core alone."""
    with empty_database_app("sqlite", tmp_path, "erp_core", modules=("core",)) as alone, alone.app_context():
        upgrade_database()
        yield alone
        db.session.remove()


def _rows(table: str) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM {table}"))


def test_core_alone_creates_a_community_and_an_institution_without_the_ledger(core_alone):
    assert core_alone.extensions["erp"].registry.names() == ["core"]
    assert not list(signals.institution_created.receivers_for(core_alone))
    system_actor(db.session, "test")
    community = services.create_community(db.session, code="HK", name="河口县医共体")
    institution = services.create_institution(db.session, community, code="HK001", name="河口县人民医院",
                                              kind=InstitutionKind.LEAD_HOSPITAL)
    db.session.commit()
    assert db.session.scalar(select(Institution.name).where(Institution.id == institution.id)) == "河口县人民医院"
    assert _rows("partner") == 0  # no member partner: that is the ledger's receiver's work
    assert not {"account", "budget_mapping", "fiscal_year", "period"} & set(inspect(db.engine).get_table_names())


def test_with_the_ledger_the_same_steps_open_the_year_and_add_the_member_partner(ctx):
    system_actor(db.session, "test")
    community = services.create_community(db.session, code="HK", name="河口县医共体")
    services.create_institution(db.session, community, code="HK001", name="河口县人民医院",
                                kind=InstitutionKind.LEAD_HOSPITAL)
    db.session.commit()
    assert _rows("account") > 100 and _rows("budget_mapping") > 10
    assert (_rows("fiscal_year"), _rows("period"), _rows("partner")) == (1, 12, 1)


@pytest.mark.parametrize("code, name, field", [("", "河口县医共体", "code"), ("HK", " ", "name"),
                                               ("QH", "重名", "code")])
def test_create_community_refuses_blank_or_duplicate_codes(demo, code, name, field):
    with pytest.raises(BusinessError) as refused:
        services.create_community(db.session, code=code, name=name)
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Community.id))) == 1
