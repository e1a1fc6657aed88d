"""Rules checked on the source tree itself, so that what was removed cannot come back unnoticed."""
from __future__ import annotations

import re
from pathlib import Path

import erp

SOURCE = Path(erp.__file__).parent
# the one module allowed to read the clock (it defines the local-time rule)
CLOCK = SOURCE / "core" / "timeutil.py"
# business dates are local dates (timeutil.local_today), timestamps aware UTC (timeutil.utcnow)
CLOCK_BYPASSES = re.compile(r"\bdate\.today\(|\bdatetime\.(now|today|utcnow)\(\s*\)|\butcnow\(\)\.date\(")
DEMO_CODE = re.compile(r"""["']QH\d{3}(-\d{2})?["']""")


def _sources():
    return sorted(path for path in SOURCE.rglob("*.py") if "__pycache__" not in path.parts)


def _hits(pattern: re.Pattern, skip) -> list[str]:
    return [f"{path.relative_to(SOURCE.parent)}:{number}: {line.strip()}"
            for path in _sources() if not skip(path)
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if pattern.search(line)]


def test_no_code_reads_the_clock_around_the_local_time_rule():
    assert _sources(), "the source tree was not found"
    assert _hits(CLOCK_BYPASSES, lambda path: path == CLOCK) == []


def test_demo_institution_codes_appear_only_in_demo_data():
    assert _hits(DEMO_CODE, lambda path: path.stem == "demo" or "demo" in path.parts) == []


def test_the_patterns_find_what_they_are_meant_to_find():
    for line in ('x = date.today()', 'stamp = datetime.now()', 'datetime.utcnow( )', 'datetime.today()'):
        assert CLOCK_BYPASSES.search(line), line
    for line in ('now = datetime.now(LOCAL_TZ)', 'local_today()', 'datetime.now(timezone.utc)'):
        assert not CLOCK_BYPASSES.search(line), line
    assert DEMO_CODE.search('code: str = "QH101"') and DEMO_CODE.search("'QH101-01'")
