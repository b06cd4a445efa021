"""Error answers: Heat's fault body and status for every failure a client can cause."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.api.app import create_app
from shared.config import RpcSettings
from shared.rpc import RPCServer, Target, Transport
from tests.integration.api.conftest import (
    MINIMAL,
    TENANT,
    EngineBackend,
    asgi_client,
    backend_app,
    make_settings,
    unique_name,
)
from tests.integration.api.fake_engine import FakeEngine


def assert_fault(resp: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"code", "title", "explanation", "error"}
    assert body["code"] == status
    assert body["error"]["type"] == error_type
    assert body["error"]["traceback"] is None
    assert body["error"]["message"]
    assert resp.headers["x-openstack-request-id"].startswith("req-")
    return dict(body["error"])


async def test_bad_json_is_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/stacks", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_fault(resp, 400, "HTTPBadRequest")


async def test_a_body_that_is_not_an_object_is_400(client: httpx.AsyncClient) -> None:
    assert_fault(await client.post(f"/v1/{TENANT}/stacks", json=[1, 2]), 400, "HTTPBadRequest")
    assert_fault(await client.post(f"/v1/{TENANT}/stacks"), 400, "HTTPBadRequest")


async def test_missing_stack_name_is_400(client: httpx.AsyncClient) -> None:
    err = assert_fault(
        await client.post(f"/v1/{TENANT}/stacks", json={"template": MINIMAL}), 400, "HTTPBadRequest"
    )
    assert "stack name" in err["message"]


async def test_missing_template_is_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name()})
    assert "No template" in assert_fault(resp, 400, "HTTPBadRequest")["message"]


async def test_template_url_is_a_clear_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template_url": "http://x/t.yaml"}
    )
    assert "template_url" in assert_fault(resp, 400, "HTTPBadRequest")["message"]


async def test_unparseable_yaml_template_is_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": "a: [b"})
    message = assert_fault(resp, 400, "HTTPBadRequest")["message"]
    assert message.startswith("Template not in valid format: Error parsing template [root stack] ")
    assert "line 1, column 4" in message  # the parser's own explanation follows, as in Heat
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": "- a\n- b"}
    )
    assert assert_fault(resp, 400, "HTTPBadRequest")["message"] == (
        "Template not in valid format: The template is not a JSON object or YAML mapping."
    )


@pytest.mark.parametrize("route", ["/stacks", "/validate"])
async def test_template_text_without_a_version_is_heats_400(client: httpx.AsyncClient, route: str) -> None:
    resp = await client.post(
        f"/v1/{TENANT}{route}", json={"stack_name": unique_name(), "template": "resources: {}\n"}
    )
    assert assert_fault(resp, 400, "HTTPBadRequest")["message"] == (
        "Template not in valid format: Template format version not found."
    )


async def test_unparseable_environment_is_heats_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/validate", json={"template": MINIMAL, "environment": "parameters: [x"}
    )
    assert assert_fault(resp, 400, "HTTPBadRequest")["message"].startswith(
        "Environment not in valid format: "
    )


async def test_bad_template_version_is_400(client: httpx.AsyncClient) -> None:
    template = {**MINIMAL, "heat_template_version": "1999-01-01"}
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": template})
    assert_fault(resp, 400, "InvalidTemplateVersion")


async def test_unknown_and_missing_parameters_are_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/stacks",
        json={"stack_name": unique_name(), "template": MINIMAL, "parameters": {"nope": 1}},
    )
    assert_fault(resp, 400, "UnknownUserParameter")
    template = {**MINIMAL, "parameters": {"needed": {"type": "string"}}, "outputs": {}}
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": template})
    assert_fault(resp, 400, "UserParameterMissing")


async def test_wrong_query_types_are_400(client: httpx.AsyncClient) -> None:
    assert_fault(await client.get(f"/v1/{TENANT}/stacks", params={"limit": "abc"}), 400, "HTTPBadRequest")
    assert_fault(await client.get(f"/v1/{TENANT}/stacks", params={"sort_dir": "up"}), 400, "HTTPBadRequest")


async def test_unknown_stack_is_404_entity_not_found(client: httpx.AsyncClient) -> None:
    assert_fault(await client.get(f"/v1/{TENANT}/stacks/nope"), 404, "EntityNotFound")
    assert_fault(await client.get(f"/v1/{TENANT}/stacks/nope/{uuid.uuid4()}"), 404, "EntityNotFound")
    assert_fault(await client.delete(f"/v1/{TENANT}/stacks/nope/{uuid.uuid4()}"), 404, "EntityNotFound")


async def test_unknown_route_is_404_and_wrong_method_405(client: httpx.AsyncClient) -> None:
    assert_fault(await client.get("/v2/whatever"), 404, "HTTPNotFound")
    assert_fault(await client.put(f"/v1/{TENANT}/stacks"), 405, "HTTPMethodNotAllowed")


async def test_existing_name_is_409_stack_exists(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": stack["name"], "template": MINIMAL})
    assert stack["name"] in assert_fault(resp, 409, "StackExists")["message"]


async def test_body_over_the_limit_is_400_naming_the_setting(client: httpx.AsyncClient, app: Any) -> None:
    limit = app.state.gateway.settings.api.max_body_size
    big = {"stack_name": "big", "template": {"description": "x" * (limit + 10)}}
    err = assert_fault(await client.post(f"/v1/{TENANT}/stacks", json=big), 400, "RequestLimitExceeded")
    assert err["message"] == (
        f"Request limit exceeded: the request body exceeds the maximum of {limit} bytes "
        "(api.max_body_size, EMBER_API__MAX_BODY_SIZE)."
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    resp = await client.post(f"/v1/{TENANT}/stacks", content=chunks())
    assert "api.max_body_size" in assert_fault(resp, 400, "RequestLimitExceeded")["message"]


async def test_template_string_over_the_template_limit_is_400(
    rpc_settings: RpcSettings, engine_backend: EngineBackend
) -> None:
    settings = make_settings(rpc_settings).model_copy()
    settings.engine.max_template_size = 100
    app = backend_app(settings, engine_backend)
    async with asgi_client(app) as client:
        resp = await client.post(
            f"/v1/{TENANT}/stacks", json={"stack_name": "t", "template": "# " + "x" * 200}
        )
    err = assert_fault(resp, 400, "RequestLimitExceeded")
    assert (
        "exceeds the maximum of 100 bytes (engine.max_template_size, EMBER_ENGINE__MAX_TEMPLATE_SIZE)"
        in (err["message"])
    )


@pytest.fixture
async def hung_engine(transport: Transport) -> AsyncIterator[str]:
    topic = f"hung-engine-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [FakeEngine(hang=True)])
    await server.start()
    yield topic
    await server.stop(grace=0.1)


async def test_an_engine_that_does_not_answer_is_504(
    rpc_settings: RpcSettings, transport: Transport, hung_engine: str, fake_store: str
) -> None:
    app = create_app(
        make_settings(rpc_settings, engine_timeout=0.5),
        transport=transport,
        engine_topic=hung_engine,
        store_topic=fake_store,
    )
    async with asgi_client(app) as client:
        resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": "slow", "template": MINIMAL})
    assert_fault(resp, 504, "MessagingTimeout")


async def test_no_engine_on_the_bus_is_503(
    rpc_settings: RpcSettings, transport: Transport, fake_store: str
) -> None:
    app = create_app(
        make_settings(rpc_settings),
        transport=transport,
        engine_topic=f"nobody-{uuid.uuid4().hex}",
        store_topic=fake_store,
    )
    async with asgi_client(app) as client:
        resp = await client.get(f"/v1/{TENANT}/stacks")
        assert_fault(resp, 503, "NoRoute")
        health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["bus"] is True and health.json()["engine"] is False


async def test_an_unexpected_error_is_a_500_without_traceback(client: httpx.AsyncClient, app: Any) -> None:
    original = app.state.gateway.engine

    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("boom: internal detail")

    app.state.gateway.engine = Broken()
    try:
        resp = await client.get(f"/v1/{TENANT}/stacks")
    finally:
        app.state.gateway.engine = original
    err = assert_fault(resp, 500, "HTTPInternalServerError")
    assert "boom" not in err["message"]


async def test_yaml_aliases_expanding_a_template_are_refused_with_400(client: httpx.AsyncClient) -> None:
    lines = ["a: &a [" + ",".join(["xxxxxxxxxx"] * 10) + "]"]
    for i in range(8):
        this, prev = chr(98 + i), chr(97 + i)
        lines.append(f"{this}: &{this} [" + ",".join([f"*{prev}"] * 10) + "]")
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": "laughs", "template": "\n".join(lines)}
    )
    assert_fault(resp, 400, "RequestLimitExceeded")


async def test_deeply_nested_bodies_are_400(client: httpx.AsyncClient) -> None:
    deep = b'{"stack_name":"x","template":' + b"[" * 100000 + b"]" * 100000 + b"}"
    resp = await client.post(
        f"/v1/{TENANT}/stacks", content=deep, headers={"content-type": "application/json"}
    )
    assert_fault(resp, 400, "HTTPBadRequest")
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": "x", "template": "a: " + "[" * 50000}
    )
    assert_fault(resp, 400, "HTTPBadRequest")


async def test_yaml_values_json_cannot_carry_are_400(client: httpx.AsyncClient) -> None:
    for text in ("a: !!binary aGVsbG8=", "a: !!set {x, y}"):
        resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": text})
        assert "JSON cannot carry" in assert_fault(resp, 400, "HTTPBadRequest")["message"]


async def test_unpaired_surrogate_in_the_body_is_400_not_500(client: httpx.AsyncClient) -> None:
    body = b'{"stack_name": "s\\ud800", "template": {"heat_template_version": "2018-08-31"}}'
    resp = await client.post(
        f"/v1/{TENANT}/stacks", content=body, headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400, resp.text


async def test_event_id_longer_than_a_uuid_is_404(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(f"{stack['path']}/resources/a/events/{'e' * 400}")
    assert resp.status_code == 404, resp.text


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"paramters": {}}, 'environment has wrong section "paramters"'),
        ("parameter_defaults:\n", 'environment has empty section "parameter_defaults"'),
    ],
)
async def test_bad_environment_sections_are_heats_400(
    client: httpx.AsyncClient, environment: Any, message: str
) -> None:
    resp = await client.post(f"/v1/{TENANT}/validate", json={"template": MINIMAL, "environment": environment})
    assert (
        assert_fault(resp, 400, "HTTPBadRequest")["message"] == f"Environment not in valid format: {message}"
    )
