"""``--wait`` and ``event list --follow`` read the live event stream (and fall back to polls without it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.cli import stream_wait, watch
from shared.config import Settings
from tests.integration.api.conftest import TENANT, EngineBackend, backend_app, serve, unique_name
from tests.integration.api.test_cli import ember, ok

CHAIN = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "one": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.1}},
        "two": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.1}, "depends_on": "one"},
    },
}


@pytest.fixture
def chain_file(tmp_path: Path) -> Path:
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(CHAIN))
    return path


@pytest.fixture
def follows(monkeypatch: pytest.MonkeyPatch) -> list[stream_wait.Followed]:
    """How each follow of the CLI ended (streamed or not)."""
    ended: list[stream_wait.Followed] = []

    def recording(*args: Any, **kwargs: Any) -> stream_wait.Followed:
        result = stream_wait.follow(*args, **kwargs)
        ended.append(result)
        return result

    monkeypatch.setattr(watch, "follow", recording)
    return ended


async def test_create_wait_and_event_follow_print_each_event_once_from_the_stream(
    live_server: str, engine_backend: EngineBackend, chain_file: Path, follows: list[stream_wait.Followed]
) -> None:
    if not engine_backend.real:
        pytest.skip("the stream comes from the real engine's events")
    name = unique_name("cli-live")
    created = ok(await ember(live_server, "stack", "create", name, "-t", str(chain_file), "--wait"))
    assert follows and follows[-1].streamed and follows[-1].stack is not None
    assert follows[-1].stack["stack_status"] == "CREATE_COMPLETE"
    async with httpx.AsyncClient(
        base_url=live_server, headers={"X-Auth-Token": "demo-token"}, follow_redirects=True
    ) as http:
        stored = (await http.get(f"/v1/{TENANT}/stacks/{name}/events", params={"sort_dir": "asc"})).json()[
            "events"
        ]
    lines = [line for line in created.splitlines() if line.startswith(stored[0]["event_time"][:4])]
    assert len(lines) == len(stored)  # one line per stored event: none missed, none twice
    assert [line.split("]: ", 1)[1].split()[0] for line in lines] == [e["resource_status"] for e in stored]
    assert created.splitlines()[-1].startswith(f"{name} CREATE_COMPLETE")

    # The action is over: --follow lists the events and returns once the stream says so.
    followed = ok(await ember(live_server, "event", "list", name, "--follow", "-f", "json"))
    assert follows[-1].streamed
    assert str(stored[-1]["id"]) in followed


def without_stream(app: Any) -> Any:
    """The gateway as one from before the stream: ``stream`` and ``Accept: text/event-stream`` ignored."""

    async def older(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = "&".join(
                p for p in scope["query_string"].decode().split("&") if not p.startswith("stream=")
            )
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept"]
            scope = {**scope, "query_string": query.encode(), "headers": headers}
        await app(scope, receive, send)

    return older


async def test_create_wait_polls_a_gateway_without_the_stream(
    api_settings: Settings,
    engine_backend: EngineBackend,
    chain_file: Path,
    follows: list[stream_wait.Followed],
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    async with serve(without_stream(backend_app(api_settings, engine_backend))) as url:
        name = unique_name("cli-poll")
        created = ok(await ember(url, "stack", "create", name, "-t", str(chain_file), "--wait"))
        async with httpx.AsyncClient(
            base_url=url, headers={"X-Auth-Token": "demo-token"}, follow_redirects=True
        ) as http:
            stored = (
                await http.get(f"/v1/{TENANT}/stacks/{name}/events", params={"sort_dir": "asc"})
            ).json()["events"]
    assert follows and not follows[-1].streamed  # it found no stream and polled
    lines = [line for line in created.splitlines() if line.startswith(stored[0]["event_time"][:4])]
    assert len(lines) == len(stored)
    assert created.splitlines()[-1].startswith(f"{name} CREATE_COMPLETE")
