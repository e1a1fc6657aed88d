"""The design card's code rules, checked on the source tree: no file over ~400 lines, no private (_name) name
imported from another file, and the import-linter contracts of setup.cfg (core imports no module, modules
use each other's services face only, layered rooms, no import loops)."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import erp

SOURCE = Path(erp.__file__).parent
REPO = SOURCE.parent
MAX_LINES = 400
# Files allowed over MAX_LINES, with the reason. Keep it short; split a file rather than list it.
LONG_FILES: dict[str, str] = {}


def _sources() -> list[Path]:
    return sorted(path for path in SOURCE.rglob("*.py") if "__pycache__" not in path.parts)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_module(path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from … import`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def private_imports(path: Path, source: str) -> list[str]:
    """``from X import _name`` where X is another file: a private name used outside the file that owns it."""
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = _imported_module(path, node)
        for alias in node.names:
            private = alias.name.startswith("_") and not alias.name.startswith("__")
            if private and module != _module_name(path):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: from {module} import {alias.name}")
    return found


def test_no_private_name_is_imported_from_another_file():
    assert _sources(), "the source tree was not found"
    tests_and_bench = sorted(path for folder in ("tests", "bench") for path in (REPO / folder).rglob("*.py"))
    found = [hit for path in _sources() + tests_and_bench
             for hit in private_imports(path, path.read_text(encoding="utf-8"))]
    assert found == []


def test_no_file_is_over_400_lines():
    long = {str(path.relative_to(REPO)): count for path in _sources()
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert {name: count for name, count in long.items() if name not in LONG_FILES} == {}
    assert set(LONG_FILES) <= set(long), "a listed file is short now: take it off LONG_FILES"


def test_the_checks_find_what_they_are_meant_to_find():
    path = SOURCE / "ledger" / "reports" / "books.py"
    assert private_imports(path, "from erp.ledger.reports.common import _report_header\n") == [
        "erp/ledger/reports/books.py:1: from erp.ledger.reports.common import _report_header"]
    assert private_imports(path, "from .common import ZERO, _files_name\n") == [
        "erp/ledger/reports/books.py:1: from erp.ledger.reports.common import _files_name"]
    assert private_imports(path, "from . import _x\n") == ["erp/ledger/reports/books.py:1: from erp.ledger.reports import _x"]
    assert private_imports(path, "from erp.ledger.reports.common import ZERO\nfrom x import __version__\n") == []


def test_import_contracts_are_kept():
    """import-linter (setup.cfg): a broken contract fails the suite, with lint-imports' report as the message."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert command, "lint-imports is not installed: pip install -e '.[test]'"
    result = subprocess.run([command, "--no-cache", "--config", str(REPO / "setup.cfg")], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
