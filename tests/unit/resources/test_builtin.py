"""Lifecycle of the built-in plugins, driven as the engine drives them."""

from __future__ import annotations

import asyncio
import re
import string
import time
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.engine.resources.builtin import NoneResource, RandomString, TestResource, Value
from services.engine.resources.builtin import test_resource as test_resource_module
from services.engine.resources.builtin.random_string import CHARACTER_CLASSES, generate
from services.engine.resources.properties import UNRESOLVED
from services.engine.resources.registry import new_registry
from shared.exceptions import ResourceFailure, StackValidationFailed

from .conftest import FakeHost, run_create, run_delete

# --- OS::Heat::None -----------------------------------------------------------


async def test_none_accepts_any_properties_and_gets_uuid(host: FakeHost) -> None:
    res = NoneResource("stub", {"flavor": "m1.small", "anything": [1, 2]}, host)
    assert res.properties == {}
    assert res.get_reference_id() == "stub"
    await run_create(res)
    assert uuid.UUID(res.get_reference_id())
    await run_delete(res)


def test_none_answers_any_attribute_and_is_never_replaced(host: FakeHost) -> None:
    res = NoneResource("stub", {"flavor": "m1"}, host)
    NoneResource.validate_attribute("stub", "first_address")
    assert res.get_attribute("first_address", 0) is None
    assert res.needs_replacement({"flavor": "m2"}) is False


# --- OS::Heat::Value ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (None, {"a": [1]}, {"a": [1]}),
        (None, "x", "x"),
        ("string", "x", "x"),
        ("string", 5, "5"),
        ("number", "5", 5),
        ("number", "2.5", 2.5),
        ("number", 3, 3),
        ("comma_delimited_list", ["a", 1], ["a", 1]),
        ("json", {"a": 1}, {"a": 1}),
        ("boolean", "true", True),
        ("boolean", False, False),
    ],
)
async def test_value_types(host: FakeHost, kind: str | None, value: Any, expected: Any) -> None:
    props = {"value": value} if kind is None else {"value": value, "type": kind}
    res = Value("v", props, host)
    assert res.get_reference_id() == "v"
    await run_create(res)
    assert res.get_attribute("value") == expected
    assert res.get_attribute("show") == {"value": expected}
    assert re.fullmatch(r"mystack-v-[a-z0-9]{12}", res.get_reference_id())


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("number", "abc", "'abc' is not a number"),
        ("number", True, "true is not a number"),
        ("json", "not json", "'not json' is not a map"),
        ("json", [1], "[1] is not a map"),
        ("boolean", "maybe", "'maybe' is not a valid boolean"),
        ("string", {"a": 1}, "value must be a string"),
        ("comma_delimited_list", "a,b", "'a,b' is not a list"),
    ],
)
def test_value_type_mismatch(host: FakeHost, kind: str, value: Any, reason: str) -> None:
    with pytest.raises(StackValidationFailed) as err:
        Value("v", {"value": value, "type": kind}, host)
    assert str(err.value).startswith(f"resources.v.properties.value: {reason}")


def test_value_rejects_unknown_type_and_missing_value(host: FakeHost) -> None:
    with pytest.raises(StackValidationFailed, match=r"properties\.type: 'float' is not an allowed value"):
        Value("v", {"value": 1, "type": "float"}, host)
    with pytest.raises(StackValidationFailed, match=r"properties\.value: property is required"):
        Value("v", {}, host)


def test_value_unresolved_passes_validation() -> None:
    props = Value.validate_properties("v", {"value": UNRESOLVED, "type": "number"})
    assert props["value"] is UNRESOLVED
    assert Value.validate_properties("v", {"value": "x", "type": UNRESOLVED})["value"] == "x"


def test_random_string_checks_counts_even_when_salt_unresolved() -> None:
    with pytest.raises(StackValidationFailed, match="smaller than the combined"):
        RandomString.validate_properties(
            "pw", {"length": 1, "salt": UNRESOLVED, "character_classes": [{"min": 2}]}
        )
    props = RandomString.validate_properties("pw", {"length": UNRESOLVED, "character_classes": [{"min": 2}]})
    assert props["length"] is UNRESOLVED


# --- OS::Heat::RandomString ---------------------------------------------------


async def test_random_string_defaults(host: FakeHost) -> None:
    res = RandomString("pw", {}, host)
    await run_create(res)
    value = res.get_attribute("value")
    assert isinstance(value, str) and len(value) == 32
    assert set(value) <= set(string.ascii_letters + string.digits)
    assert res.get_reference_id() == value
    rebuilt = RandomString("pw", {}, host, **res.to_stored())
    assert rebuilt.get_attribute("value") == value
    await run_delete(rebuilt)


