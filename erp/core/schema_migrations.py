"""The database schema follows the enabled modules: one Alembic branch per module.

Each module's migrations live in ``migrations/versions/<module>/`` under its branch label (the module's
name); a module's first revision ``depends_on`` the revisions of the modules it needs. Alembic sees only
the enabled modules' folders, so a disabled module's tables are never created.
"""
from __future__ import annotations

from flask import current_app

from erp.core.config import REPO_ROOT
from erp.core.extensions import migrate

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def version_locations(module_names) -> list[str]:
    """The enabled modules' migration folders (a module without migrations has none)."""
    folders = (MIGRATIONS_DIR / "versions" / name for name in module_names)
    return [str(folder) for folder in folders if folder.is_dir()]


@migrate.configure
def _enabled_modules_only(config):
    names = current_app.extensions["erp"].registry.names()
    config.set_main_option("version_locations", " ".join(version_locations(names)))
    return config


def upgrade_database() -> None:
    """Upgrade every enabled module's branch to its head (what ``erp init-db`` does)."""
    from flask_migrate import upgrade

    upgrade(revision="heads")
