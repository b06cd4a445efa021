"""A broker connection blip under load: every POST answered, every acknowledged stack completes.

The cluster's processes name their connections with one tag, so closing
them (``rabbitmqctl close_connection``) hits this cluster only, as a broker
blip would, and leaves other tests on the broker alone.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import AMQP_URL
from tests.e2e.conftest import Cluster

pytestmark = pytest.mark.slow

STACKS = 60
TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(5)},
}


def connections_named(name: str) -> list[str]:
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "pid", "client_properties"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return [line.split("\t", 1)[0] for line in listing.splitlines() if name in line]


def close_connections(pids: list[str]) -> None:
    for pid in pids:
        subprocess.run(
            ["rabbitmqctl", "close_connection", pid, "ember blip test"], capture_output=True, timeout=30
        )


@pytest.fixture(scope="module")
def tagged_cluster(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Cluster]]:
    name = f"ember-blip-{uuid.uuid4().hex[:8]}"
    db = tmp_path_factory.mktemp("blip") / "ember.sqlite"
    cluster = Cluster(
        log_dir,
        f"sqlite+aiosqlite:///{db}",
        engines=1,
        EMBER_RPC__TRANSPORT_URL=AMQP_URL.rstrip("/") + f"/?name={name}",
    )
    try:
        yield name, cluster.start()
    finally:
        cluster.stop()
        cluster.dump_logs()


def test_a_connection_blip_during_creates_loses_no_answer_and_no_stack(
    tagged_cluster: tuple[str, Cluster],
) -> None:
    name, cluster = tagged_cluster
    names = [f"blip-{i}-{uuid.uuid4().hex[:4]}" for i in range(STACKS)]

    pids = connections_named(name)
    assert len(pids) >= 3  # store, engine, api
    answered_at: list[float] = []

    def create(stack_name: str) -> httpx.Response:
        with httpx.Client(base_url=f"{cluster.url}/v1/demo", timeout=90) as client:
            response = client.post("/stacks", json={"stack_name": stack_name, "template": TEMPLATE})
        answered_at.append(time.monotonic())
        return response

    with concurrent.futures.ThreadPoolExecutor(max_workers=STACKS) as pool:
        posts = [pool.submit(create, stack_name) for stack_name in names]
        blip = time.monotonic()
        close_connections(pids)
        answers = [post.result(timeout=120) for post in posts]
    assert any(at > blip for at in answered_at)  # the blip did hit calls in flight

    assert [a.status_code for a in answers] == [201] * STACKS, [
        a.text for a in answers if a.status_code != 201
    ]
    deadline = time.monotonic() + 90
    while True:
        stacks = cluster.http.get("/stacks").json()["stacks"]
        ours = {s["stack_name"]: s["stack_status"] for s in stacks if s["stack_name"] in names}
        if all(status != "CREATE_IN_PROGRESS" for status in ours.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert sorted(ours) == sorted(names)  # every acknowledged stack exists, and no other
    assert set(ours.values()) == {"CREATE_COMPLETE"}, ours
