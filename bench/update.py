"""Update benchmark: a flat stack of N OS::Heat::Value resources, updated beside its own create.

The store runs in this process (its request counter is read), the engine as
its own OS process, both over the local RabbitMQ, the store on a throw-away
SQLite file (or --db-url). In one run it prints: the create; an update that
changes 10 resources in place; an update that changes nothing; a preview of
a change to every resource; each as seconds, as a ratio to the create, and
as store calls per changed resource (polls for the state not counted).

    python bench/update.py [--n 1000] [--changed 10] [--db-url URL] [--amqp-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine import Bench, start_engine
from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import Settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport


def template(n: int, changed: int = 0, tag: str = "v") -> dict[str, Any]:
    resources = {
        f"r{i}": {"type": "OS::Heat::Value", "properties": {"value": f"{tag if i < changed else 'v'}{i}"}}
        for i in range(n)
    }
    return {"heat_template_version": "2021-04-16", "resources": resources}


async def run(args: argparse.Namespace) -> None:
    suffix = uuid.uuid4().hex[:8]
    db_url = args.db_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    settings = Settings(
        rpc={
            "transport_url": args.amqp_url,
            "control_exchange": "ember-bench",
            "engine_topic": f"engine-bench-{suffix}",
            "store_topic": f"store-bench-{suffix}",
        },
        database={"url": db_url},
        store={"auth_encryption_key": generate_key()},
        logging={"level": "WARNING"},
    )
    transport = await Transport.connect(settings.rpc)
    store_service = StoreService(settings, transport=transport, topic=settings.rpc.store_topic)
    await store_service.start()
    engine = start_engine(settings, args.profile_engine)
    client = EngineClient(transport, timeout=120, topic=settings.rpc.engine_topic)
    store = StoreClient(transport, timeout=60, topic=settings.rpc.store_topic)
    bench = Bench(settings, suffix)
    server = store_service.server
    assert server is not None
    try:
        for _ in range(200):
            try:
                await client.listening(RequestContext.admin(), timeout=0.5)
                break
            except EmberError:
                await asyncio.sleep(0.1)
        n, k = args.n, args.changed
        ctxt = RequestContext(project_id=f"bench-{suffix}", user_id="bench")

        accepted: list[float] = []

        async def measured(start: Any, want: str) -> tuple[float, int]:
            before, polls = server.handled, bench.polls
            began = time.perf_counter()
            identity = await start()
            accepted.append(time.perf_counter() - began)
            await bench.wait(store, ctxt, identity["stack_id"], want)
            return time.perf_counter() - began, server.handled - before - (bench.polls - polls)

        created, create_calls = await measured(
            lambda: client.create_stack(ctxt, "upd", template(n)), "CREATE_COMPLETE"
        )
        stack = {"stack_name": "upd", "stack_id": (await client.identify_stack(ctxt, "upd"))["stack_id"]}

        async def update(body: dict[str, Any]) -> dict[str, Any]:
            await client.update_stack(ctxt, stack, body)
            return stack

        in_place, in_place_calls = await measured(lambda: update(template(n, k, "w")), "UPDATE_COMPLETE")
        nothing, nothing_calls = await measured(lambda: update(template(n, k, "w")), "UPDATE_COMPLETE")
        began = time.perf_counter()
        rows = await store.resource_get_all_by_stack(ctxt, stack["stack_id"])
        read_rows = time.perf_counter() - began
        began = time.perf_counter()
        preview = await client.preview_update_stack(ctxt, stack, template(n, n, "p"))
        previewed = time.perf_counter() - began
        assert len(preview["updated"]) == n, {key: len(v) for key, v in preview.items()}

        print(f"database: {db_url.split('://')[0]}   engine: 1 process   N={n} OS::Heat::Value, flat")
        print(
            f"{'step':<34}{'seconds':>9}{'accepted':>10}{'x create':>10}{'store calls':>13}"
            f"{'per changed':>13}  target"
        )
        print(
            f"{'create':<34}{created:>9.3f}{accepted[0]:>10.3f}{1:>10.2f}{create_calls:>13}"
            f"{create_calls / n:>13.2f}"
        )
        print(
            f"{f'update, {k} changed in place':<34}{in_place:>9.3f}{accepted[1]:>10.3f}{in_place / created:>10.2f}"
            f"{in_place_calls:>13}{in_place_calls / k:>13.2f}  < 0.5x create; per changed <= create's"
        )
        print(
            f"{'update, nothing changed':<34}{nothing:>9.3f}{accepted[2]:>10.3f}{nothing / created:>10.2f}"
            f"{nothing_calls:>13}"
            f"{'-':>13}  < 0.2x create"
        )
        print(
            f"{f'preview, {n} changed':<34}{previewed:>9.3f}{previewed / created:>10.2f}{'-':>13}{'-':>13}  < 0.3 s"
        )
        print(f"(reading the {len(rows)} resource rows from the store takes {read_rows:.3f} s of that)")
        await client.delete_stack(ctxt, stack)
        await bench.wait(store, ctxt, stack["stack_id"], "DELETE_COMPLETE")
    finally:
        engine.terminate()
        await asyncio.to_thread(engine.wait, 30)  # the store in this process answers while it stops
        await store_service.stop()
        await transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", default=1000, type=int)
    parser.add_argument("--changed", default=10, type=int)
    parser.add_argument(
        "--profile-engine", metavar="FILE", help="run the engine under cProfile, stats to FILE"
    )
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