def test_random_string_reference_before_create(host: FakeHost) -> None:
    assert RandomString("pw", {}, host).get_reference_id() == "pw"


async def test_random_string_classes_and_sequences_counts(host: FakeHost) -> None:
    props = {
        "length": 12,
        "character_classes": [{"class": "digits", "min": 3}, {"class": "uppercase", "min": 2}],
        "character_sequences": [{"sequence": "!@", "min": 4}],
    }
    for _ in range(20):
        res = RandomString("pw", props, host)
        await run_create(res)
        value = res.get_attribute("value")
        assert len(value) == 12
        assert sum(c in string.digits for c in value) >= 3
        assert sum(c in string.ascii_uppercase for c in value) >= 2
        assert sum(c in "!@" for c in value) >= 4
        assert set(value) <= set(string.digits + string.ascii_uppercase + "!@")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"length": 0}, r"properties\.length: value 0 is below the minimum 1"),
        ({"length": 513}, r"properties\.length: value 513 is above the maximum 512"),
        (
            {
                "length": 3,
                "character_classes": [{"class": "digits", "min": 2}, {"class": "letters", "min": 2}],
            },
            r"properties\.length: length 3 is smaller than the combined minimum counts .* \(4\)",
        ),
        (
            {"character_classes": [{"class": "emoji"}]},
            r"character_classes\[0\]\.class: 'emoji' is not an allowed",
        ),
        ({"character_sequences": [{"min": 1}]}, r"character_sequences\[0\]\.sequence: property is required"),
        (
            {"character_sequences": [{"sequence": ""}]},
            r"character_sequences\[0\]\.sequence: length 0 is below",
        ),
        ({"character_classes": []}, r"character_classes: at least one character class or sequence is needed"),
        ({"sequence": "x"}, r"properties\.sequence: 'x' is not an allowed value"),
        ({"lenght": 3}, r'properties: unknown property "lenght"'),
    ],
)
def test_random_string_validation(host: FakeHost, props: dict[str, Any], message: str) -> None:
    with pytest.raises(StackValidationFailed, match=message):
        RandomString("pw", props, host)


async def test_random_string_deprecated_sequence_adds_a_class(host: FakeHost) -> None:
    res = RandomString(
        "pw", {"sequence": "octdigits", "character_classes": [{"class": "lowercase"}], "length": 8}, host
    )
    await run_create(res)
    value = res.get_attribute("value")
    assert any(c in string.octdigits for c in value)
    assert set(value) <= set(string.ascii_lowercase + string.octdigits)
    assert "sequence" not in new_registry(load_plugins=False).schema("OS::Heat::RandomString")["properties"]


def test_random_string_salt_change_means_replacement(host: FakeHost) -> None:
    res = RandomString("pw", {"salt": "a"}, host)
    assert res.needs_replacement(RandomString.validate_properties("pw", {"salt": "b"}))
    assert not res.needs_replacement(RandomString.validate_properties("pw", {"salt": "a"}))


async def test_random_string_hexdigits_are_uppercase(host: FakeHost) -> None:
    res = RandomString("pw", {"length": 64, "character_classes": [{"class": "hexdigits"}]}, host)
    await run_create(res)
    assert set(res.get_attribute("value")) <= set("0123456789ABCDEF")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(CHARACTER_CLASSES)), st.integers(1, 6)), max_size=3),
    st.lists(st.tuples(st.text(min_size=1, max_size=4), st.integers(1, 6)), max_size=3),
    st.integers(0, 20),
)
def test_generate_honours_minimums(
    classes: list[tuple[str, int]], sequences: list[tuple[str, int]], extra: int
) -> None:
    groups = [(CHARACTER_CLASSES[c], n) for c, n in classes] + sequences
    if not groups:
        return
    length = sum(n for _, n in groups) + extra
    value = generate(length, groups)
    assert len(value) == length
    # Each group's minimum is met (counting characters the group could have produced).
    for pool, n in groups:
        assert sum(c in pool for c in value) >= n


# --- OS::Heat::TestResource ---------------------------------------------------


async def test_test_resource_create_delete(host: FakeHost) -> None:
    res = TestResource("t", {"value": "hello"}, host)
    await run_create(res)
    assert re.fullmatch(r"mystack-t-[a-z0-9]{12}", res.get_reference_id())
    assert res.get_reference_id() == res.physical_resource_name()
    assert res.get_attribute("output") == "hello"
    assert res.get_attribute("show") == {"output": "hello"}
    await run_delete(res)


