"""Engine benchmark: create and delete stacks of N OS::Heat::None resources, flat and chained.

The store runs in this process (so its request counter can be read) and the
engine as its own OS process, as in a deployment; both talk over the local
RabbitMQ, the store on a throw-away SQLite file (or --db-url). Prints, per
shape and N: seconds from create_stack to CREATE_COMPLETE and to
DELETE_COMPLETE, store round trips per resource, and the growth of the
per-resource cost from N=100 to N=1000 (1.0 = linear).

    python bench/engine.py [--sizes 10,100,1000] [--db-url URL] [--amqp-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Bench, start_engine
from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import Settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport


def template(n: int, chained: bool) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for i in range(n):
        body: dict[str, Any] = {"type": "OS::Heat::None"}
        if chained and i:
            body["depends_on"] = f"r{i - 1}"
        resources[f"r{i}"] = body
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
    try:
        for _ in range(200):
            try:
                await client.listening(RequestContext.admin(), timeout=0.5)
                break
            except EmberError:
                await asyncio.sleep(0.1)
        print(f"database: {db_url.split('://')[0]}   engine: 1 process   store: in the bench process")
        print(
            f"{'shape':<8}{'N':>6}{'create s':>11}{'delete s':>11}{'store calls/res':>17}{'ms/res create':>15}"
        )
        per_resource: dict[tuple[str, int], float] = {}
        for chained in (False, True):
            shape = "chain" if chained else "flat"
            for n in args.sizes:
                ctxt = RequestContext(project_id=f"bench-{uuid.uuid4().hex[:6]}", user_id="bench")
                assert store_service.server is not None
                before, polls_before = store_service.server.handled, bench.polls
                identity = await client.create_stack(ctxt, f"{shape}{n}", template(n, chained))
                created = await bench.wait(store, ctxt, identity["stack_id"], "CREATE_COMPLETE")
                calls = store_service.server.handled - before - (bench.polls - polls_before)
                await client.delete_stack(ctxt, identity)
                deleted = await bench.wait(store, ctxt, identity["stack_id"], "DELETE_COMPLETE")
                per_resource[(shape, n)] = created / n
                print(
                    f"{shape:<8}{n:>6}{created:>11.2f}{deleted:>11.2f}{calls / n:>17.2f}{created / n * 1000:>15.2f}"
                )
        for shape in ("flat", "chain"):
            if (shape, 100) in per_resource and (shape, 1000) in per_resource:
                growth = per_resource[(shape, 1000)] / per_resource[(shape, 100)]
                print(
                    f"{shape}: per-resource cost N=1000 / N=100 = {growth:.2f} (<= 1.0 is linear or better)"
                )
        if ("flat", 1000) in per_resource and ("chain", 1000) in per_resource:
            ratio = per_resource[("chain", 1000)] / per_resource[("flat", 1000)]
            print(f"chain / flat per-resource cost at N=1000 = {ratio:.2f} (target <= 2)")
    finally:
        engine.terminate()
        engine.wait(30)
        await store_service.stop()
        await transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1000", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument(
        "--profile-engine", metavar="FILE", help="run the engine under cProfile, stats to FILE"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
