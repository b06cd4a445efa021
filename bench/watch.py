"""``ember stack create --wait`` latency: the live event stream against polling, beside the engine's own time.

Starts store, engine and api as three OS processes (as bench/api.py) and
creates instant stacks (10 OS::Heat::None) through the CLI's own wait
(``services.cli.watch.wait_for_stack``), once following the event stream
and once polling every ``--poll`` seconds (the CLI's default is 1 s).
For each create it prints, p50/p99 over ``--creates`` runs:

- wait:      POST to the wait's return (what a user of ``--wait`` sees);
- after end: how long after CREATE_COMPLETE was published (seen on the
  events fanout by this process) the wait returned;
- engine:    the engine's own CREATE time (its ember_engine_stack_action_seconds).

Target (issue 14): an instant stack's create --wait returns within 0.3 s of CREATE_COMPLETE.

    python bench/watch.py [--creates 20] [--poll 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml
from api import Services, free_port, pct, wait_healthy, warm_up
from prometheus_client.parser import text_string_to_metric_families

from services.cli.client import GatewayClient
from services.cli.watch import Progress, wait_for_stack
from shared.config import RpcSettings, Settings
from shared.rpc import Transport
from shared.rpc.fanout import FanoutSubscriber

PROJECT = "demo"
TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(10)},
}


def engine_seconds(text: str) -> tuple[float, float]:
    """(sum, count) of the engine's CREATE COMPLETE action durations in a scrape."""
    total = count = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("action") == "CREATE" and sample.labels.get("status") == "COMPLETE":
                if sample.name == "ember_engine_stack_action_seconds_sum":
                    total += sample.value
                elif sample.name == "ember_engine_stack_action_seconds_count":
                    count += sample.value
    return total, count


def create_and_wait(url: str, stream: bool, poll: float) -> tuple[str, float, float]:
    """(stack id, monotonic time the POST began, monotonic time the wait returned)."""
    with GatewayClient(url, project=PROJECT) as client:
        name = f"w-{uuid.uuid4().hex[:10]}"
        began = time.monotonic()
        created = client.create_stack({"stack_name": name, "template": TEMPLATE})
        final = wait_for_stack(client, f"{name}/{created['id']}", Progress.quiet, poll, stream=stream)
        ended = time.monotonic()
    if not final or final.get("stack_status") != "CREATE_COMPLETE":
        raise SystemExit(f"{name} ended {final and final.get('stack_status')}")
    return str(created["id"]), began, ended


async def run(url: str, metrics_url: str, rpc: dict[str, str], creates: int, poll: float) -> None:
    completed: dict[str, float] = {}

    def on_event(message: dict[str, Any]) -> None:
        event = message.get("event") or {}
        if event.get("resource_type") == "OS::Heat::Stack" and event.get("resource_status") == "COMPLETE":
            completed.setdefault(str(message.get("stack_id")), time.monotonic())

    transport = await Transport.connect(RpcSettings(**rpc))
    exchange = Settings(rpc=RpcSettings(**rpc)).events_exchange()
    subscriber = FanoutSubscriber(transport, exchange, on_event)
    await subscriber.start()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            await wait_healthy(http)
            await warm_up(http, PROJECT)
            for stream in (True, False):
                label = "stream" if stream else f"polling every {poll:g} s"
                before = engine_seconds((await http.get(metrics_url)).text)
                waits, lags = [], []
                for _ in range(creates):
                    stack_id, began, ended = await asyncio.to_thread(create_and_wait, url, stream, poll)
                    waits.append(ended - began)
                    if stack_id in completed:
                        lags.append(ended - completed[stack_id])
                after = engine_seconds((await http.get(metrics_url)).text)
                runs = after[1] - before[1]
                engine = (after[0] - before[0]) / runs if runs else float("nan")
                print(
                    f"create --wait, {label:<20} n={len(waits):<3} "
                    f"wait p50={pct(waits, 0.5) * 1000:7.1f} ms p99={pct(waits, 0.99) * 1000:7.1f} ms   "
                    f"after end p50={pct(lags, 0.5) * 1000:7.1f} ms p99={pct(lags, 0.99) * 1000:7.1f} ms   "
                    f"engine mean={engine * 1000:6.1f} ms"
                )
    finally:
        await subscriber.stop()
        await transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls (the CLI's default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Path(tmp))
        engine_port = free_port()
        settings = yaml.safe_load(services.config.read_text())
        settings["metrics"] = {"enabled": True, "engine_port": engine_port, "store_port": free_port()}
        services.config.write_text(yaml.safe_dump(settings))
        services.start()
        try:
            print(f"gateway {services.url} ({os.cpu_count()} CPUs)")
            asyncio.run(
                run(
                    services.url,
                    f"http://127.0.0.1:{engine_port}/metrics",
                    services.rpc,
                    args.creates,
                    args.poll,
                )
            )
        finally:
            services.stop()


if __name__ == "__main__":
    main()
