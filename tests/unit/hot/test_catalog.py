"""Template versions and functions as the template_versions API lists them."""

from __future__ import annotations

import pytest

from services.engine.hot.catalog import FUNCTION_DESCRIPTIONS, template_functions, template_versions
from services.engine.hot.versions import DATED_VERSIONS, RELEASE_NAMES
from shared.exceptions import NotFound


def names(version: str, with_condition: bool = False) -> set[str]:
    return {f["functions"] for f in template_functions(version, with_condition)}


def test_versions_list_every_dated_version_with_its_release_aliases() -> None:
    versions = [v for v in template_versions() if v["type"] == "hot"]
    assert [v["version"] for v in versions] == [f"heat_template_version.{d}" for d in DATED_VERSIONS]
    by_name = {v["version"]: v["aliases"] for v in versions}
    assert by_name["heat_template_version.2016-10-14"] == ["heat_template_version.newton"]
    assert by_name["heat_template_version.2013-05-23"] == []
    assert sum(len(a) for a in by_name.values()) == len(RELEASE_NAMES)


def test_functions_of_a_version_exclude_condition_functions_by_default() -> None:
    plain = names("heat_template_version.2016-10-14")
    assert {"if", "get_param", "yaql", "map_replace"} <= plain
    assert not plain & {"equals", "not", "and", "or"}


def test_functions_with_condition_add_the_condition_functions() -> None:
    assert {"equals", "not", "and", "or", "get_param"} <= names("heat_template_version.2016-10-14", True)
    assert "contains" in names("heat_template_version.2017-09-01", True)


def test_functions_follow_the_version_gates() -> None:
    old = names("heat_template_version.2013-05-23")
    assert {"Ref", "Fn::Join", "Fn::Select", "get_attr"} <= old
    assert "repeat" not in old
    assert "Fn::Select" not in names("heat_template_version.2015-10-15")
    assert names("heat_template_version.2013-05-23", True) == old  # no conditions before 2016-10-14


def test_the_cloudformation_formats_list_their_functions() -> None:
    cfn = [v["version"] for v in template_versions() if v["type"] == "cfn"]
    assert cfn == ["AWSTemplateFormatVersion.2010-09-09", "HeatTemplateFormatVersion.2012-12-12"]
    assert {"Fn::If", "Fn::GetAtt", "Fn::FindInMap"} <= names(cfn[0])
    assert "Fn::Equals" in names(cfn[0], True) and "Fn::Equals" not in names(cfn[0])
    assert "Fn::If" not in names(cfn[1]) and names(cfn[1], True) == names(cfn[1])


def test_an_alias_lists_the_same_functions_as_its_date() -> None:
    assert names("heat_template_version.wallaby") == names("heat_template_version.2021-04-16")


def test_every_listed_function_has_a_description() -> None:
    for version in template_versions():
        for func in template_functions(version["version"], with_condition=True):
            assert func["description"].endswith(FUNCTION_DESCRIPTIONS[func["functions"]])
            assert FUNCTION_DESCRIPTIONS[func["functions"]]


def test_functions_ember_cannot_run_say_so() -> None:
    described = {
        f["functions"]: f["description"] for f in template_functions("heat_template_version.2016-10-14")
    }
    assert described["yaql"].startswith("Not supported by Ember (")
    assert not described["resource_facade"].startswith("Not supported")
    assert not described["get_param"].startswith("Not supported")


@pytest.mark.parametrize(
    "name", ["2016-10-14", "heat_template_version.2099-01-01", "heat_template_version.stein", "x", ""]
)
def test_unknown_version_is_not_found(name: str) -> None:
    with pytest.raises(NotFound, match="not found"):
        template_functions(name)


def test_function_names_match_heats_own_tables() -> None:
    """Heat's template classes are the reference: same names for every version Ember knows."""
    heat_template = pytest.importorskip("heat.engine.template")
    hot_functions = pytest.importorskip("heat.engine.hot.functions")
    manager = heat_template._get_template_extension_manager()
    for version in template_versions():
        plugin = manager[version["version"]].plugin
        heat_plain = {n for n, f in plugin.functions.items() if f is not hot_functions.Removed}
        heat_cond = heat_plain | set(getattr(plugin, "condition_functions", {}))
        assert names(version["version"]) == heat_plain, version["version"]
        assert names(version["version"], True) == heat_cond, version["version"]
