"""Module manifests and the registry that loads enabled modules in dependency order.

Each module folder holds a ``__manifest__.py`` defining ``MANIFEST = Manifest(...)``, as Odoo addons do;
the registry imports the manifests, checks dependencies and orders the modules so that a module's
models, blueprints and menu are registered after those of the modules it depends on.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Iterable


def N_(message: str) -> str:
    """Mark a manifest string for translation; templates translate it when rendering."""
    return message


class ModuleDependencyError(RuntimeError):
    """A module depends on one that is not installed, or dependencies form a cycle."""


@dataclass(frozen=True)
class MenuEntry:
    label: str
    endpoint: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Tile:
    """A home-page tile (首页待办): ``provider`` ("package.module:function", in the module's services face) is
    called as ``provider(session, user, scope)`` and answers a :class:`erp.core.tiles.TileValue`; only users
    whose role holds ``permission`` see the tile."""

    label: str
    provider: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Manifest:
    """What a module declares about itself (technical name, Chinese title, what it brings)."""

    name: str
    title: str
    depends: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()
    api_blueprints: tuple[str, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    # permission name -> roles that hold it (declarative security, one table per module)
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cli_commands: tuple[str, ...] = ()
    # core signal name -> "package.module:receiver" (or a tuple of them); see erp.core.signals
    hooks: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    # "package.module:loader" called as loader(session, community): the install data a real community needs
    # (Odoo's ``data``), idempotent, run in dependency order for a new community (erp.core.services)
    data_loader: str | None = None
    # "package.module:loader" called as loader(session): the demo community, built on the install data
    demo_loader: str | None = None
    # table -> statements the application's database role may not run on it (``erp init-db --app-role``:
    # every table gets SELECT, INSERT, UPDATE, DELETE otherwise), e.g. {"audit_entry": ("UPDATE", "DELETE")}
    app_role_denied: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the module's home-page tiles (erp.core.tiles), shown on the home page and the module's index page
    tiles: tuple[Tile, ...] = ()
    # "package.module:NAME" of a dict model class name -> erp.core.audit_labels.RecordLabel: how the auditors'
    # log names the module's records, their fields and values in Chinese
    audit_labels: str | None = None
    # database functions (with their argument types) the application's role may call, e.g.
    # ("ledger_bring_forward(integer, integer)",): the SECURITY DEFINER doors to what it may not write itself
    app_role_functions: tuple[str, ...] = ()


def import_object(path: str):
    """Import ``package.module:attribute``."""
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def load_manifest(name: str) -> Manifest:
    try:
        module = importlib.import_module(f"erp.{name}.__manifest__")
    except ModuleNotFoundError as exc:
        raise ModuleDependencyError(f"module {name!r} is not installed (no erp/{name}/__manifest__.py)") from exc
    manifest = getattr(module, "MANIFEST")
    if manifest.name != name:
        raise ModuleDependencyError(f"erp/{name}/__manifest__.py declares the name {manifest.name!r}")
    return manifest


def resolve_order(manifests: dict[str, Manifest], enabled: Iterable[str]) -> list[Manifest]:
    """Depth-first topological order of the enabled modules and their dependencies."""
    ordered: list[Manifest] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            cycle = " -> ".join(path[path.index(name):] + (name,))
            raise ModuleDependencyError(f"circular module dependency: {cycle}")
        if name not in manifests:
            needed_by = f" (needed by {path[-1]!r})" if path else ""
            raise ModuleDependencyError(f"module {name!r} is not installed{needed_by}")
        for dep in manifests[name].depends:
            visit(dep, path + (name,))
        done.add(name)
        ordered.append(manifests[name])

    for name in enabled:
        visit(name, ())
    return ordered


class ModuleRegistry:
    """The loaded modules of one app, in dependency order."""

    def __init__(self, enabled: Iterable[str], loader: Callable[[str], Manifest] = load_manifest):
        enabled = tuple(enabled)
        manifests: dict[str, Manifest] = {}
        pending = list(enabled)
        while pending:
            name = pending.pop()
            if name in manifests:
                continue
            try:
                manifests[name] = loader(name)
            except ModuleDependencyError:
                # Report the missing module together with whoever needs it, below.
                continue
            pending.extend(manifests[name].depends)
        self.modules: list[Manifest] = resolve_order(manifests, enabled)

    def __iter__(self):
        return iter(self.modules)

    def names(self) -> list[str]:
        return [m.name for m in self.modules]

    def permissions(self) -> dict[str, tuple[str, ...]]:
        merged: dict[str, tuple[str, ...]] = {}
        for manifest in self.modules:
            merged.update(manifest.permissions)
        return merged

    def tiles(self) -> list[tuple[Manifest, list[Tile]]]:
        return [(m, sorted(m.tiles, key=lambda t: t.order)) for m in self.modules if m.tiles]

    def menu(self) -> list[tuple[Manifest, list[MenuEntry]]]:
        return [(m, sorted(m.menu, key=lambda e: e.order)) for m in self.modules if m.menu]
