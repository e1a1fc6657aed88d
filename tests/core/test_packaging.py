"""The built wheel is the whole app: installed outside the checkout it migrates a database and serves the
Chinese login page (templates, static files, translations and migrations travel in it)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tracked(folder: str) -> list[str]:
    return run("git", "ls-files", folder, cwd=ROOT).stdout.split()


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_migrates_and_serves_the_login_page(tmp_path):
    run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--quiet", "-w", tmp_path / "dist")
    (wheel,) = (tmp_path / "dist").glob("yigong_erp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = tracked("erp")
    expected += [f"erp_site/{name}" for folder in ("templates", "static", "translations", "migrations")
                 for name in tracked(folder)]
    assert len(expected) > 60 and not [name for name in expected if name not in names]

    # a fresh environment: the wheel in its own site-packages, the dependencies from this one's
    venv = tmp_path / "v"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ERP_", "PYTHON", "FLASK_"))}
    env |= {"ERP_SECRET_KEY": "wheel-test-key"}  # the database: instance/ in the working directory
    where = run(python, "-c", "import erp.core.config as c; print(c.__file__); print(c.REPO_ROOT)", cwd=empty, env=env)
    module, root = where.stdout.split()
    assert module.startswith(str(site)) and root == str(site / "erp_site")
    assert (site / "erp_site" / "translations" / "en" / "LC_MESSAGES" / "messages.mo").is_file()

    erp = venv / "bin" / "erp"
    assert "database at the head of every enabled module" in run(erp, "init-db", cwd=empty, env=env).stdout
    assert (empty / "instance" / "erp.sqlite3").is_file() and not (site / "erp_site" / "instance").exists()
    port = free_port()
    server = subprocess.Popen([str(erp), "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=empty, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    page = (response.status, response.read().decode())
            except OSError:
                time.sleep(0.3)
        assert page is not None, server.stdout.read().decode() if server.poll() is not None else "no answer"
        status, html = page
        assert status == 200 and "登录" in html and 'lang="zh' in html
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/erp.css", timeout=5) as response:
            assert response.status == 200 and response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
