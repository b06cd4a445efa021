"""Template parsing: documents, versions, sections, resource and output keys."""

from __future__ import annotations

import json

import pytest

from services.engine import hot
from services.engine.hot.versions import DATED_VERSIONS, RELEASE_NAMES
from shared.exceptions import InvalidTemplate, InvalidTemplateVersion, TemplateTooLarge

from .helpers import template

MINIMAL_YAML = "heat_template_version: 2016-10-14\nresources: {}\n"


def test_yaml_dates_stay_strings() -> None:
    tmpl = hot.Template.parse(MINIMAL_YAML)
    assert tmpl.version.name == "2016-10-14"
    assert tmpl.raw["heat_template_version"] == "2016-10-14"


def test_json_text_parses() -> None:
    tmpl = hot.Template.parse(json.dumps({"heat_template_version": "2015-04-30", "resources": {}}))
    assert tmpl.version.date == "2015-04-30"


def test_mapping_is_accepted() -> None:
    assert hot.Template.parse({"heat_template_version": "wallaby"}).version.date == "2021-04-16"


@pytest.mark.parametrize(
    "text",
    ["", "- a\n- b\n", "just text", "42", "null", "[1, 2]"],
    ids=["empty", "list", "scalar", "number", "null", "json-list"],
)
def test_non_mapping_documents_are_rejected(text: str) -> None:
    with pytest.raises(InvalidTemplate, match="not a JSON object or YAML mapping"):
        hot.load_document(text)


@pytest.mark.parametrize(
    "text",
    [
        "heat_template_version: 2016-10-14\nresources: {}\nresources: {}\n",
        "heat_template_version: 2016-10-14\nresources:\n  a: {type: X}\n  a: {type: Y}\n",
        '{"heat_template_version": "2016-10-14", "resources": {}, "resources": {}}',
    ],
    ids=["yaml-top", "yaml-nested", "json"],
)
def test_duplicate_keys_are_rejected(text: str) -> None:
    with pytest.raises(InvalidTemplate, match="duplicate key"):
        hot.load_document(text)


@pytest.mark.parametrize("text", ["a: [1, 2", "a: {b", '{"a": }', "a: *nope"])
def test_broken_documents_are_invalid_templates(text: str) -> None:
    with pytest.raises(InvalidTemplate, match="does not parse"):
        hot.load_document(text)


