"""Many stacks at once (issue 16, benchmark 2), with 1, 2 and 4 engines in the same run.

For each engine count a fresh cluster (one store on a throw-away SQLite file,
N engines, one api, a private exchange of the local RabbitMQ) takes:

- 200 stacks of 10 OS::Heat::None POSTed at once: POST p50/p99, and the
  throughput from the first POST until every stack is CREATE_COMPLETE
  (stacks/s); a stack that fails or is still IN_PROGRESS at the deadline
  ends the run;
- then 2,000 GET /stacks at concurrency 20 (Heat's gate shape): p50/p99.

On a 2-core machine throughput may not rise with engines, but it must not fall.

    python bench/scale_concurrent.py [--stacks 200] [--gets 2000] [--engines 1 2 4]

``run(args)`` returns the rows for bench/scale.py to print with the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import TEMPLATE, Services, pct, wait_healthy, warm_up  # noqa: E402

PROJECT = "bench"
SETTLE_TIMEOUT = 600.0


class Cluster(Services):
    """bench/api.py's processes with ``engines`` engines, and no per-project stack limit."""

    def __init__(self, folder: Path, engines: int) -> None:
        super().__init__(folder)
        self.engines = engines
        settings = yaml.safe_load(self.config.read_text())
        settings["engine"]["max_stacks_per_tenant"] = -1
        # Topics of its own: other runs on the shared broker consume "engine" and "store" queues.
        tag = uuid.uuid4().hex[:8]
        self.rpc.update(engine_topic=f"bench-engine-{tag}", store_topic=f"bench-store-{tag}")
        settings["rpc"] = self.rpc
        settings["metrics"] = {"enabled": False}
        self.config.write_text(yaml.safe_dump(settings))

    def start(self) -> None:
        names = ["store", *(["engine"] * self.engines), "api"]
        for n, service in enumerate(names):
            cmd = [sys.executable, "-m", f"services.{service}", "--config-file", str(self.config)]
            if service == "engine":
                cmd += ["--engine-id", f"bench-engine-{n}"]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT))


@dataclass
class Row:
    engines: int
    stacks: int
    settle_s: float
    post_p50_ms: float
    post_p99_ms: float
    gets: int
    get_p50_ms: float
    get_p99_ms: float

    @property
    def stacks_per_s(self) -> float:
        return self.stacks / self.settle_s


async def _statuses(client: httpx.AsyncClient) -> dict[str, str]:
    resp = await client.get(f"/v1/{PROJECT}/stacks")
    resp.raise_for_status()
    return {s["id"]: s["stack_status"] for s in resp.json()["stacks"]}


async def _create_all(client: httpx.AsyncClient, n: int) -> tuple[list[float], set[str], float]:
    """POST ``n`` stacks at once; (POST latencies, stack ids, start time)."""
    latencies: list[float] = []
    ids: set[str] = set()

    async def post() -> None:
        body = {"stack_name": f"c-{uuid.uuid4().hex[:12]}", "template": TEMPLATE}
        start = time.perf_counter()
        resp = await client.post(f"/v1/{PROJECT}/stacks", json=body)
        latencies.append(time.perf_counter() - start)
        if resp.status_code != 201:
            raise SystemExit(f"POST /stacks: {resp.status_code} {resp.text[:300]}")
        ids.add(resp.json()["stack"]["id"])

    began = time.perf_counter()
    await asyncio.gather(*(post() for _ in range(n)))
    return latencies, ids, began


async def _settle(client: httpx.AsyncClient, ids: set[str], began: float) -> float:
    """Seconds from ``began`` until every stack is CREATE_COMPLETE; exits on a failure or a stuck one."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        statuses = await _statuses(client)
        mine = {i: statuses.get(i, "MISSING") for i in ids}
        bad = {i: s for i, s in mine.items() if s not in ("CREATE_COMPLETE", "CREATE_IN_PROGRESS")}
        if bad:
            raise SystemExit(f"stacks that did not complete: {bad}")
        if all(s == "CREATE_COMPLETE" for s in mine.values()):
            return time.perf_counter() - began
        if time.monotonic() > deadline:
            stuck = sorted(i for i, s in mine.items() if s != "CREATE_COMPLETE")
            raise SystemExit(f"{len(stuck)} stacks still IN_PROGRESS after {SETTLE_TIMEOUT:.0f}s")
        await asyncio.sleep(0.1)


async def _lists(client: httpx.AsyncClient, total: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    left = iter(range(total))

    async def worker() -> None:
        for _ in left:
            start = time.perf_counter()
            resp = await client.get(f"/v1/{PROJECT}/stacks")
            latencies.append(time.perf_counter() - start)
            if resp.status_code != 200:
                raise SystemExit(f"GET /stacks: {resp.status_code} {resp.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def measure(url: str, engines: int, stacks: int, gets: int) -> Row:
    limits = httpx.Limits(max_connections=stacks, max_keepalive_connections=stacks)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as client:
        await wait_healthy(client)
        await warm_up(client, PROJECT)
        before = set(await _statuses(client))
    # The POSTs on fresh connections: a pooled one the api is just closing (keep-alive timeout)
    # would fail a POST that cannot be sent again blindly.
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as fresh:
        posts, ids, began = await _create_all(fresh, stacks)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as client:
        settle = await _settle(client, ids, began)
        assert not ids & before
        listed = await _lists(client, gets, 20)
    return Row(
        engines, stacks, settle, pct(posts, 0.5) * 1e3, pct(posts, 0.99) * 1e3, gets,
        pct(listed, 0.5) * 1e3, pct(listed, 0.99) * 1e3,
    )  # fmt: skip


async def run(args: argparse.Namespace) -> list[Row]:
    """One row per engine count in ``args.engines`` (each a fresh cluster)."""
    rows = []
    for engines in args.engines:
        with tempfile.TemporaryDirectory(prefix="ember-scale-") as tmp:
            cluster = Cluster(Path(tmp), engines)
            cluster.start()
            try:
                rows.append(await measure(cluster.url, engines, args.stacks, args.gets))
            finally:
                cluster.stop()
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        f"{'engines':>7} {'stacks':>6} {'settle s':>8} {'stacks/s':>8} {'POST p50':>9} {'POST p99':>9} "
        f"{'GETs':>5} {'GET p50':>8} {'GET p99':>8}"
    ]
    for r in rows:
        lines.append(
            f"{r.engines:>7} {r.stacks:>6} {r.settle_s:>8.1f} {r.stacks_per_s:>8.1f} "
            f"{r.post_p50_ms:>7.0f}ms {r.post_p99_ms:>7.0f}ms {r.gets:>5} {r.get_p50_ms:>6.1f}ms "
            f"{r.get_p99_ms:>6.1f}ms"
        )
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """This benchmark's options (also bench/scale.py's, for its ``many`` section)."""
    p.add_argument("--stacks", type=int, default=200, help="stacks of 10 resources POSTed at once")
    p.add_argument("--gets", type=int, default=2000, help="GET /stacks at concurrency 20")
    p.add_argument("--engines", type=int, nargs="+", default=[1, 2, 4])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return p


def main() -> None:
    args = parser().parse_args()
    rows = asyncio.run(run(args))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    print(table(rows))


if __name__ == "__main__":
    main()
