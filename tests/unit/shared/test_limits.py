"""Every refusal at a limit names a setting that exists, in the one wording of shared.limits."""

from __future__ import annotations

import re
from pathlib import Path

from shared.config import Settings
from shared.limits import maximum, maximum_fmt

ROOT = Path(__file__).resolve().parents[3]


def test_the_wording_names_the_value_the_yaml_key_and_the_environment_variable() -> None:
    assert maximum(1000, "resources per stack", "engine", "max_resources_per_stack") == (
        "the maximum of 1000 resources per stack "
        "(engine.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK)"
    )
    assert maximum_fmt("bytes", "api", "max_body_size").format(limit=7) == maximum(
        7, "bytes", "api", "max_body_size"
    )


def test_every_setting_a_refusal_names_is_a_real_setting() -> None:
    calls = re.compile(r"maximum(?:_fmt)?\([^()]*?\"(\w+)\",\s*\"(\w+)\"\)")
    named = {
        pair
        for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]
        for pair in calls.findall(path.read_text())
    }
    assert {("engine", "max_resources_per_stack"), ("api", "max_body_size")} <= named
    settings = Settings()
    for section, key in named:
        assert hasattr(getattr(settings, section), key), f"{section}.{key}"
