"""Engine shapes -> Heat bodies: joined status, ids and links, dropped internal keys."""

from __future__ import annotations

from services.api import views

BASE = "http://h:8004"
IDENT = {"tenant": "t", "stack_name": "web", "stack_id": "42", "path": ""}


def test_stack_status_is_joined_and_identity_becomes_id_and_links() -> None:
    body = views.format_stack(
        BASE, {"stack_identity": IDENT, "stack_action": "CREATE", "stack_status": "FAILED"}
    )
    assert body == {
        "id": "42",
        "links": [{"href": f"{BASE}/v1/t/stacks/web/42", "rel": "self"}],
        "stack_status": "CREATE_FAILED",
    }


def test_event_links_point_at_event_resource_and_stack() -> None:
    ident = {**IDENT, "path": "/resources/a b/events/e1"}
    body = views.format_event(BASE, {"event_identity": ident, "resource_name": "a b", "stack_name": "web"})
    assert body["id"] == "e1"
    assert [link["href"] for link in body["links"]] == [
        f"{BASE}/v1/t/stacks/web/42/resources/a%20b/events/e1",
        f"{BASE}/v1/t/stacks/web/42/resources/a%20b",
        f"{BASE}/v1/t/stacks/web/42",
    ]
    assert body["logical_resource_id"] == "a b" and "stack_name" not in body


def test_next_link_only_for_a_full_page() -> None:
    items = [{"id": "1"}, {"id": "2"}]
    assert views.collection_links("u", [("limit", "3")], items, 3) == []
    links = views.collection_links("u", [("limit", "2"), ("marker", "0")], items, 2)
    assert links == [{"rel": "next", "href": "u?limit=2&marker=2"}]


def test_nested_events_link_their_root_stack() -> None:
    """Listed with nested_depth, an event carries root_stack_id: Heat's clients get a root_stack link."""
    ident = {"tenant": "t", "stack_name": "child", "stack_id": "c", "path": "/resources/r/events/e1"}
    root = {"tenant": "t", "stack_name": "parent", "stack_id": "p", "path": ""}
    event = {"event_identity": ident, "resource_name": "r", "root_stack_id": root}
    body = views.format_event("http://x", event, views.EVENT_SUMMARY_KEYS)
    assert [link["rel"] for link in body["links"]] == ["self", "resource", "stack", "root_stack"]
    assert body["links"][-1]["href"].endswith("/stacks/parent/p")
    assert "root_stack_id" not in body
