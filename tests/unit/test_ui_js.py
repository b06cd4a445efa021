"""The dashboard's front-end logic (graph layout, parameter form, SSE parser, YAML view) under node's test runner.

The tests themselves are JavaScript (tests/ui/*.test.mjs) because the code runs in the
browser; this runs them in the suite, so scripts/test and CI cover them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = sorted((ROOT / "tests" / "ui").glob("*.test.mjs"))


def test_front_end_units_pass_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs) to run tests/ui/*.test.mjs")
    assert JS_TESTS, "no tests/ui/*.test.mjs found"
    result = subprocess.run(
        [node, "--test", *map(str, JS_TESTS)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
