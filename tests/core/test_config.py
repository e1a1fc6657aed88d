"""The session key: ERP_SECRET_KEY, else the one `make run` keeps in the instance folder."""
from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from erp.core.config import DEVELOPMENT_SECRET_KEY, create_secret_key_file, read_secret_key


def test_the_instance_key_is_made_once_private_and_used_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("ERP_SECRET_KEY", raising=False)
    path = tmp_path / "instance" / "secret_key"
    assert read_secret_key(path) == DEVELOPMENT_SECRET_KEY
    assert create_secret_key_file(path) is True
    key = read_secret_key(path)
    assert len(key) >= 60 and key != DEVELOPMENT_SECRET_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert create_secret_key_file(path) is False and read_secret_key(path) == key  # kept, not replaced
    other = tmp_path / "elsewhere" / "secret_key"
    create_secret_key_file(other)
    assert read_secret_key(other) != key  # random, not a constant
    monkeypatch.setenv("ERP_SECRET_KEY", "from-the-environment")
    assert read_secret_key(path) == "from-the-environment"


def test_the_app_signs_sessions_with_the_instance_key(tmp_path):
    """Config reads the key at import: a fresh interpreter whose instance folder holds one uses it."""
    from erp.core import config

    # a copy of the config module under a throwaway root, so that the checkout's instance/ is left alone
    root = tmp_path / "root"
    (root / "erp" / "core").mkdir(parents=True)
    (root / "templates").mkdir()
    for package in ("erp", "erp/core"):
        (root / package / "__init__.py").write_text("")
    (root / "erp" / "core" / "config.py").write_text(Path(config.__file__).read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    create_secret_key_file(root / "instance" / "secret_key")
    key = (root / "instance" / "secret_key").read_text().strip()
    result = subprocess.run([sys.executable, "-c", "import erp.core.config as c; print(c.Config.SECRET_KEY)"],
                            cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == key, result.stderr
