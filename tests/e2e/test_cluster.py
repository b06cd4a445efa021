"""Ember as a user meets it: store, two engines and the api as OS processes on SQLite.

The tests in this module share one cluster and run in file order; the last
one stops it and checks that nothing is left running.
"""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.clients.events import EventStreamClient
from tests.e2e.conftest import CLEAN_EXITS, EXAMPLES, ROOT, Cli, Cluster, pid_exists, run_cluster, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    db = tmp_path_factory.mktemp("e2e-sqlite") / "ember.sqlite"
    yield from run_cluster(log_dir, f"sqlite+aiosqlite:///{db}", engines=2)


@pytest.fixture(scope="module")
def cli(cluster: Cluster) -> Cli:
    return Cli(cluster.url)


def stack_path(cluster: Cluster, name: str) -> str:
    """``name/id`` of a stack, through Heat's lookup redirect."""
    resp = cluster.http.get(f"/stacks/{name}", follow_redirects=False)
    assert resp.status_code == 302, resp.text
    return str(resp.headers["location"]).split("/stacks/", 1)[1]


def get(cluster: Cluster, path: str) -> Any:
    resp = cluster.http.get(path)
    assert resp.status_code == 200, f"GET {path} -> {resp.status_code} {resp.text}"
    return resp.json()


def delete_and_check_gone(cluster: Cluster, cli: Cli, name: str) -> None:
    cli("stack", "delete", name, "--wait")
    assert cluster.http.get(f"/stacks/{name}").status_code == 404