def test_yaml_merge_keys_are_not_duplicates() -> None:
    doc = hot.load_document("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert doc["other"] == {"x": 1, "y": 2}


def test_python_tags_are_not_executed() -> None:
    with pytest.raises(InvalidTemplate):
        hot.load_document("a: !!python/object/apply:os.system ['true']\n")


def test_too_large_text_is_a_400_naming_the_setting() -> None:
    text = MINIMAL_YAML + "description: " + "x" * 2000 + "\n"
    with pytest.raises(TemplateTooLarge) as err:
        hot.load_document(text, max_size=1000)
    assert err.value.http_status == 400  # Heat's RequestLimitExceeded
    assert str(err.value) == (
        f"Request limit exceeded: Template size ({len(text.encode())} bytes) exceeds the maximum of 1000 "
        "bytes (engine.max_template_size, EMBER_ENGINE__MAX_TEMPLATE_SIZE)."
    )
    assert err.value.kwargs == {"size": len(text.encode()), "limit": 1000}


def test_too_large_mapping_is_measured_as_json() -> None:
    with pytest.raises(TemplateTooLarge):
        hot.load_document({"heat_template_version": "2016-10-14", "description": "x" * 100}, max_size=50)


def test_deep_nesting_is_an_invalid_template() -> None:
    with pytest.raises(InvalidTemplate, match=r"nested too deeply|nesting depth"):
        hot.load_document("a: " + "[" * 5000 + "]" * 5000)


def test_deeply_nested_mappings_are_invalid_templates() -> None:
    doc: dict[str, object] = {"heat_template_version": "2016-10-14"}
    node = doc
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    with pytest.raises(InvalidTemplate, match="nested too deeply"):
        hot.load_stack_definition(doc)


@pytest.mark.parametrize("version", [*DATED_VERSIONS, *RELEASE_NAMES])
def test_every_heat_version_is_accepted(version: str) -> None:
    tmpl = hot.Template.parse({"heat_template_version": version, "resources": {}})
    assert tmpl.version.name == version


@pytest.mark.parametrize(
    "version", ["2012-12-12", "2016-10-15", "stein", "train", "2099-01-01", "", 2016, None]
)
def test_unknown_versions_are_rejected_by_name(version: object) -> None:
    with pytest.raises(InvalidTemplateVersion) as err:
        hot.Template.parse({"heat_template_version": version})
    assert f"heat_template_version: {version}" in str(err.value)
    assert "2021-04-16" in str(err.value)


def test_missing_version_is_rejected() -> None:
    with pytest.raises(InvalidTemplateVersion, match="missing"):
        hot.Template.parse({"resources": {}})


def test_cfn_templates_are_read_as_hot() -> None:
    tmpl = hot.Template.parse("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n")
    assert tmpl.version.name == "AWSTemplateFormatVersion.2010-09-09"
    assert tmpl.raw == {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}  # stored as written


@pytest.mark.parametrize(
    ("version", "section", "ok"),
    [
        ("2016-04-08", "conditions", False),
        ("2016-10-14", "conditions", True),
        ("newton", "conditions", True),
        ("2013-05-23", "parameter_groups", True),
        ("2021-04-16", "mappings", False),
        ("2021-04-16", "Resources", False),
    ],
)
def test_sections_follow_the_version(version: str, section: str, ok: bool) -> None:
    doc = {"heat_template_version": version, section: {} if section != "parameter_groups" else []}
    if ok:
        hot.Template.parse(doc)
    else:
        with pytest.raises(InvalidTemplate, match=f"section is invalid: {section}"):
            hot.Template.parse(doc)


@pytest.mark.parametrize(
    ("version", "key", "ok"),
    [
        ("2021-04-16", "foo", False),
        ("2016-04-08", "condition", False),
        ("2016-04-08", "external_id", False),
        ("2016-10-14", "condition", True),
        ("2016-10-14", "external_id", True),
        ("2013-05-23", "description", True),
        ("2013-05-23", "deletion_policy", True),
        ("2013-05-23", "update_policy", True),
        ("2013-05-23", "metadata", True),
    ],
)
def test_resource_keys_follow_the_version(version: str, key: str, ok: bool) -> None:
    values = {"condition": True, "external_id": "abc", "description": "d", "deletion_policy": "Delete"}
    body = {"type": "OS::Heat::None", key: values.get(key, {})}
    doc = template({"web": body}, version=version)
    if ok:
        hot.Template.parse(doc)
    else:
        with pytest.raises(InvalidTemplate, match=f'resources.web: unknown key "{key}"'):
            hot.Template.parse(doc)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("OS::Heat::None", "resources.web: a resource must be a map"),
        ({}, 'resources.web: "type" must be a non-empty string'),
        ({"type": ""}, '"type" must be a non-empty string'),
        ({"type": ["x"]}, '"type" must be a non-empty string'),
        ({"type": "T", "properties": [1]}, "resources.web.properties: must be a map"),
        ({"type": "T", "metadata": "m"}, "resources.web.metadata: must be a map"),
        ({"type": "T", "update_policy": 1}, "resources.web.update_policy: must be a map"),
        ({"type": "T", "depends_on": 3}, "resources.web.depends_on: must be a resource name"),
        ({"type": "T", "depends_on": ["a", {"b": 1}]}, "resources.web.depends_on"),
        ({"type": "T", "description": {"a": 1}}, "resources.web.description must be a string"),
    ],
)
def test_bad_resource_shapes_name_the_resource(body: object, message: str) -> None:
    with pytest.raises(InvalidTemplate, match=message.replace("(", r"\(").replace(")", r"\)")):
        hot.Template.parse(template({"web": body}))


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ("resources", [], "The resources section must be a map"),
        ("parameters", "p", "The parameters section must be a map"),
        ("outputs", 1, "The outputs section must be a map"),
        ("parameter_groups", {}, "The parameter_groups section must be a list"),
        ("description", {"a": 1}, "description must be a string"),
    ],
)
def test_bad_section_shapes(section: str, value: object, message: str) -> None:
    doc = {"heat_template_version": "2016-10-14", section: value}
    with pytest.raises(InvalidTemplate, match=message):
        hot.Template.parse(doc)


@pytest.mark.parametrize(
    ("version", "body", "message"),
    [
        ("2016-10-14", {"description": "d"}, 'outputs.out: an output must have a "value"'),
        ("2016-10-14", {"value": 1, "foo": 2}, 'outputs.out: unknown key "foo"'),
        ("2016-04-08", {"value": 1, "condition": True}, 'outputs.out: unknown key "condition"'),
        ("2016-10-14", "v", "outputs.out: an output must be a map"),
    ],
)
def test_bad_outputs(version: str, body: object, message: str) -> None:
    with pytest.raises(InvalidTemplate, match=message):
        hot.Template.parse(template({}, version=version, outputs={"out": body}))


def test_resource_names_must_be_strings() -> None:
    with pytest.raises(InvalidTemplate, match="must be a non-empty string"):
        hot.Template.parse({"heat_template_version": "2016-10-14", "resources": {1: {"type": "T"}}})


def test_files_must_map_names_to_text() -> None:
    with pytest.raises(InvalidTemplate, match="files"):
        hot.Template.parse(MINIMAL_YAML, {"a.yaml": 3})


def test_yaml_alias_bombs_are_rejected() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(InvalidTemplate, match="expands to too many values"):
        hot.load_document("\n".join(lines) + "\n")


def test_unserialisable_mappings_are_invalid() -> None:
    doc: dict[str, object] = {"heat_template_version": "2016-10-14"}
    doc["self"] = doc
    with pytest.raises(InvalidTemplate, match="not JSON-serialisable"):
        hot.load_document(doc)
    with pytest.raises(InvalidTemplate, match="not JSON-serialisable"):
        hot.load_document({"x": object()})


def test_a_template_parsed_by_a_plain_yaml_loader_is_accepted() -> None:
    import yaml

    doc = yaml.safe_load("heat_template_version: 2016-10-14\nresources: {}\n")
    assert not isinstance(doc["heat_template_version"], str)
    assert hot.Template.parse(doc).version.name == "2016-10-14"


async def test_loading_in_a_worker_thread() -> None:
    defn = await hot.load_stack_definition_async(MINIMAL_YAML, stack_name="s")
    assert defn.version == "2016-10-14"
