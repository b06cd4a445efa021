"""A small synchronous client of the gateway's Heat v1 API (what the ``ember`` CLI uses).

It follows Heat's conventions the way heatclient does: a stack named by its
name alone is first resolved to ``name/id`` through the lookup redirect (so a
DELETE is never turned into a GET by redirect handling), and an error
response becomes a ``GatewayError`` carrying Heat's ``error.type`` and
``error.message``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

DEFAULT_URL = "http://127.0.0.1:8004"
DEFAULT_PROJECT = "demo"
URL_HELP = (
    "--url takes the gateway's base URL (http://HOST:8004) or a Heat endpoint (http://HOST:8004/v1/PROJECT)"
)
_HEAT_PATH = re.compile(r"(?P<base>.*?)/v1(?:/(?P<project>[^/]+))?/*")


def split_endpoint(url: str) -> tuple[str, str | None]:
    """A Heat-style endpoint ``.../v1/PROJECT`` -> (the gateway's base URL, PROJECT); else (url, None).

    Heat users paste the orchestration endpoint from their service catalogue;
    the project in it is the one they mean.
    """
    parts = urlsplit(url.strip())
    match = _HEAT_PATH.fullmatch(parts.path)
    if match is None:
        return url.rstrip("/"), None
    base = urlunsplit((parts.scheme, parts.netloc, match["base"], "", ""))
    project = match["project"]
    return base, unquote(project) if project else None


class GatewayError(Exception):
    """An error answer (or no answer) from the gateway."""

    def __init__(self, message: str, status: int | None = None, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type

    def __str__(self) -> str:
        kind = f"{self.error_type} " if self.error_type else ""
        code = f"(HTTP {self.status}) " if self.status else ""
        return f"{kind}{code}{self.message}".strip()


def _q(value: str) -> str:
    return quote(value, safe="")


class GatewayClient:
    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | None = None,
        project: str = DEFAULT_PROJECT,
        timeout: float = 60.0,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "ember-cli"}
        if token:
            headers["X-Auth-Token"] = token
        self.root = url.rstrip("/")
        self.base = f"{self.root}/v1/{_q(project)}"
        self.project = project
        self.token = token  # the event stream (shared.clients.events) sends it too
        self._http = httpx.Client(headers=headers, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("http") else self.base + path
        try:
            resp = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise GatewayError(f"cannot reach the gateway at {self.base}: {exc}") from None
        if resp.status_code >= 400:
            raise _error(resp)
        return resp

    def api_versions(self) -> list[dict[str, Any]]:
        """The gateway's versions document (``GET /``, a 300 in Heat)."""
        try:
            resp = self._http.get(f"{self.root}/")
            versions: list[dict[str, Any]] = resp.json()["versions"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise GatewayError(f"no versions document at {self.root}/: {exc}") from None
        return versions

    def get_json(self, path: str, params: Any = None, follow: bool = True) -> Any:
        resp = self.request("GET", path, params=params)
        if follow and resp.status_code in (301, 302, 303, 307) and "location" in resp.headers:
            resp = self.request("GET", resp.headers["location"])
        return resp.json()

    def resolve(self, stack: str) -> str:
        """``name``, ``id`` or ``name/id`` -> ``name/id`` (as heatclient's _resolve_stack_id)."""
        if "/" in stack:
            return stack
        resp = self.request("GET", f"/stacks/{_q(stack)}")
        location = resp.headers.get("location")
        if resp.status_code != 302 or not location or "/stacks/" not in location:
            raise GatewayError(f"the gateway did not redirect the lookup of {stack}")
        full: str = location.split("/stacks/", 1)[1].split("?", 1)[0]
        return full

    # --- stacks ----------------------------------------------------------------

    def create_stack(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/stacks", json=body).json()["stack"]
        return result

    def list_stacks(self, **params: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get_json("/stacks", params=_clean(params))["stacks"]
        return result

    def show_stack(self, stack: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/stacks/{self.resolve(stack)}")["stack"]
        return result

    def delete_stack(self, stack: str) -> str:
        full = self.resolve(stack)
        self.request("DELETE", f"/stacks/{full}")
        return full

    def update_stack(self, stack: str, body: dict[str, Any], patch: bool = False) -> str:
        """PUT (a new template) or PATCH (keep what the body leaves out); the stack's ``name/id``."""
        full = self.resolve(stack)
        self.request("PATCH" if patch else "PUT", f"/stacks/{full}", json=body)
        return full

    def preview_update(self, stack: str, body: dict[str, Any], patch: bool = False) -> dict[str, Any]:
        """What the update would do, by Heat's keys (added, deleted, replaced, updated, unchanged)."""
        full = self.resolve(stack)
        resp = self.request("PATCH" if patch else "PUT", f"/stacks/{full}/preview", json=body)
        answer = resp.json()
        result: dict[str, Any] = {**answer["resource_changes"], "plan_id": answer.get("plan_id")}
        return result

    def template(self, stack: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/stacks/{self.resolve(stack)}/template")
        return result

    def list_outputs(self, stack: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get_json(f"/stacks/{self.resolve(stack)}/outputs")["outputs"]
        return result

    def show_output(self, stack: str, key: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/stacks/{self.resolve(stack)}/outputs/{_q(key)}")["output"]
        return result

    # --- resources, events ----------------------------------------------------------

    def list_resources(self, stack: str, **params: Any) -> list[dict[str, Any]]:
        path = f"/stacks/{self.resolve(stack)}/resources"
        result: list[dict[str, Any]] = self.get_json(path, params=_clean(params))["resources"]
        return result

    def show_resource(self, stack: str, resource: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/stacks/{self.resolve(stack)}/resources/{_q(resource)}")[
            "resource"
        ]
        return result

    def resource_metadata(self, stack: str, resource: str) -> dict[str, Any]:
        path = f"/stacks/{self.resolve(stack)}/resources/{_q(resource)}/metadata"
        result: dict[str, Any] = self.get_json(path)["metadata"]
        return result

    def mark_unhealthy(self, stack: str, resource: str, unhealthy: bool, reason: str | None) -> None:
        body: dict[str, Any] = {"mark_unhealthy": unhealthy}
        if reason:
            body["resource_status_reason"] = reason
        self.request("PATCH", f"/stacks/{self.resolve(stack)}/resources/{_q(resource)}", json=body)

    def signal(self, stack: str, resource: str, data: Any) -> None:
        self.request("POST", f"/stacks/{self.resolve(stack)}/resources/{_q(resource)}/signal", json=data)

    def stack_action(self, stack: str, action: str) -> str:
        """POST .../actions {action: null}: suspend, resume, check, cancel_update, ..."""
        full = self.resolve(stack)
        self.request("POST", f"/stacks/{full}/actions", json={action: None})
        return full

    def list_events(self, stack: str, resource: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Oldest first unless asked otherwise: Heat's API answers newest first when no order is
        given, so (like heatclient) we always say which."""
        params.setdefault("sort_dir", "asc")
        full = self.resolve(stack)
        path = f"/stacks/{full}/resources/{_q(resource)}/events" if resource else f"/stacks/{full}/events"
        result: list[dict[str, Any]] = self.get_json(path, params=_clean(params))["events"]
        return result

    # --- templates, types ----------------------------------------------------------

    def validate(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/validate", json=body).json()
        return result

    def list_resource_types(self, **params: Any) -> list[Any]:
        result: list[Any] = self.get_json("/resource_types", params=_clean(params))["resource_types"]
        return result

    def resource_type(self, type_name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/resource_types/{_q(type_name)}")
        return result

    def resource_type_template(self, type_name: str, template_type: str) -> dict[str, Any]:
        params = {"template_type": template_type}
        result: dict[str, Any] = self.get_json(f"/resource_types/{_q(type_name)}/template", params=params)
        return result


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None and v != [] and v is not False}


def _error(resp: httpx.Response) -> GatewayError:
    try:
        body = resp.json()
        error = body.get("error") or {}
        if resp.status_code == 404 and error.get("type") in (None, "HTTPNotFound"):
            # Not Heat's "no such stack" but no route at all: most often a --url with a path.
            return GatewayError(f"nothing answers at {resp.request.url}: {URL_HELP}", 404)
        return GatewayError(str(error.get("message") or body), resp.status_code, error.get("type"))
    except (ValueError, AttributeError):
        if resp.status_code == 404:
            return GatewayError(f"nothing answers at {resp.request.url}: {URL_HELP}", 404)
        return GatewayError(resp.text.strip() or resp.reason_phrase, resp.status_code)