async def test_test_resource_fail(host: FakeHost) -> None:
    res = TestResource("t", {"fail": "TRUE"}, host)
    with pytest.raises(ResourceFailure) as err:
        await run_create(res)
    assert str(err.value) == "ValueError: resources.t: Test Resource failed t"
    assert res.resource_id is None
    assert res.get_attribute("output") is None
    await run_delete(res)  # a failed resource can always be deleted


async def test_test_resource_wait_secs_polls_without_blocking(
    host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_resource_module, "POLL_SLEEP", 0.02)
    res = TestResource("t", {"wait_secs": 0.1}, host)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    start = time.monotonic()
    token = await res.handle_create()
    polls = 0
    while not await res.check_create_complete(token):
        polls += 1
    task.cancel()
    assert time.monotonic() - start >= 0.1
    assert polls >= 2  # the wait is spread over several short polls
    assert ticks >= 5  # the loop kept running meanwhile


async def test_test_resource_action_wait_secs_overrides(host: FakeHost) -> None:
    res = TestResource("t", {"wait_secs": 100, "action_wait_secs": {"create": 0, "delete": "0"}}, host)
    await run_create(res, max_polls=1)
    await run_delete(res, max_polls=1)


async def test_test_resource_infinite_wait_never_completes(
    host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_resource_module, "POLL_SLEEP", 0.001)
    res = TestResource("t", {"wait_secs": -1}, host)
    token = await res.handle_create()
    for _ in range(5):
        assert not await res.check_create_complete(token)


async def test_test_resource_wait_can_be_cancelled(host: FakeHost) -> None:
    res = TestResource("t", {"wait_secs": 30}, host)
    token = await res.handle_create()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            while not await res.check_create_complete(token):
                pass


async def test_test_resource_attr_wait(host: FakeHost) -> None:
    res = TestResource("t", {"attr_wait_secs": 0.05}, host)
    await run_create(res)
    start = time.monotonic()
    await res.prepare_attributes()
    assert time.monotonic() - start >= 0.05


async def test_test_resource_update(host: FakeHost) -> None:
    res = TestResource("t", {"value": "a"}, host)
    await run_create(res)
    new = TestResource.validate_properties("t", {"value": "b"})
    assert not res.needs_replacement(new)
    assert res.needs_replacement(
        TestResource.validate_properties("t", {"value": "b", "update_replace": True})
    )
    assert not res.needs_replacement(
        TestResource.validate_properties("t", {"value": "a", "update_replace": True})
    )
    assert res.needs_replacement(
        TestResource.validate_properties("t", {"value": "a", "update_replace_value": "x"})
    )
    assert not res.needs_replacement(
        TestResource.validate_properties("t", {"value": "a", "client_name": "nova"})
    )
    token = await res.handle_update(new, {"value": "b"})
    while not await res.check_update_complete(token):
        pass
    assert res.get_attribute("output") == "b"
    failing = TestResource.validate_properties("t", {"value": "c", "fail": True})
    token = await res.handle_update(failing, {"value": "c", "fail": True})
    with pytest.raises(ResourceFailure):
        await res.check_update_complete(token)
    assert res.get_attribute("output") == "b"


async def test_test_resource_update_without_value_change_skips_wait(host: FakeHost) -> None:
    res = TestResource("t", {"value": "a"}, host)
    await run_create(res)
    new = TestResource.validate_properties("t", {"value": "a", "wait_secs": 100})
    token = await res.handle_update(new, {"wait_secs": 100})
    assert await res.check_update_complete(token)


def test_test_resource_accepts_client_and_entity_names(host: FakeHost) -> None:
    res = TestResource("t", {"client_name": "nova", "entity_name": "servers"}, host)
    assert res.properties["client_name"] == "nova"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"wait_secs": "soon"}, r"properties\.wait_secs: 'soon' is not a number"),
        ({"fail": "perhaps"}, r"properties\.fail: 'perhaps' is not a valid boolean"),
        ({"action_wait_secs": {"create": "x"}}, r"properties\.action_wait_secs\.create: 'x' is not a number"),
        ({"action_wait_secs": {"rebuild": 1}}, r'properties\.action_wait_secs: unknown property "rebuild"'),
    ],
)
def test_test_resource_validation(host: FakeHost, props: dict[str, Any], message: str) -> None:
    with pytest.raises(StackValidationFailed, match=message):
        TestResource("t", props, host)
