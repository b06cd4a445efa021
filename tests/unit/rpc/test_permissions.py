"""The per-service broker rights (shared.rpc.permissions), as regexes RabbitMQ would apply."""

from __future__ import annotations

import re

import pytest

from shared.config import RpcSettings
from shared.rpc.permissions import definitions, grants, password_hash

RPC = RpcSettings(control_exchange="ember", engine_topic="engine", store_topic="store")


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_rabbitmqs_documented_password_hash() -> None:
    # The worked example of RabbitMQ's "Computing Password Hash" (salt 908DC60A, password test12).
    assert (
        password_hash("test12", bytes.fromhex("908DC60A"))
        == "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"
    )
    assert password_hash("x") != password_hash("x")  # a fresh salt each time


@pytest.mark.parametrize(
    ("service", "routing_key", "ok"),
    [
        ("api", "engine", True),
        ("api", "engine.e1", True),
        ("api", "store", False),
        ("api", "store.s1", False),
        ("api", "engineering", False),
        ("engine", "store", True),
        ("engine", "engine.e2", True),
        ("engine", "notifications.info", True),
        ("store", "engine", False),
        ("store", "store", True),
    ],
)
def test_who_may_publish_which_routing_key(service: str, routing_key: str, ok: bool) -> None:
    assert allowed(grants(RPC)[service].topic_write, routing_key) is ok


def test_only_engines_and_stores_answer_through_the_default_exchange() -> None:
    rights = grants(RPC)
    assert not allowed(rights["api"].write, "amq.default")
    assert allowed(rights["engine"].write, "amq.default") and allowed(rights["store"].write, "amq.default")
    assert not allowed(rights["api"].configure, "store") and not allowed(rights["api"].read, "engine")


def test_the_api_sends_only_to_its_own_exchange_bound_to_the_engines_keys() -> None:
    api = grants(RPC)["api"]
    assert allowed(api.write, "ember.api") and not allowed(api.write, "ember")
    assert not allowed(api.configure, "ember") and not allowed(api.configure, "ember.api")
    doc = definitions(RPC, "ember", {"api": ("u-api", "p")})
    bindings = [(b["source"], b["destination"], b["routing_key"]) for b in doc["bindings"]]
    assert bindings == [("ember.api", "ember", "engine"), ("ember.api", "ember", "engine.#")]
    assert [p["exchange"] for p in doc["topic_permissions"]] == ["ember.api"]


def test_names_with_regex_characters_are_taken_literally() -> None:
    rights = grants(RpcSettings(control_exchange="a.b", engine_topic="e+", store_topic="s"))
    assert allowed(rights["api"].topic_write, "e+") and not allowed(rights["api"].topic_write, "ee")
    assert allowed(rights["engine"].write, "a.b") and not allowed(rights["engine"].write, "axb")
    assert allowed(rights["api"].write, "a.b.api") and not allowed(rights["api"].write, "a.bxapi")


def test_definitions_hold_a_user_per_service_and_refuse_unknown_ones() -> None:
    doc = definitions(RPC, "ember", {"api": ("u-api", "p1"), "engine": ("u-engine", "p2")})
    assert [u["name"] for u in doc["users"]] == ["u-api", "u-engine"]
    assert {p["exchange"] for p in doc["topic_permissions"]} == {"ember.api", "ember"}
    with pytest.raises(ValueError, match="unknown service"):
        definitions(RPC, "ember", {"web": ("u", "p")})
