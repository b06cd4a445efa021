"""pyproject.toml: the metadata setuptools reads without deprecation warnings, and the extras tests rely on."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    setuptools = next(r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    match = re.fullmatch(r"setuptools>=(\d+).*", setuptools)
    assert match and int(match[1]) >= 77, "SPDX license strings need setuptools 77"


def test_api_docs_assets_come_from_a_pinned_package() -> None:
    pinned = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("fastapi-offline")]
    assert pinned and "==" in pinned[0]
    assert importlib.metadata.version("fastapi-offline") == pinned[0].split("==", 1)[1]


def test_heats_rpc_client_is_a_test_extra_so_its_test_runs() -> None:
    # tests/integration/engine/test_heat_client.py skips only where openstack-heat is missing.
    assert any(d.startswith("openstack-heat") for d in PYPROJECT["project"]["optional-dependencies"]["test"])


def test_every_dashboard_asset_ships_in_the_package() -> None:
    # services/api/ui/static/ is served from the installed package: a file the package-data
    # globs miss would be a 404 in an installed (non-editable) Ember.
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["services.api.ui"]
    static = ROOT / "services" / "api" / "ui"
    files = {p.relative_to(static) for p in (static / "static").iterdir() if p.is_file()}
    assert files
    missed = [str(f) for f in files if not any(f.match(g) for g in globs)]
    assert not missed, f"not in [tool.setuptools.package-data] services.api.ui: {missed}"
