"""Stack routes over the real bus: create, list, lookups, show, outputs, template, delete."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from tests.integration.api.conftest import MINIMAL, TENANT, unique_name, wait_status

BASE = "http://ember.test"


async def test_create_answers_201_with_location_and_self_link(client: httpx.AsyncClient) -> None:
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
    assert resp.status_code == 201
    body = resp.json()["stack"]
    assert set(body) == {"id", "links"}
    href = f"{BASE}/v1/{TENANT}/stacks/{name}/{body['id']}"
    assert body["links"] == [{"href": href, "rel": "self"}]
    assert resp.headers["location"] == href
    assert resp.headers["x-openstack-request-id"].startswith("req-")


async def test_create_accepts_a_yaml_string_template_and_parameters(client: httpx.AsyncClient) -> None:
    name = unique_name()
    resp = await client.post(
        f"/v1/{TENANT}/stacks",
        json={"stack_name": name, "template": yaml.safe_dump(MINIMAL), "parameters": {"greeting": "hi"}},
    )
    assert resp.status_code == 201, resp.text
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    stack = await wait_status(client, path, "CREATE_COMPLETE")
    assert stack["parameters"]["greeting"] == "hi"


async def test_unquoted_dates_in_a_yaml_template_stay_text(client: httpx.AsyncClient) -> None:
    text = yaml.safe_dump(MINIMAL).replace("'2018-08-31'", "2018-08-31")
    assert "heat_template_version: 2018-08-31" in text
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": text})
    assert resp.status_code == 201, resp.text
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    await wait_status(client, path, "CREATE_COMPLETE")
    assert (await client.get(path + "/template")).json()["heat_template_version"] == "2018-08-31"


async def test_environment_parameters_are_overridden_by_explicit_ones(client: httpx.AsyncClient) -> None:
    name = unique_name()
    env = "parameters:\n  greeting: from-env\n"
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL, "environment": env}
    )
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    stack = await wait_status(client, path, "CREATE_COMPLETE")
    assert stack["parameters"]["greeting"] == "from-env"


async def test_show_has_heat_keys_and_joined_status(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"])
    assert resp.status_code == 200
    body = resp.json()["stack"]
    for key in (
        "capabilities",
        "creation_time",
        "deletion_time",
        "description",
        "disable_rollback",
        "id",
        "links",
        "notification_topics",
        "outputs",
        "parameters",
        "parent",
        "stack_name",
        "stack_owner",
        "stack_status",
        "stack_status_reason",
        "stack_user_project_id",
        "tags",
        "template_description",
        "timeout_mins",
        "updated_time",
    ):
        assert key in body, key
    assert "stack_action" not in body and "stack_identity" not in body
    assert body["stack_status"] == "CREATE_COMPLETE"
    assert body["id"] == stack["id"]
    assert body["parameters"]["OS::stack_id"] == stack["id"]
    assert body["parameters"]["OS::stack_name"] == stack["name"]
    assert body["parameters"]["OS::project_id"] == TENANT
    assert body["outputs"][0]["output_key"] == "said"


async def test_lookup_by_name_and_by_id_redirects_to_canonical_url(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    for key in (stack["name"], stack["id"]):
        resp = await client.get(f"/v1/{TENANT}/stacks/{key}")
        assert resp.status_code == 302
        assert resp.headers["location"] == BASE + stack["path"]


async def test_lookup_subpaths_redirect_with_the_subpath_and_query(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    for tail in ("/resources", "/events", "/template", "/outputs", "/resources/a", "/resources/a/events"):
        resp = await client.get(f"/v1/{TENANT}/stacks/{stack['name']}{tail}?limit=1")
        assert resp.status_code == 302, tail
        assert resp.headers["location"] == f"{BASE}{stack['path']}{tail}?limit=1"


async def test_following_a_redirect_reaches_the_stack(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    resp = await client.get(f"/v1/{TENANT}/stacks/{stack['name']}", follow_redirects=True)
    assert resp.status_code == 200
    assert resp.json()["stack"]["id"] == stack["id"]


async def test_list_omits_outputs_and_parameters(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(f"/v1/{TENANT}/stacks", params={"name": stack["name"]})
    assert resp.status_code == 200
    stacks = resp.json()["stacks"]
    assert [s["id"] for s in stacks] == [stack["id"]]
    assert "outputs" not in stacks[0] and "parameters" not in stacks[0]
    assert stacks[0]["stack_status"] == "CREATE_COMPLETE"
    assert stacks[0]["links"][0]["rel"] == "self"
    assert "links" not in resp.json()


async def test_list_pages_with_next_link_and_count(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        resp = await client.post(
            f"/v1/{TENANT}/stacks", json={"stack_name": unique_name("pg"), "template": MINIMAL}
        )
        assert resp.status_code == 201
    total = (await client.get(f"/v1/{TENANT}/stacks", params={"with_count": "true"})).json()["count"]
    assert total >= 3
    seen: list[str] = []
    url: str | None = f"/v1/{TENANT}/stacks?limit=2&with_count=true"
    while url:
        body = (await client.get(url)).json()
        assert body["count"] == total
        seen.extend(s["id"] for s in body["stacks"])
        nxt = [link["href"] for link in body.get("links", []) if link["rel"] == "next"]
        if nxt:
            assert "marker=" in nxt[0] and "limit=2" in nxt[0]
            assert len(body["stacks"]) == 2
        url = nxt[0] if nxt else None
    assert len(seen) == total == len(set(seen))


async def test_outputs_list_and_show(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    outputs = (await client.get(stack["path"] + "/outputs")).json()["outputs"]
    assert outputs == [{"output_key": "said", "description": "the greeting"}]
    output = (await client.get(stack["path"] + "/outputs/said")).json()["output"]
    assert output["output_value"] == "hello"
    missing = await client.get(stack["path"] + "/outputs/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "NotFound"


async def test_template_is_returned_as_given(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"] + "/template")
    assert resp.status_code == 200
    assert resp.json() == MINIMAL


async def test_delete_by_name_redirects_and_deleted_stack_stays_readable_by_id(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    resp = await client.delete(f"/v1/{TENANT}/stacks/{stack['name']}")
    assert resp.status_code == 302
    assert resp.headers["location"] == BASE + stack["path"]
    resp = await client.delete(stack["path"])
    assert resp.status_code == 204
    assert resp.content == b""
    body = await wait_status(client, stack["path"], "DELETE_COMPLETE")
    assert body["id"] == stack["id"]
    by_id = await client.get(f"/v1/{TENANT}/stacks/{stack['id']}")
    assert by_id.status_code == 302
    by_name = await client.get(f"/v1/{TENANT}/stacks/{stack['name']}")
    assert by_name.status_code == 404
    assert by_name.json()["error"]["type"] == "EntityNotFound"


async def test_an_unknown_action_is_400_naming_it(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    for body, message in (({}, "No action specified"), ({"a": 1, "b": 2}, "Multiple actions specified")):
        resp = await client.post(f"{stack['path']}/actions", json=body)
        assert resp.status_code == 400 and message in resp.json()["error"]["message"]


async def test_environment_and_files_are_returned(client: httpx.AsyncClient) -> None:
    name = unique_name()
    env = {"parameters": {"greeting": "from-env"}}
    resp = await client.post(
        f"/v1/{TENANT}/stacks",
        json={"stack_name": name, "template": MINIMAL, "environment": env, "files": {"note.txt": "hello"}},
    )
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    await wait_status(client, path, "CREATE_COMPLETE")
    assert (await client.get(path + "/environment")).json()["parameters"]["greeting"] == "from-env"
    assert (await client.get(path + "/files")).json() == {"note.txt": "hello"}
