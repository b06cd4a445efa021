"""RequestContext.from_dict accepts oslo.context, Heat and Ember dicts; anything odd is coerced or dropped."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oslo_context import context as oslo_context

from shared.context import RequestContext


def test_ember_round_trip() -> None:
    ctxt = RequestContext(
        user_id="u1",
        project_id="p1",
        user_name="alice",
        project_name="proj",
        roles=["admin", "member"],
        auth_token="tok",
        is_admin=True,
        show_deleted=True,
        request_id="req-1",
        global_request_id="req-g",
    )
    assert RequestContext.from_dict(ctxt.to_dict()) == ctxt


def test_to_dict_carries_the_oslo_and_heat_aliases() -> None:
    values = RequestContext(user_id="u1", project_id="p1").to_dict()
    assert values["user"] == values["user_id"] == "u1"
    assert values["tenant"] == values["project"] == values["project_id"] == "p1"


def test_from_an_oslo_context() -> None:
    oslo = oslo_context.RequestContext(
        user_id="u1",
        project_id="p1",
        roles=["admin", "member"],
        auth_token="tok",
        request_id="req-oslo",
        global_request_id="req-global",
        is_admin=True,
        show_deleted=True,
        overwrite=False,
    )
    ctxt = RequestContext.from_dict(oslo.to_dict())
    assert ctxt.user_id == "u1"
    assert ctxt.project_id == "p1"
    assert ctxt.roles == ["admin", "member"]
    assert ctxt.auth_token == "tok"
    assert ctxt.request_id == "req-oslo"
    assert ctxt.global_request_id == "req-global"
    assert ctxt.is_admin is True and ctxt.show_deleted is True


def test_from_a_minimal_oslo_context_generates_a_request_id_only_if_missing() -> None:
    values = oslo_context.RequestContext(overwrite=False).to_dict()
    ctxt = RequestContext.from_dict(values)
    assert ctxt.request_id == values["request_id"]  # oslo made one; it is kept
    assert ctxt.user_id is None and ctxt.project_id is None and ctxt.is_admin is False


def test_from_older_oslo_keys() -> None:
    ctxt = RequestContext.from_dict(
        {"user": "u1", "tenant": "p1", "user_name": "alice", "project_name": "proj"}
    )
    assert (ctxt.user_id, ctxt.project_id, ctxt.user_name, ctxt.project_name) == ("u1", "p1", "alice", "proj")


def test_from_a_heat_context() -> None:
    # The keys Heat's RequestContext.to_dict sends: there "tenant" is the project
    # *name* and "user" the user *name*; the ids are "tenant_id" and "user_id".
    heat = {
        "auth_token": "tok",
        "username": "alice",
        "user_id": "u1",
        "password": None,
        "aws_creds": None,
        "tenant": "proj",
        "tenant_id": "p1",
        "trust_id": None,
        "trustor_user_id": None,
        "auth_token_info": None,
        "auth_url": "http://keystone/v3",
        "roles": ["heat_stack_owner"],
        "is_admin": False,
        "user": "alice",
        "request_id": "req-heat",
        "show_deleted": False,
        "region_name": "RegionOne",
        "user_identity": "u1 p1",
        "user_domain_id": None,
        "project_domain_id": None,
    }
    ctxt = RequestContext.from_dict(heat)
    assert ctxt.user_id == "u1"
    assert ctxt.project_id == "p1"
    assert ctxt.user_name == "alice"
    assert ctxt.project_name == "proj"
    assert ctxt.roles == ["heat_stack_owner"]
    assert ctxt.request_id == "req-heat"


def test_heat_context_without_a_user_id_does_not_take_the_user_name_as_id() -> None:
    ctxt = RequestContext.from_dict({"user_id": None, "user": "alice", "tenant_id": None, "tenant": "proj"})
    assert ctxt.user_id is None and ctxt.project_id is None and ctxt.project_name == "proj"


def test_unknown_keys_are_ignored() -> None:
    ctxt = RequestContext.from_dict({"user_id": "u1", "color": "blue", "nested": {"x": 1}, "": None})
    assert ctxt.user_id == "u1"


def test_request_id_is_generated_when_absent_or_empty() -> None:
    for values in ({}, {"request_id": None}, {"request_id": ""}, {"request_id": ["x"]}):
        request_id = RequestContext.from_dict(values).request_id
        assert request_id.startswith("req-") and len(request_id) == len("req-") + 36
    assert RequestContext.from_dict({}).request_id != RequestContext.from_dict({}).request_id


@pytest.mark.parametrize(
    ("values", "field", "expected"),
    [
        ({"user_id": 42}, "user_id", "42"),
        ({"project_id": 7.5}, "project_id", "7.5"),
        ({"user_id": ["u1"]}, "user_id", None),
        ({"user_id": {"id": "u1"}}, "user_id", None),
        ({"user_id": True}, "user_id", None),
        ({"auth_token": {"token": "x"}}, "auth_token", None),
        ({"roles": "admin, member"}, "roles", ["admin", "member"]),
        ({"roles": ["admin", 3]}, "roles", ["admin", "3"]),
        ({"roles": ("a", "b")}, "roles", ["a", "b"]),
        ({"roles": {"admin": True}}, "roles", []),
        ({"roles": 5}, "roles", []),
        ({"roles": None}, "roles", []),
        ({"is_admin": "true"}, "is_admin", False),
        ({"is_admin": 1}, "is_admin", False),
        ({"is_admin": True}, "is_admin", True),
        ({"show_deleted": "yes"}, "show_deleted", False),
    ],
)
def test_wrong_types_are_coerced_or_dropped(values: dict[str, Any], field: str, expected: Any) -> None:
    assert getattr(RequestContext.from_dict(values), field) == expected


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(
    [
        "user_id",
        "user",
        "project_id",
        "tenant",
        "tenant_id",
        "project",
        "roles",
        "auth_token",
        "request_id",
        "is_admin",
    ]
)


@settings(max_examples=200)
@given(st.dictionaries(KEYS | st.text(max_size=10), JSON, max_size=8))
def test_from_dict_never_fails_on_what_the_network_sends(values: dict[str, Any]) -> None:
    ctxt = RequestContext.from_dict(values)
    assert ctxt.request_id
    assert all(isinstance(role, str) for role in ctxt.roles)
    assert ctxt.user_id is None or isinstance(ctxt.user_id, str)
    assert isinstance(ctxt.is_admin, bool)


def test_admin_context() -> None:
    ctxt = RequestContext.admin()
    assert ctxt.is_admin and ctxt.roles == ["admin"] and ctxt.project_id is None
    assert ctxt.tenant is None
