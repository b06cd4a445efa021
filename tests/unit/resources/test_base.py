"""Identity, attributes and reconstruction of the plugin base class."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from services.engine.resources.attributes import Attribute, select_path
from services.engine.resources.base import Resource, ResourceHost, shorten_name
from services.engine.resources.builtin import TestResource
from services.engine.resources.properties import INTEGER, Property
from shared.exceptions import InvalidTemplateAttribute, ResourceFailure, StackValidationFailed

from .conftest import FakeHost, run_create


class Thing(Resource):
    type_name: ClassVar[str] = "Test::Thing"
    properties_schema: ClassVar[Mapping[str, Property]] = {"size": Property(INTEGER, default=1)}
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {"info": Attribute("nested info", "map")}

    def resolve_attribute(self, name: str) -> Any:
        return {"a": [10, {"b": "deep"}]} if name == "info" else None


def test_fake_host_satisfies_protocol(host: FakeHost) -> None:
    assert isinstance(host, ResourceHost)


def test_physical_name_format_and_stability(host: FakeHost) -> None:
    res = Thing("web", {}, host)
    name = res.physical_resource_name()
    assert re.fullmatch(r"mystack-web-[a-z0-9]{12}", name)
    assert res.physical_resource_name() == name
    rebuilt = Thing("web", {}, host, data=res.data)
    assert rebuilt.physical_resource_name() == name


def test_physical_names_differ_between_resources(host: FakeHost) -> None:
    assert Thing("web", {}, host).physical_resource_name() != Thing("web", {}, host).physical_resource_name()


@pytest.mark.parametrize(
    ("stack", "res", "limit"),
    [
        ("s" * 300, "r", 255),
        ("s", "r" * 300, 255),
        ("s" * 200, "r" * 200, 255),
        ("stack", "res", 20),
        ("a", "b", 14),
    ],
)
def test_long_physical_names_keep_suffix_and_limit(stack: str, res: str, limit: int) -> None:
    name = shorten_name(stack, res, "abcdefghijkl", limit)
    assert len(name) <= limit
    assert name.endswith("-abcdefghijkl")


def test_short_names_untouched() -> None:
    assert shorten_name("st", "web", "abcdefghijkl", 255) == "st-web-abcdefghijkl"


def test_reference_id_is_name_until_created(host: FakeHost) -> None:
    res = Thing("web", {}, host)
    assert res.get_reference_id() == "web"
    res.resource_id = "phys-1"
    assert res.get_reference_id() == "phys-1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), {"a": [10, {"b": "deep"}]}),
        (("a", 0), 10),
        (("a", 1, "b"), "deep"),
        (("a", "1", "b"), "deep"),
        (("missing",), None),
        (("a", 5), None),
        (("a", 0, "x"), None),
    ],
)
def test_get_attribute_walks_path(host: FakeHost, path: tuple[Any, ...], expected: Any) -> None:
    assert Thing("web", {}, host).get_attribute("info", *path) == expected


def test_show_returns_all_attributes(host: FakeHost) -> None:
    res = Thing("web", {}, host)
    assert res.all_attributes() == {"info": {"a": [10, {"b": "deep"}]}}
    assert res.get_attribute("show") == {"info": {"a": [10, {"b": "deep"}]}}
    assert res.get_attribute("show", "info", "a", 0) == 10


def test_unknown_attribute_is_invalid(host: FakeHost) -> None:
    with pytest.raises(InvalidTemplateAttribute, match=r"\(web nope\)"):
        Thing("web", {}, host).get_attribute("nope")
    with pytest.raises(InvalidTemplateAttribute):
        Thing.validate_attribute("web", "nope")
    Thing.validate_attribute("web", "show")


def test_construction_validates_properties(host: FakeHost) -> None:
    with pytest.raises(
        StackValidationFailed, match=r"^resources.web.properties.size: 'x' is not an integer$"
    ):
        Thing("web", {"size": "x"}, host)
    assert Thing("web", {"size": "4"}, host).properties == {"size": 4}


def test_select_path_on_scalars() -> None:
    assert select_path("abc", [0]) is None
    assert select_path(None, ["a"]) is None


async def test_default_lifecycle_hooks(host: FakeHost) -> None:
    res = Thing("web", {}, host)
    for action in ("create", "delete", "suspend", "resume"):
        token = await getattr(res, f"handle_{action}")()
        assert await getattr(res, f"check_{action}_complete")(token) is True
    assert res.needs_replacement({"size": 2}) is True  # size is not update_allowed
    assert res.needs_replacement({"size": 1}) is False
    token = await res.handle_update({"size": 2}, {"size": 2})
    assert await res.check_update_complete(token)
    assert res.properties == {"size": 2}
    await res.prepare_attributes()


async def test_reconstruct_from_stored_state_and_delete(host: FakeHost) -> None:
    res = TestResource("t", {"value": "v"}, host)
    await run_create(res)
    stored = res.to_stored()
    other_engine_host = FakeHost(stack_name="mystack")
    again = TestResource("t", {"value": "v"}, other_engine_host, **stored)
    assert again.get_reference_id() == res.get_reference_id()
    assert again.get_attribute("output") == "v"
    assert again.physical_resource_name() == res.physical_resource_name()
    token = await again.handle_delete()
    assert await again.check_delete_complete(token)


def test_from_definition(host: FakeHost) -> None:
    class Defn:
        name = "web"
        type = "Test::Thing"

    defn = Defn()
    res = Thing.from_definition(defn, {"size": 3}, host, resource_id="p", data={"k": 1})
    assert (res.name, res.definition, res.properties, res.resource_id, res.data) == (
        "web",
        defn,
        {"size": 3},
        "p",
        {"k": 1},
    )


def test_failure_reads_like_heat(host: FakeHost) -> None:
    err = Thing("web", {}, host).failure("went wrong", exc_type="ValueError")
    assert isinstance(err, ResourceFailure)
    assert str(err) == "ValueError: resources.web: went wrong"
