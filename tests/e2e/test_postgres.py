"""The same processes with the store on PostgreSQL (a throw-away database on the local server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import CLEAN_EXITS, EXAMPLES, Cli, Cluster, pid_exists, run_cluster
from tests.integration.store.conftest import create_pg_database, drop_pg_database, pg_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_cluster(log_dir: Path) -> Iterator[Cluster]:
    name = asyncio.run(create_pg_database())
    try:
        yield from run_cluster(log_dir, pg_url(name), engines=1)
    finally:
        asyncio.run(drop_pg_database(name))


def test_create_read_delete_on_postgresql(pg_cluster: Cluster) -> None:
    cli = Cli(pg_cluster.url)
    stack = cli.json(
        "stack", "create", "pg", "-t", str(EXAMPLES / "test_resource_parallel.yaml"), "-P", "wait=0", "--wait"
    )
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    assert {o["output_key"]: o["output_value"] for o in stack["outputs"]} == {"last": "three"}
    assert len(cli.json("resource", "list", "pg")) == 4
    events = cli.json("event", "list", "pg")
    assert ("pg", "CREATE_COMPLETE") in {(e["resource_name"], e["resource_status"]) for e in events}
    cli("stack", "delete", "pg", "--wait")
    assert pg_cluster.http.get("/stacks/pg").status_code == 404

    pids = pg_cluster.all_pids()
    codes = pg_cluster.stop()
    assert all(code in CLEAN_EXITS for code in codes.values()), codes
    assert not [pid for pid in pids if pid_exists(pid)]
