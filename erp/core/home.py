"""The home page's and the modules' index pages' tiles, for the signed-in user (web side of erp.core.tiles)."""
from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user

from erp.core.extensions import db
from erp.core.scoping import current_scope
from erp.core.tiles import ShownTile, tiles_for
from erp.core.web import can


def home_tiles(modules: tuple[str, ...] | None = None) -> list[ShownTile]:
    state = current_app.extensions["erp"]
    return tiles_for(db.session, state.registry, state.permissions.allows, current_user, current_scope(db.session),
                     modules)


def module_home(name: str):
    """A module's index page (/procurement/, /payroll/): its tiles, then its menu entries the user may open."""
    manifest = next((m for m in current_app.extensions["erp"].registry if m.name == name), None)
    if manifest is None:
        abort(404)
    entries = [entry for entry in sorted(manifest.menu, key=lambda e: e.order) if can(entry.permission)]
    if not entries:
        abort(403)
    return render_template("module_home.html", manifest=manifest, tiles=home_tiles((name,)), entries=entries)
