"""A wait condition signalled by running its handle's own curl_cli (real curl) against a real cluster
under token auth: the handle's token is all the command carries."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import EXAMPLES, Cluster

pytestmark = pytest.mark.slow

USER_TOKEN = "e2e-user-token"


@pytest.fixture(scope="module")
def cluster(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    db = tmp_path_factory.mktemp("signals") / "ember.sqlite"
    tokens = json.dumps({USER_TOKEN: {"user_id": "alice", "project_id": "demo", "roles": ["member"]}})
    running = Cluster(
        log_dir,
        f"sqlite+aiosqlite:///{db}",
        engines=1,
        EMBER_API__AUTH_STRATEGY="token",
        EMBER_API__TOKENS=tokens,
    )
    try:
        yield running.start()
    finally:
        running.stop()
        running.dump_logs()


def _stack(http: httpx.Client, path: str) -> dict[str, object]:
    body: dict[str, object] = http.get(path).json()["stack"]
    return body


def test_curl_cli_of_a_handle_completes_its_wait_condition(cluster: Cluster) -> None:
    http = httpx.Client(base_url=f"{cluster.url}/v1/demo", headers={"X-Auth-Token": USER_TOKEN}, timeout=30)
    template = (EXAMPLES / "wait_condition.yaml").read_text()
    created = http.post("/stacks", json={"stack_name": "waits", "template": template})
    assert created.status_code == 201, created.text
    path = f"/stacks/waits/{created.json()['stack']['id']}"
    deadline = time.monotonic() + 60
    curl_cli = None
    while curl_cli is None and time.monotonic() < deadline:
        handle = http.get(f"{path}/resources/handle", params={"with_attr": "curl_cli"}).json()["resource"]
        curl_cli = handle["attributes"].get("curl_cli")
        time.sleep(0.2)
    assert curl_cli is not None and USER_TOKEN not in curl_cli
    assert _stack(http, path)["stack_status"] == "CREATE_IN_PROGRESS"  # waiting for the signal

    signal = json.dumps({"status": "SUCCESS", "reason": "configured", "data": "from curl"})
    sent = subprocess.run(
        [*shlex.split(curl_cli), "--silent", "--show-error", "--data-binary", signal],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0 and " 200 " in sent.stdout.splitlines()[0], sent

    while _stack(http, path)["stack_status"] == "CREATE_IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.2)
    stack = _stack(http, path)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    data = http.get(f"{path}/outputs/data").json()["output"]["output_value"]
    assert json.loads(data) == {"1": "from curl"}
    events = http.get(f"{path}/events", params={"resource_action": "SIGNAL", "sort_dir": "asc"}).json()[
        "events"
    ]
    assert [e["resource_status_reason"] for e in events] == ["Signal: status:SUCCESS reason:configured"]
    http.close()


def test_a_scaling_policy_signal_grows_the_group_from_2_to_3(cluster: Cluster) -> None:
    http = httpx.Client(base_url=f"{cluster.url}/v1/demo", headers={"X-Auth-Token": USER_TOKEN}, timeout=60)
    template = (EXAMPLES / "autoscaling.yaml").read_text()
    created = http.post("/stacks", json={"stack_name": "scales", "template": template})
    assert created.status_code == 201, created.text
    path = f"/stacks/scales/{created.json()['stack']['id']}"
    deadline = time.monotonic() + 60
    while _stack(http, path)["stack_status"] == "CREATE_IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.2)
    stack = _stack(http, path)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}  # type: ignore[attr-defined]
    assert outputs["current_size"] == 2

    # The alarm URL is pre-signed: the POST carries no user token at all.
    scaled = httpx.post(outputs["scale_up_url"], json={}, timeout=60)
    assert scaled.status_code == 200, scaled.text
    outputs = {o["output_key"]: o["output_value"] for o in _stack(http, path)["outputs"]}  # type: ignore[attr-defined]
    assert outputs["current_size"] == 3
    assert outputs["member_values"] == ["member", "member", "member"]
    group = http.get(f"{path}/resources", params={"nested_depth": 1}).json()["resources"]
    assert len([r for r in group if r["resource_type"] == "OS::Heat::TestResource"]) == 3

    # A new member definition rolls through the three, two kept in service throughout.
    updated = http.put(path, json={"template": template, "parameters": {"value": "renewed"}})
    assert updated.status_code == 202, updated.text
    deadline = time.monotonic() + 60
    while _stack(http, path)["stack_status"] != "UPDATE_COMPLETE" and time.monotonic() < deadline:
        assert _stack(http, path)["stack_status"] != "UPDATE_FAILED", _stack(http, path)[
            "stack_status_reason"
        ]
        time.sleep(0.2)
    outputs = {o["output_key"]: o["output_value"] for o in _stack(http, path)["outputs"]}  # type: ignore[attr-defined]
    assert (outputs["current_size"], outputs["member_values"]) == (3, ["renewed"] * 3)
    http.close()
