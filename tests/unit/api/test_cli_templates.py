"""The CLI reads local files a template refers to into ``files``, as heatclient does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.cli.templates import TemplateFileError, load_template, parse_parameters, request_body


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_get_file_and_nested_templates_are_read_relative_to_their_file(tmp_path: Path) -> None:
    write(tmp_path / "scripts" / "boot.sh", "echo hi\n")
    write(
        tmp_path / "nested" / "inner.yaml",
        {"resources": {"x": {"properties": {"v": {"get_file": "data.txt"}}}}},
    )
    write(tmp_path / "nested" / "data.txt", "inner data")
    main = write(
        tmp_path / "main.yaml",
        {
            "heat_template_version": "2018-08-31",
            "resources": {
                "a": {"type": "OS::Heat::Value", "properties": {"value": {"get_file": "scripts/boot.sh"}}},
                "b": {"type": "nested/inner.yaml"},
                "c": {"type": "OS::Heat::None"},
            },
        },
    )
    template, files = load_template(main)
    assert template["resources"]["c"] == {"type": "OS::Heat::None"}
    assert files["scripts/boot.sh"] == "echo hi\n"
    assert "get_file" in files["nested/inner.yaml"]
    assert files["data.txt"] == "inner data"


def test_a_missing_get_file_is_an_error(tmp_path: Path) -> None:
    main = write(tmp_path / "t.yaml", {"resources": {"a": {"properties": {"v": {"get_file": "nope.txt"}}}}})
    with pytest.raises(TemplateFileError, match=r"nope\.txt"):
        load_template(main)


def test_environments_merge_in_order_and_bring_their_registry_files(tmp_path: Path) -> None:
    main = write(tmp_path / "t.yaml", {"heat_template_version": "2018-08-31", "resources": {}})
    write(tmp_path / "envs" / "my.yaml", {"resources": {}})
    one = write(tmp_path / "envs" / "one.yaml", {"parameters": {"a": 1, "b": 1}})
    two = write(
        tmp_path / "envs" / "two.yaml",
        {"parameters": {"b": 2}, "resource_registry": {"My::Thing": "my.yaml"}},
    )
    body = request_body(str(main), [str(one), str(two)], ["c=3", "d=x=y"])
    assert body["environment"]["parameters"] == {"a": 1, "b": 2}
    assert body["files"]["my.yaml"]
    assert body["parameters"] == {"c": "3", "d": "x=y"}


def test_parameters_accept_heatclient_semicolon_lists() -> None:
    assert parse_parameters(["a=1;b=2"]) == {"a": "1", "b": "2"}
    with pytest.raises(TemplateFileError):
        parse_parameters(["novalue"])


def test_unquoted_dates_stay_text(tmp_path: Path) -> None:
    main = write(tmp_path / "t.yaml", "heat_template_version: 2018-08-31\nresources: {}\n")
    template, _files = load_template(main)
    assert template["heat_template_version"] == "2018-08-31"