def healthcheck(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.healthcheck", *args, "--timeout", "5"],
        cwd=ROOT,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_container_healthchecks_pass_against_the_live_services(cluster: Cluster) -> None:
    for target in ("store", "engine", "api"):
        result = healthcheck(cluster, target)
        assert result.returncode == 0, (target, result.stderr)
    engine_id = cluster.engines[0].argv[-1]
    assert healthcheck(cluster, "engine", "--server", engine_id).returncode == 0
    missing = healthcheck(cluster, "engine", "--server", "no-such-engine")
    assert missing.returncode == 1
    assert "unhealthy: engine" in missing.stderr


def test_outputs_example_with_the_cli(cluster: Cluster, cli: Cli) -> None:
    stack = cli.json("stack", "create", "outputs", "-t", str(EXAMPLES / "outputs.yaml"), "--wait")
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["first_ip"] == "10.0.0.10"
    assert outputs["combined"] == f"http://10.0.0.11/?t={outputs['token']}"

    path = stack_path(cluster, "outputs")
    shown = get(cluster, f"/stacks/{path}/outputs/first_ip")["output"]
    assert shown["output_value"] == "10.0.0.10"
    resources = get(cluster, f"/stacks/{path}/resources")["resources"]
    assert {r["resource_name"]: r["resource_status"] for r in resources} == {
        "data": "CREATE_COMPLETE",
        "token": "CREATE_COMPLETE",
    }
    events = get(cluster, f"/stacks/{path}/events")["events"]
    assert {(e["resource_name"], e["resource_status"]) for e in events} >= {
        ("outputs", "CREATE_IN_PROGRESS"),
        ("data", "CREATE_COMPLETE"),
        ("token", "CREATE_COMPLETE"),
        ("outputs", "CREATE_COMPLETE"),
    }
    assert cli.json("stack", "output-show", "outputs", "first_ip")["output_value"] == "10.0.0.10"
    delete_and_check_gone(cluster, cli, "outputs")


def test_parallel_and_random_examples_with_the_cli(cluster: Cluster, cli: Cli) -> None:
    stack = cli.json(
        "stack",
        "create",
        "parallel",
        "-t",
        str(EXAMPLES / "test_resource_parallel.yaml"),
        "-P",
        "wait=1",
        "--wait",
    )
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    assert {o["output_key"]: o["output_value"] for o in stack["outputs"]} == {"last": "three"}
    resources = cli.json("resource", "list", "parallel")
    assert sorted(r["resource_name"] for r in resources) == ["first", "last", "second", "third"]
    assert all(r["resource_status"] == "CREATE_COMPLETE" for r in resources)

    random = cli.json(
        "stack", "create", "random", "-t", str(EXAMPLES / "random_string.yaml"), "-P", "length=32", "--wait"
    )
    assert random["stack_status"] == "CREATE_COMPLETE", random
    events = cli.json(
        "event",
        "list",
        "random",
        "--filter",
        "resource_action=CREATE",
        "--filter",
        "resource_status=COMPLETE",
    )
    assert {"password", "simple"} <= {e["resource_name"] for e in events}
    assert all(e["resource_status"] == "CREATE_COMPLETE" for e in events), events

    stacks = {s["stack_name"]: s["stack_status"] for s in get(cluster, "/stacks")["stacks"]}
    assert stacks == {"parallel": "CREATE_COMPLETE", "random": "CREATE_COMPLETE"}
    delete_and_check_gone(cluster, cli, "parallel")
    delete_and_check_gone(cluster, cli, "random")


def test_failing_example_ends_failed_and_is_deletable(cluster: Cluster, cli: Cli) -> None:
    result = cli(
        "stack", "create", "failing", "-t", str(EXAMPLES / "test_resource_failing.yaml"), "--wait", ok=False
    )
    assert result.exit_code == 1, result.output
    stack = cli.json("stack", "show", "failing")
    assert stack["stack_status"] == "CREATE_FAILED", stack
    assert (
        get(cluster, f"/stacks/{stack_path(cluster, 'failing')}/resources/broken")["resource"][
            "resource_status"
        ]
        == "CREATE_FAILED"
    )
    delete_and_check_gone(cluster, cli, "failing")


def test_engine_killed_during_create_is_carried_on_by_another_engine(cluster: Cluster, cli: Cli) -> None:
    template = (EXAMPLES / "test_resource_parallel.yaml").read_text()
    resp = cluster.http.post(
        "/stacks", json={"stack_name": "orphan", "template": template, "parameters": {"wait": 4}}
    )
    assert resp.status_code == 201, resp.text
    stack_id = resp.json()["stack"]["id"]

    holder: list[str] = []

    def locked_in_progress() -> bool:
        stack = get(cluster, f"/stacks/orphan/{stack_id}")["stack"]
        engine_id = cluster.store_call("stack_lock_get_engine_id", stack_id)
        if stack["stack_status"] == "CREATE_IN_PROGRESS" and engine_id:
            holder[:] = [engine_id]
            return True
        return False

    wait_for("the create to run under an engine's lock", locked_in_progress, timeout=30)
    victim = next(e for e in cluster.engines if e.argv[-1] == holder[0])
    victim.kill9()

    # A live engine (the other one, or the replacement at its start) takes the stack over and
    # carries the create on from what is stored (engine.resume_on_takeover, on by default).
    cluster.replace_engine(victim)

    def settled() -> bool:
        status = str(get(cluster, f"/stacks/orphan/{stack_id}")["stack"]["stack_status"])
        return not status.endswith("IN_PROGRESS")

    wait_for("the orphaned stack to settle", settled, timeout=90)
    stack = get(cluster, f"/stacks/orphan/{stack_id}")["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    events = get(cluster, f"/stacks/orphan/{stack_id}/events")["events"]
    assert any(f"Engine {holder[0]} went down" in e["resource_status_reason"] for e in events)
    resources = get(cluster, f"/stacks/orphan/{stack_id}/resources")["resources"]
    assert {r["resource_status"] for r in resources} == {"CREATE_COMPLETE"}
    cluster.wait_healthy()
    delete_and_check_gone(cluster, cli, "orphan")


def _update_template(wait: int, value: str) -> dict[str, Any]:
    return {
        "heat_template_version": "2021-04-16",
        "resources": {
            name: {
                "type": "OS::Heat::TestResource",
                "properties": {"value": f"{value}-{name}", "action_wait_secs": {"update": wait}},
            }
            for name in ("a", "b", "c")
        },
    }


def test_engine_killed_during_update_is_carried_on_and_the_next_update_completes(
    cluster: Cluster, cli: Cli
) -> None:
    resp = cluster.http.post("/stacks", json={"stack_name": "upd9", "template": _update_template(0, "one")})
    assert resp.status_code == 201, resp.text
    stack_id = resp.json()["stack"]["id"]
    path = f"/stacks/upd9/{stack_id}"
    wait_for(
        "the create", lambda: get(cluster, path)["stack"]["stack_status"] == "CREATE_COMPLETE", timeout=30
    )
    resp = cluster.http.put(path, json={"template": _update_template(4, "two")})
    assert resp.status_code == 202, resp.text

    holder: list[str] = []

    def updating_under_lock() -> bool:
        rows = get(cluster, f"{path}/resources")["resources"]
        engine_id = cluster.store_call("stack_lock_get_engine_id", stack_id)
        if engine_id and any(r["resource_status"] == "UPDATE_IN_PROGRESS" for r in rows):
            holder[:] = [engine_id]
            return True
        return False

    wait_for("the update to run under an engine's lock", updating_under_lock, timeout=30)
    victim = next(e for e in cluster.engines if e.argv[-1] == holder[0])
    victim.kill9()
    cluster.replace_engine(victim)

    def settled() -> bool:
        return not str(get(cluster, path)["stack"]["stack_status"]).endswith("IN_PROGRESS")

    wait_for("the interrupted update to settle", settled, timeout=90)
    stack = get(cluster, path)["stack"]
    assert stack["stack_status"] == "UPDATE_COMPLETE", stack["stack_status_reason"]
    events = get(cluster, f"{path}/events")["events"]
    assert any(f"Engine {holder[0]} went down" in e["resource_status_reason"] for e in events)
    cluster.wait_healthy()

    resp = cluster.http.put(path, json={"template": _update_template(0, "three")})
    assert resp.status_code == 202, resp.text
    wait_for("the next update", settled, timeout=60)
    stack = get(cluster, path)["stack"]
    assert stack["stack_status"] == "UPDATE_COMPLETE", stack["stack_status_reason"]
    rows = get(cluster, f"{path}/resources")["resources"]
    assert sorted(r["resource_name"] for r in rows) == ["a", "b", "c"]
    # The rows the dead engine left in progress were replaced; none is left in progress.
    assert {r["resource_status"] for r in rows} <= {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
    delete_and_check_gone(cluster, cli, "upd9")


def test_store_restart_while_idle_is_invisible_to_the_next_request(cluster: Cluster, cli: Cli) -> None:
    cluster.restart_store()
    assert get(cluster, "/stacks")["stacks"] == []
    stack = cli.json("stack", "create", "after-restart", "-t", str(EXAMPLES / "outputs.yaml"), "--wait")
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    delete_and_check_gone(cluster, cli, "after-restart")


def test_readme_python_example_publishes_create_stack(cluster: Cluster, cli: Cli) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- readme-python:start -->", 1)[1].split("<!-- readme-python:end -->", 1)[0]
    source = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = subprocess.run(
        [sys.executable, "-c", source], cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    identity = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert (identity["tenant"], identity["stack_name"]) == ("demo", "from-python")

    def complete() -> bool:
        return str(cli.json("stack", "show", "from-python")["stack_status"]) == "CREATE_COMPLETE"

    wait_for("the stack created over the bus", complete, timeout=60)
    assert cli.json("stack", "output-show", "from-python", "greeting")["output_value"] == "hello"
    delete_and_check_gone(cluster, cli, "from-python")


def test_a_followed_create_misses_nothing_across_an_api_restart(cluster: Cluster) -> None:
    """The live event stream's client reconnects with Last-Event-ID to the restarted api: the
    events it hands on are the stored list, in order, once each, and it ends with the stack."""
    slow = {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 1}}
    template = {
        "heat_template_version": "2018-08-31",
        "resources": {
            "one": slow,
            "two": {**slow, "depends_on": "one"},
            "three": {**slow, "depends_on": "two"},
        },
    }
    name = f"restart-{uuid.uuid4().hex[:6]}"
    resp = cluster.http.post("/stacks", json={"stack_name": name, "template": template})
    assert resp.status_code == 201, resp.text
    stack_id = resp.json()["stack"]["id"]
    listed = get(cluster, f"/stacks/{name}/{stack_id}/events?sort_dir=asc")["events"]

    async def follow() -> tuple[list[dict[str, Any]], EventStreamClient]:
        client = EventStreamClient(
            cluster.url, "demo", name, stack_id, last_event_id=listed[-1]["id"], reconnect_delay=0.2
        )
        got: list[dict[str, Any]] = []
        async for event in client:
            got.append(event)
            if len(got) == 1:  # mid-create: the gateway goes away and comes back
                await asyncio.to_thread(cluster.restart_api)
        return got, client

    got, client = asyncio.run(follow())
    stored = get(cluster, f"/stacks/{name}/{stack_id}/events?sort_dir=asc")["events"]
    assert listed + got == stored
    assert client.connections >= 2
    assert client.stack is not None and client.stack["stack_status"] == "CREATE_COMPLETE"


def test_stops_gracefully_in_order_with_nothing_left_running(cluster: Cluster) -> None:
    pids = cluster.all_pids()
    codes = cluster.stop()
    assert all(code in CLEAN_EXITS for code in codes.values()), codes
    assert not [pid for pid in pids if pid_exists(pid)]
