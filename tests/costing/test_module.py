"""The costing module: its place among the modules, its permissions and menu, and its period syntax over the
ledger's period ranges."""
from __future__ import annotations

import pytest
from flask import url_for

from erp.core.errors import BusinessError
from erp.costing.services import parse_cost_month, parse_cost_period, period_label
from erp.ledger.services import PeriodRange


def test_costing_loads_after_the_ledger_with_its_own_permissions_and_menu(app):
    state = app.extensions["erp"]
    names = state.registry.names()
    assert names.index("ledger") < names.index("costing")
    table = state.permissions.table
    assert not [name for name in table if name.startswith("ledger.cost")]
    assert set(table["costing.read"]) == {"admin", "finance", "chief_accountant", "accountant", "auditor"}
    assert set(table["costing.write"]) == {"admin", "finance", "chief_accountant", "accountant"}
    menu = dict((m.name, entries) for m, entries in state.registry.menu())
    with app.test_request_context():
        assert [url_for(e.endpoint) for e in menu["costing"]] == ["/costing/", "/costing/drivers"]
    assert not [e for e in menu["ledger"] if "cost" in e.endpoint]


@pytest.mark.parametrize("text, expected", [
    ("2025-03", PeriodRange(2025, 3, 3)),
    (" 2025-02..2025-05 ", PeriodRange(2025, 2, 5)),
    ("2025", PeriodRange(2025, 1, 12)),
])
def test_cost_periods_are_the_ledgers_period_ranges(text, expected):
    period = parse_cost_period(text)
    assert period == expected
    assert parse_cost_period(period_label(period)) == period


def test_period_labels_read_back_and_titles_are_the_ledgers():
    assert period_label(PeriodRange(2025, 3, 3)) == "2025-03"
    assert period_label(PeriodRange(2025, 2, 5)) == "2025-02..2025-05"
    assert PeriodRange(2025, 2, 5).label == "2025年2月至5月"  # the title on the page, the PDF and the Excel


@pytest.mark.parametrize("text", ["", "2025-13", "2025-03..", "2025-05..2025-02", "2025-11..2026-01", "25"])
def test_a_bad_cost_period_names_the_period_field(text):
    with pytest.raises(BusinessError) as refused:
        parse_cost_period(text)
    assert list(refused.value.fields) == ["period"] and refused.value.status == 422


def test_drivers_are_set_for_one_month():
    assert parse_cost_month("2025-03") == PeriodRange(2025, 3, 3)
    for text in ("2025-02..2025-03", "2025"):
        with pytest.raises(BusinessError, match="按月录入"):
            parse_cost_month(text)
