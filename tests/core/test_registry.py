"""Module manifests load in dependency order; a missing or circular dependency stops start-up clearly."""
from __future__ import annotations

import pytest

from erp.core.registry import Manifest, ModuleDependencyError, ModuleRegistry


def _loader(manifests: dict[str, Manifest]):
    def load(name: str) -> Manifest:
        if name not in manifests:
            raise ModuleDependencyError(f"module {name!r} is not installed")
        return manifests[name]

    return load


def test_modules_load_after_their_dependencies():
    manifests = {m.name: m for m in [
        Manifest("core", "基础"), Manifest("ledger", "总账", depends=("core",)),
        Manifest("budget", "预算", depends=("ledger",)), Manifest("payroll", "薪酬", depends=("ledger", "core")),
    ]}
    registry = ModuleRegistry(["payroll", "budget"], loader=_loader(manifests))
    assert registry.names() == ["core", "ledger", "payroll", "budget"]


def test_missing_dependency_names_the_module_and_who_needs_it():
    manifests = {"core": Manifest("core", "基础"), "ledger": Manifest("ledger", "总账", depends=("core", "asset"))}
    with pytest.raises(ModuleDependencyError, match="module 'asset' is not installed \\(needed by 'ledger'\\)"):
        ModuleRegistry(["ledger"], loader=_loader(manifests))


def test_circular_dependency_shows_the_cycle():
    manifests = {"a": Manifest("a", "A", depends=("b",)), "b": Manifest("b", "B", depends=("c",)),
                 "c": Manifest("c", "C", depends=("a",))}
    with pytest.raises(ModuleDependencyError, match="circular module dependency: a -> b -> c -> a"):
        ModuleRegistry(["a"], loader=_loader(manifests))


def test_app_refuses_to_start_with_a_missing_module():
    from erp import create_app

    with pytest.raises(ModuleDependencyError, match="'pharmacy_robot' is not installed"):
        create_app({"ERP_MODULES": ("core", "pharmacy_robot"), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_real_app_has_all_modules_and_menu_permissions_are_declared(app):
    state = app.extensions["erp"]
    assert state.registry.names()[0] == "core"
    assert set(state.registry.names()) == {"core", "ledger", "costing", "procurement", "payroll", "budget", "demo"}
    assert state.registry.names()[-1] == "demo"  # the demo books close the months after every module posted
    for _manifest, entries in state.registry.menu():
        for entry in entries:
            assert entry.permission in state.permissions.table
    assert state.permissions.allows("auditor", "core.audit.read")
    assert not state.permissions.allows("clerk", "core.audit.read")
    with pytest.raises(KeyError):
        state.permissions.allows("admin", "no.such.permission")
