"""Soak: mixed creates and deletes over HTTP for a while, with broker connection blips.

Starts a store, ``--engines`` engines and the api as OS processes (a unique
exchange, topics, SQLite file and port, so it disturbs nothing else on the
broker), then runs ``--workers`` loops of create -> wait -> delete -> wait
for ``--minutes``, closing every connection of this cluster
(``rabbitmqctl close_connection``, matched by the connection name the
processes share) every ``--blip-every`` seconds. At the end it lets things
settle and prints, and exits 1 unless all are 0:

- lost: stacks a POST was answered 201 for that do not exist;
- stuck: stacks (or their resources) still IN_PROGRESS after settling;
- failed: stacks that ended FAILED (nothing here should fail);
- 5xx: gateway answers of 500 and up;
- 409: creates answered StackExists (every name is fresh: a create that ran twice);

plus memory (RSS) of each process after every blip. Not run in CI.

    python bench/soak.py [--minutes 30] [--blip-every 120] [--workers 8] [--engines 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "a": {"type": "OS::Heat::None"},
        "b": {"type": "OS::Heat::RandomString", "depends_on": "a"},
        "c": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["b", "value"]}}},
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def blip(name: str) -> int:
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "pid", "client_properties"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    pids = [line.split("\t", 1)[0] for line in listing.splitlines() if name in line]
    for pid in pids:
        subprocess.run(["rabbitmqctl", "close_connection", pid, "soak blip"], capture_output=True, timeout=60)
    return len(pids)


class Soak:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        tag = uuid.uuid4().hex[:8]
        self.name = f"ember-soak-{tag}"
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
        self.env.update(
            PYTHONUNBUFFERED="1",
            EMBER_RPC__TRANSPORT_URL=args.amqp_url.rstrip("/") + f"/?name={self.name}",
            EMBER_RPC__CONTROL_EXCHANGE=f"ember-soak-{tag}",
            EMBER_RPC__ENGINE_TOPIC=f"soak-engine-{tag}",
            EMBER_RPC__STORE_TOPIC=f"soak-store-{tag}",
            EMBER_DATABASE__URL=f"sqlite+aiosqlite:///{workdir / 'ember.sqlite'}",
            EMBER_API__BIND_HOST="127.0.0.1",
            EMBER_API__BIND_PORT=str(self.port),
        )
        self.signing_key = secrets.token_urlsafe(32)
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.counts: Counter[str] = Counter()
        self.acknowledged: set[str] = set()
        self.lock = threading.Lock()
        self.stop_at = 0.0

    def start(self, name: str, module: str, *args: str, signed: bool = True) -> None:
        env = dict(self.env, **({"EMBER_RPC__SIGNING_KEY": self.signing_key} if signed else {}))
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=log, stderr=log
        )

    def up(self) -> None:
        self.start("store", "services.store")
        store_log = self.workdir / "store.log"
        for _ in range(600):  # engines fail stale stacks at start, which needs the store
            if store_log.exists() and "serving topic" in store_log.read_text(errors="replace"):
                break
            time.sleep(0.1)
        for i in range(self.args.engines):
            self.start(f"engine-{i}", "services.engine", "--engine-id", f"soak-{i}")
        self.start("api", "services.api", signed=False)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the cluster did not become healthy (logs in {self.workdir})")

    def down(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def wait_state(self, client: httpx.Client, path: str, done: str) -> str:
        """The stack's settled state for the action ``done`` names (a delete starts in the
        background, so the stack may still read CREATE_COMPLETE right after the DELETE)."""
        action = done.split("_", 1)[0]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            resp = client.get(path)
            if resp.status_code == 404 and action == "DELETE":
                return done
            if resp.status_code >= 500:
                self.count("5xx")
            if resp.status_code == 200:
                status = str(resp.json()["stack"]["stack_status"])
                if status.startswith(action) and not status.endswith("IN_PROGRESS"):
                    return status
            time.sleep(0.3)
        return "TIMEOUT"

    def worker(self, index: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}/v1/soak", timeout=90) as client:
            n = 0
            while time.monotonic() < self.stop_at:
                n += 1
                name = f"w{index}-{n}"
                resp = client.post("/stacks", json={"stack_name": name, "template": TEMPLATE})
                if resp.status_code >= 500:
                    self.count("5xx")
                    continue
                if resp.status_code != 201:
                    self.count(f"create {resp.status_code}")
                    continue
                with self.lock:
                    self.acknowledged.add(name)
                path = f"/stacks/{name}/{resp.json()['stack']['id']}"
                final = self.wait_state(client, path, "CREATE_COMPLETE")
                self.count(f"create {final}")
                if final != "CREATE_COMPLETE":
                    continue
                resp = client.delete(path)
                if resp.status_code >= 500:
                    self.count("5xx")
                if resp.status_code != 204:
                    self.count(f"delete {resp.status_code}")
                    continue
                with self.lock:  # from now on the stack is meant to go: not "lost" if it does
                    self.acknowledged.discard(name)
                self.count(f"delete {self.wait_state(client, path, 'DELETE_COMPLETE')}")

    def report_memory(self) -> str:
        return ", ".join(f"{name} {rss_mib(p.pid):.0f} MiB" for name, p in self.processes.items())

    def settle_and_check(self) -> dict[str, int]:
        time.sleep(self.args.settle)
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}/v1/soak", timeout=60) as client:
            stacks = client.get("/stacks", params={"limit": 1000}).json()["stacks"]
            by_name = {s["stack_name"]: s for s in stacks}
            lost = len(self.acknowledged - set(by_name))
            stuck = sum(1 for s in stacks if s["stack_status"].endswith("IN_PROGRESS"))
            failed = sum(1 for s in stacks if s["stack_status"].endswith("FAILED"))
            for s in stacks:
                resources = client.get(f"/stacks/{s['stack_name']}/{s['id']}/resources").json()
                stuck += sum(
                    1 for r in resources.get("resources", []) if r["resource_status"].endswith("IN_PROGRESS")
                )
            names = Counter(s["stack_name"] for s in stacks)
            duplicated = sum(n - 1 for n in names.values() if n > 1)
        return {
            "lost": lost,
            "stuck": stuck,
            "failed": failed,
            "duplicated": duplicated,
            "5xx": self.counts["5xx"],
            "409": self.counts["create 409"],  # a create answered StackExists for its own stack
        }

    def run(self) -> int:
        self.up()
        self.stop_at = time.monotonic() + self.args.minutes * 60
        workers = [
            threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.args.workers)
        ]
        for thread in workers:
            thread.start()
        next_blip = time.monotonic() + self.args.blip_every
        while time.monotonic() < self.stop_at:
            time.sleep(1)
            if time.monotonic() >= next_blip:
                closed = blip(self.name)
                next_blip += self.args.blip_every
                print(f"blip: closed {closed} connections; {self.report_memory()}", flush=True)
        for thread in workers:
            thread.join(300)
        result = self.settle_and_check()
        print("operations:", dict(sorted(self.counts.items())))
        print("memory at the end:", self.report_memory())
        print(" ".join(f"{k}={v}" for k, v in result.items()))
        return 0 if not any(result.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--blip-every", type=float, default=120.0, help="seconds between blips")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--engines", type=int, default=2)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait before counting")
    parser.add_argument(
        "--amqp-url", default=os.environ.get("EMBER_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ember-soak-") as tmp:
        soak = Soak(args, Path(tmp))
        try:
            return soak.run()
        finally:
            soak.down()
            print(f"(logs were in {tmp})")


if __name__ == "__main__":
    sys.exit(main())
