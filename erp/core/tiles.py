"""Home-page tiles (首页待办): what is waiting for the signed-in user, declared by the modules' manifests.

A module lists ``tiles=(Tile(label, "erp.<module>.services:provider", permission, order), ...)``; the provider,
``provider(session, user, scope)``, counts within the user's institutions (``scope.institution_ids``) and
answers a :class:`TileValue`: the figure and the list it links to (an endpoint and its query arguments, so
that services need no request to build it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.core.registry import Manifest, ModuleRegistry, Tile, import_object


def in_scope(statement, column, scope):
    """A tile's query limited to the user's institutions by ``column`` (its table's institution), itself.

    A tile counts rows of one table, so it filters that table and skips the central scoping, whose criteria
    (one per scoped class) are compiled into every query: ten times the cost of the count on the home page."""
    return statement.where(column.in_(sorted(scope.institution_ids))).execution_options(skip_scope=True)


@dataclass(frozen=True)
class Label:
    """A detail line's label with placeholders: its msgid (marked with ``N_``) and their values, translated when
    the page is rendered, in the user's language (a provider runs without one)."""

    message: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TileValue:
    value: int | Decimal
    endpoint: str
    args: dict = field(default_factory=dict)
    kind: str = "count"  # count | amount
    # further lines under the figure: (label, value), e.g. 预算 / 已占用 / the top committers; a label is a msgid
    details: tuple[tuple[str | Label, int | Decimal | str], ...] = ()


@dataclass(frozen=True)
class ShownTile:
    module: Manifest
    tile: Tile
    value: TileValue


def tiles_for(session: Session, registry: ModuleRegistry, allows, user, scope,
              modules: tuple[str, ...] | None = None) -> list[ShownTile]:
    """The tiles ``user`` may see (``allows(role, permission)``), of every module or of ``modules``."""
    shown = []
    for manifest, tiles in registry.tiles():
        if modules is not None and manifest.name not in modules:
            continue
        for tile in tiles:
            if allows(user.role, tile.permission):
                shown.append(ShownTile(manifest, tile, import_object(tile.provider)(session, user, scope)))
    return shown
