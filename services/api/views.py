"""Engine shapes (Heat rpc-api keys) -> Heat v1 HTTP bodies.

The engine keeps an action and a status apart and names things by identity
dicts; Heat's REST API joins ``<action>_<status>``, turns identities into
``id`` + ``links`` and drops the internal keys. These functions do only that
translation, so the routes stay thin and the shapes live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

# Keys a stack has in a list (no parameters, outputs, ... as in Heat's index).
STACK_SUMMARY_KEYS = frozenset(
    {
        "stack_identity",
        "stack_name",
        "description",
        "stack_status",
        "stack_status_reason",
        "creation_time",
        "deletion_time",
        "updated_time",
        "stack_owner",
        "parent",
        "stack_user_project_id",
        "tags",
    }
)
EVENT_SUMMARY_KEYS = frozenset(
    {
        "event_identity",
        "event_time",
        "resource_name",
        "resource_status",
        "resource_status_reason",
        "physical_resource_id",
    }
)
# A stack whose action is still one of these has never been changed after it was made.
_STACK_DROP = frozenset({"stack_action", "template_description_internal"})
_RESOURCE_DROP = frozenset({"stack_identity", "stack_name", "resource_action", "metadata", "nested_stack_id"})
_EVENT_DROP = frozenset({"stack_identity", "stack_name", "resource_action"})


def identity_url(base: str, ident: Mapping[str, Any]) -> str:
    """``{base}/v1/{tenant}/stacks/{name}/{id}{path}`` with each segment quoted."""
    tenant = quote(str(ident.get("tenant", "")), safe="")
    name = quote(str(ident.get("stack_name", "")), safe="")
    stack_id = quote(str(ident.get("stack_id", "")), safe="")
    path = str(ident.get("path") or "")
    if path and not path.startswith("/"):
        path = "/" + path
    path = quote(path, safe="/")
    return f"{base}/v1/{tenant}/stacks/{name}/{stack_id}{path}"


def link(base: str, ident: Mapping[str, Any], rel: str = "self") -> dict[str, str]:
    return {"href": identity_url(base, ident), "rel": rel}


def _joined(action: Any, status: Any) -> Any:
    return f"{action}_{status}" if action else status


def format_stack(
    base: str, stack: Mapping[str, Any], keys: frozenset[str] | None = None, include_project: bool = False
) -> dict[str, Any]:
    """A stack body; ``keys`` restricts to a summary (the list view)."""
    body: dict[str, Any] = {}
    for key, value in stack.items():
        if keys is not None and key not in keys:
            continue
        if key == "stack_identity":
            body["id"] = value["stack_id"]
            body["links"] = [link(base, value)]
            if include_project:
                body["project"] = value.get("tenant")
        elif key in _STACK_DROP:
            continue
        elif key == "stack_status":
            body[key] = _joined(stack.get("stack_action"), value)
        else:
            body[key] = value
    return body


def created_stack(base: str, ident: Mapping[str, Any]) -> dict[str, Any]:
    """The body of 201 Created: ``{"stack": {"id", "links"}}``."""
    return {"stack": {"id": ident["stack_id"], "links": [link(base, ident)]}}


def collection_links(
    url: str, params: Iterable[tuple[str, str]], items: list[dict[str, Any]], limit: int | None
) -> list[dict[str, str]]:
    """A ``next`` link when the page is full (Heat's rule: len(items) == limit > 0)."""
    if not limit or limit <= 0 or len(items) != limit:
        return []
    kept = [(k, v) for k, v in params if k != "marker"]
    kept.append(("marker", str(items[-1]["id"])))
    return [{"rel": "next", "href": f"{url}?{urlencode(kept)}"}]


def stack_collection(
    base: str,
    url: str,
    params: Iterable[tuple[str, str]],
    stacks: Sequence[Mapping[str, Any]],
    limit: int | None,
    count: int | None = None,
    include_project: bool = False,
) -> dict[str, Any]:
    formatted = [format_stack(base, s, STACK_SUMMARY_KEYS, include_project) for s in stacks]
    result: dict[str, Any] = {"stacks": formatted}
    links = collection_links(url, params, formatted, limit)
    if links:
        result["links"] = links
    if count is not None:
        result["count"] = count
    return result


def _parent_identity(ident: Mapping[str, Any], cut: str) -> dict[str, Any]:
    """The identity of the resource (``cut="/events"``) or stack (``cut=""``) above ``ident``."""
    path = str(ident.get("path") or "")
    new_path = path.split(cut, 1)[0] if cut else ""
    return {**ident, "path": new_path}


def format_resource(base: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "resource_identity":
            links = [link(base, value), link(base, _parent_identity(value, ""), "stack")]
            nested = resource.get("nested_stack_id")
            if isinstance(nested, Mapping):
                links.append(link(base, nested, "nested"))
            body["links"] = links
        elif key in _RESOURCE_DROP:
            continue
        elif key == "resource_status":
            body[key] = _joined(resource.get("resource_action"), value)
        elif key == "resource_name":
            body["logical_resource_id"] = value
            body[key] = value
        else:
            body[key] = value
    return body


def event_id(ident: Mapping[str, Any]) -> str:
    return str(ident.get("path") or "").rstrip("/").rsplit("/", 1)[-1]


def format_event(base: str, event: Mapping[str, Any], keys: frozenset[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in event.items():
        if keys is not None and key not in keys:
            continue
        if key == "event_identity":
            body["id"] = event_id(value)
            body["links"] = [
                link(base, value),
                link(base, _parent_identity(value, "/events"), "resource"),
                link(base, _parent_identity(value, ""), "stack"),
            ]
        elif key in _EVENT_DROP:
            continue
        elif key == "resource_status":
            body[key] = _joined(event.get("resource_action"), value)
        elif key == "resource_name":
            body["logical_resource_id"] = value
            body[key] = value
        else:
            body[key] = value
    root = event.get("root_stack_id")
    if root and "links" in body:
        body["links"].append(link(base, root, "root_stack"))
    return body


def versions(base: str) -> dict[str, Any]:
    """The versions document at ``/`` (Heat answers it with 300 Multiple Choices)."""
    return {
        "versions": [
            {
                "id": "v1.0",
                "status": "CURRENT",
                "links": [{"rel": "self", "href": f"{base}/v1/"}],
            }
        ]
    }
