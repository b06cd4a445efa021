"""Gateway benchmark: POST /stacks latency and throughput against a bare /healthz round trip.

Starts store, engine and api as three OS processes on a throw-away SQLite
file and a private exchange of the local RabbitMQ (or measures a running
gateway given with --url). Prints, in one run:

- GET /         (versions: the HTTP stack alone, no bus)
- GET /healthz  (HTTP + one bus round trip to the engine)
- create_stack  straight over the bus with EngineClient (the engine's share; when it starts the services)
- POST /stacks  (stacks of 10 OS::Heat::None) with 1 and with 32 concurrent clients:
  latency p50/p99 and stack creations per second.

Target (issue 6): POST /stacks p50 <= 3x /healthz p50 + 2 bus round trips.

    python bench/api.py [--url http://127.0.0.1:8004 --token T --project demo] [--creates 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
AMQP_URL = os.environ.get("EMBER_RPC__TRANSPORT_URL", "amqp://guest:guest@127.0.0.1:5672/")
TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(10)},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Services:
    """store, engine and api as child processes sharing one config file."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "ember.yaml"
        self.rpc = {"transport_url": AMQP_URL, "control_exchange": f"ember-bench-{uuid.uuid4().hex[:8]}"}
        settings = {
            "rpc": self.rpc,
            "database": {"url": f"sqlite+aiosqlite:///{folder / 'ember.sqlite'}"},
            "store": {"auth_encryption_key": Fernet.generate_key().decode()},
            "api": {"bind_port": self.port, "auth_strategy": "noauth"},
            "logging": {"level": "WARNING"},
            "engine": {"graceful_stop_timeout": 5.0, "max_stacks_per_tenant": -1},  # the bench makes hundreds
        }
        self.config.write_text(yaml.safe_dump(settings))
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for service in ("store", "engine", "api"):
            cmd = [sys.executable, "-m", f"services.{service}", "--config-file", str(self.config)]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT))

    def stop(self) -> None:
        # api, then engine (it finishes or fails its in-flight stacks through the store), then store.
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()


async def wait_healthy(client: httpx.AsyncClient, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the gateway did not become healthy")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed_gets(client: httpx.AsyncClient, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        resp = await client.get(path)
        out.append(time.perf_counter() - start)
        if resp.status_code >= 400:
            raise SystemExit(f"GET {path}: {resp.status_code} {resp.text[:200]}")
    return out


async def creates(
    client: httpx.AsyncClient, project: str, total: int, concurrency: int
) -> tuple[list[float], float]:
    """(latencies, wall seconds) for ``total`` creations spread over ``concurrency`` clients."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            body = {"stack_name": f"b-{uuid.uuid4().hex[:12]}", "template": TEMPLATE}
            start = time.perf_counter()
            resp = await client.post(f"/v1/{project}/stacks", json=body)
            latencies.append(time.perf_counter() - start)
            if resp.status_code != 201:
                raise SystemExit(f"POST /stacks: {resp.status_code} {resp.text[:300]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


async def warm_up(client: httpx.AsyncClient, project: str, timeout: float = 60) -> None:
    """Create until it works: /healthz sees the engine, but the store may still be starting."""
    deadline = time.monotonic() + timeout
    done = 0
    while done < 5:
        body = {"stack_name": f"w-{uuid.uuid4().hex[:12]}", "template": TEMPLATE}
        resp = await client.post(f"/v1/{project}/stacks", json=body)
        if resp.status_code == 201:
            done += 1
        elif time.monotonic() > deadline:
            raise SystemExit(f"POST /stacks keeps failing: {resp.status_code} {resp.text[:300]}")
        else:
            await asyncio.sleep(0.5)


async def bus_creates(rpc: dict[str, str], project: str, total: int) -> list[float]:
    """create_stack straight over the bus (EngineClient, no gateway): the engine's share of POST /stacks."""
    from shared.clients.engine import EngineClient
    from shared.config import RpcSettings
    from shared.context import RequestContext
    from shared.rpc import Transport

    transport = await Transport.connect(RpcSettings(**rpc))
    try:
        engine = EngineClient(transport, timeout=120)
        ctxt = RequestContext(user_id="bench", project_id=project)
        out = []
        for _ in range(total):
            start = time.perf_counter()
            await engine.create_stack(ctxt, f"d-{uuid.uuid4().hex[:12]}", TEMPLATE)
            out.append(time.perf_counter() - start)
        return out
    finally:
        await transport.close()


def row(name: str, latencies: list[float], wall: float | None = None) -> str:
    rate = f"{len(latencies) / wall:8.1f}/s" if wall else " " * 10
    return (
        f"{name:<36} n={len(latencies):<5} p50={pct(latencies, 0.5) * 1000:7.1f} ms  "
        f"p99={pct(latencies, 0.99) * 1000:7.1f} ms  {rate}"
    )


async def measure(
    url: str, token: str | None, project: str, n_creates: int, rpc: dict[str, str] | None = None
) -> None:
    headers = {"X-Auth-Token": token} if token else {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as client:
        await wait_healthy(client)
        await timed_gets(client, "/healthz", 20)  # warm up connections and the reply queue
        await warm_up(client, project)
        versions = await timed_gets(client, "/", 200)
        health = await timed_gets(client, "/healthz", 200)
        direct = await bus_creates(rpc, project, n_creates) if rpc else None
        one, one_wall = await creates(client, project, n_creates, 1)
        many, many_wall = await creates(client, project, n_creates * 3, 32)
    print(f"gateway {url} ({os.cpu_count()} CPUs)")
    print(row("GET / (no bus)", versions))
    print(row("GET /healthz (1 bus round trip)", health))
    if direct:
        print(row("create_stack over the bus (no HTTP)", direct))
    print(row("POST /stacks, 1 client", one, one_wall))
    print(row("POST /stacks, 32 clients", many, many_wall))
    ratio = statistics.median(one) / statistics.median(health)
    print(f"POST /stacks p50 / healthz p50 = {ratio:.1f}x (target <= 3x + 2 bus round trips)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running gateway (default: start store, engine and api)")
    parser.add_argument("--token", default=os.environ.get("EMBER_TOKEN"))
    parser.add_argument("--project", default=os.environ.get("EMBER_PROJECT", "demo"))
    parser.add_argument("--creates", type=int, default=100, help="creations with 1 client (x3 with 32)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(measure(args.url, args.token, args.project, args.creates))
        return
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        services = Services(Path(tmp))
        services.start()
        try:
            asyncio.run(measure(services.url, None, args.project, args.creates, services.rpc))
        finally:
            services.stop()


if __name__ == "__main__":
    main()
