"""RPC benchmark: Ember's call vs a raw aio-pika floor vs oslo.messaging, interleaved.

Usage::

    .venv/bin/python bench/rpc.py            # full run (5 s per throughput test, 3 rounds)
    .venv/bin/python bench/rpc.py --quick    # a short run to check it works

Each implementation runs as two OS processes — a server and a client —
so neither starves the other of the interpreter, as two services would.
The bench process only orchestrates: it sends each client a command over a
pipe and collects figures. Rounds are interleaved (A B C, A B C, ...) and
ratios are taken per round, then the median across rounds is reported,
because this small machine also runs the broker and its noise drifts over
minutes. CPU seconds are ``time.process_time()`` of each process (all its
threads), the server's read through a ``cpu`` call after each test.

Everything is declared under a unique control exchange and topic names,
so the bench never disturbs tests running beside it. Timings are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = os.environ.get("EMBER_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
IMPLS = ("ember", "floor", "oslo")
SMALL = 200
LARGE = 20_000

# --- servers (each in its own process) ------------------------------------------


def _ember_server(url: str, exchange: str, topic: str, ready: Any) -> None:
    from shared.config import RpcSettings
    from shared.context import RequestContext
    from shared.rpc import RPCServer, Target, Transport, expose

    class BenchEndpoint:
        target = Target(version="1.0")

        @expose
        async def echo(self, ctxt: RequestContext, payload: str) -> str:
            return payload

        @expose
        async def cpu(self, ctxt: RequestContext) -> float:
            return time.process_time()

    async def main() -> None:
        settings = RpcSettings(transport_url=url, control_exchange=exchange, amqp_auto_delete=True)
        async with Transport(settings) as transport:
            server = RPCServer(transport, Target(topic=topic), [BenchEndpoint()], concurrency=64)
            await server.start()
            ready.set()
            await asyncio.Event().wait()

    asyncio.run(main())


def _floor_server(url: str, exchange: str, topic: str, ready: Any, ack: bool = False) -> None:
    """The least a request/reply server can do: decode JSON, encode JSON, reply by correlation id.

    With ``ack`` it also acks each request on receipt under a prefetch, as
    Ember and oslo do (the ``floor_ack`` variant), to price that one frame.
    """
    import aio_pika

    async def main() -> None:
        connection = await aio_pika.connect(url)
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=64)
        ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, auto_delete=True)
        queue = await channel.declare_queue(topic, auto_delete=True)
        await queue.bind(ex, routing_key=topic)
        default = channel.default_exchange

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            if ack:
                await message.ack()
            request = json.loads(message.body)
            if request["method"] == "cpu":
                result: Any = time.process_time()
            else:
                result = request["args"]["payload"]
            await default.publish(
                aio_pika.Message(
                    json.dumps({"result": result}).encode(), correlation_id=message.correlation_id
                ),
                routing_key=message.reply_to or "",
            )

        await queue.consume(on_message, no_ack=not ack)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _floor_ack_server(url: str, exchange: str, topic: str, ready: Any) -> None:
    _floor_server(url, exchange, topic, ready, ack=True)


def _oslo_transport(url: str, exchange: str, pool: int) -> Any:
    import oslo_messaging
    from oslo_config import cfg
    from oslo_messaging import server as oslo_server
    from oslo_messaging._drivers import amqp, impl_rabbit

    conf = cfg.CONF  # oslo reads some options (tracing) from the global CONF only
    # Registered up front (oslo registers the same objects later) so they can be overridden.
    conf.register_opts(impl_rabbit.rabbit_opts, group="oslo_messaging_rabbit")
    conf.register_opts(amqp.amqp_opts, group="oslo_messaging_rabbit")
    conf.register_opts(oslo_server._pool_opts)
    conf([], project="ember-bench")
    # Give oslo enough pooled connections and executor threads for the widest
    # concurrency we try, and let the broker delete what the bench declared.
    conf.set_override("rpc_conn_pool_size", pool, group="oslo_messaging_rabbit")
    conf.set_override("amqp_auto_delete", True, group="oslo_messaging_rabbit")
    conf.set_override("executor_thread_pool_size", pool)
    oslo_messaging.set_transport_defaults(exchange)
    return oslo_messaging.get_rpc_transport(conf, url=url.replace("amqp://", "rabbit://", 1))


def _oslo_server(url: str, exchange: str, topic: str, ready: Any) -> None:
    import oslo_messaging

    class BenchEndpoint:
        target = oslo_messaging.Target(version="1.0")

        def echo(self, ctxt: dict[str, Any], payload: str) -> str:
            return payload

        def cpu(self, ctxt: dict[str, Any]) -> float:
            return time.process_time()

    transport = _oslo_transport(url, exchange, 64)
    server = oslo_messaging.get_rpc_server(
        transport, oslo_messaging.Target(topic=topic, server="bench"), [BenchEndpoint()], executor="threading"
    )
    server.start()
    ready.set()
    threading.Event().wait()


SERVERS: dict[str, Callable[[str, str, str, Any], None]] = {
    "ember": _ember_server,
    "floor": _floor_server,
    "floor_ack": _floor_ack_server,
    "oslo": _oslo_server,
}

# --- clients (each in its own process, driven over a pipe) ----------------------


def _payload(size: int) -> str:
    return "x" * size


class AsyncDriver:
    """Runs the latency and throughput loops around one ``call(payload) -> result`` coroutine."""

    def __init__(self, call: Callable[[str], Awaitable[Any]], cpu: Callable[[], Awaitable[float]]) -> None:
        self.call = call
        self.server_cpu = cpu

    async def sequential(self, count: int, size: int) -> dict[str, Any]:
        payload = _payload(size)
        latencies: list[float] = []
        cpu0, scpu0 = time.process_time(), await self.server_cpu()
        for _ in range(count):
            t0 = time.perf_counter()
            await self.call(payload)
            latencies.append(time.perf_counter() - t0)
        return _figures(latencies, count, sum(latencies), cpu0, scpu0, await self.server_cpu())

    async def throughput(self, concurrency: int, duration: float, size: int) -> dict[str, Any]:
        payload = _payload(size)
        done = 0
        stop_at = 0.0

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await self.call(payload)
                done += 1

        cpu0, scpu0 = time.process_time(), await self.server_cpu()
        start = time.perf_counter()
        stop_at = start + duration
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
        return _figures([], done, wall, cpu0, scpu0, await self.server_cpu())


def _figures(
    latencies: list[float], calls: int, wall: float, cpu0: float, scpu0: float, scpu1: float
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "calls": calls,
        "wall": wall,
        "rate": calls / wall if wall else 0.0,
        "client_cpu_per_1k": (time.process_time() - cpu0) / calls * 1000,
        "server_cpu_per_1k": (scpu1 - scpu0) / calls * 1000,
    }
    if latencies:
        ordered = sorted(latencies)
        out["p50_ms"] = ordered[len(ordered) // 2] * 1000
        out["p99_ms"] = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return out


async def _ember_driver(
    url: str, exchange: str, topic: str
) -> tuple[AsyncDriver, Callable[[], Awaitable[None]]]:
    from shared.config import RpcSettings
    from shared.context import RequestContext
    from shared.rpc import RPCClient, Target, Transport

    settings = RpcSettings(transport_url=url, control_exchange=exchange, amqp_auto_delete=True)
    transport = await Transport.connect(settings)
    client = RPCClient(transport, Target(topic=topic), timeout=30)
    ctxt = RequestContext(user_id="bench", project_id="bench")

    async def call(payload: str) -> Any:
        return await client.call(ctxt, "echo", payload=payload)

    async def cpu() -> float:
        return float(await client.call(ctxt, "cpu"))

    return AsyncDriver(call, cpu), transport.close


async def _floor_driver(
    url: str, exchange: str, topic: str
) -> tuple[AsyncDriver, Callable[[], Awaitable[None]]]:
    import aio_pika

    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=False)
    ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, auto_delete=True)
    reply_queue = await channel.declare_queue(exclusive=True)
    pending: dict[str, asyncio.Future[Any]] = {}

    async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        future = pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(json.loads(message.body)["result"])

    await reply_queue.consume(on_reply, no_ack=True)
    loop = asyncio.get_running_loop()

    async def request(method: str, args: dict[str, Any]) -> Any:
        correlation_id = uuid.uuid4().hex
        future = pending[correlation_id] = loop.create_future()
        body = json.dumps({"method": method, "args": args}).encode()
        await ex.publish(
            aio_pika.Message(body, correlation_id=correlation_id, reply_to=reply_queue.name),
            routing_key=topic,
        )
        return await asyncio.wait_for(future, 30)

    async def call(payload: str) -> Any:
        return await request("echo", {"payload": payload})

    async def cpu() -> float:
        return float(await request("cpu", {}))

    return AsyncDriver(call, cpu), connection.close


def _async_client(impl: str, url: str, exchange: str, topic: str, conn: Connection) -> None:
    async def main() -> None:
        make = _ember_driver if impl == "ember" else _floor_driver  # floor and floor_ack
        driver, close = await make(url, exchange, topic)
        loop = asyncio.get_running_loop()
        conn.send("ready")
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "quit":
                break
            if command[0] == "seq":
                conn.send(await driver.sequential(command[1], command[2]))
            else:
                conn.send(await driver.throughput(command[1], command[2], command[3]))
        await close()

    asyncio.run(main())


class ThreadDriver:
    """The latency and throughput loops for a blocking client; concurrency comes from threads."""

    def __init__(self, call: Callable[[str], Any], cpu: Callable[[], float]) -> None:
        self.call = call
        self.server_cpu = cpu
        self.pool = ThreadPoolExecutor(max_workers=64)

    def sequential(self, count: int, size: int) -> dict[str, Any]:
        payload = _payload(size)
        latencies: list[float] = []
        cpu0, scpu0 = time.process_time(), self.server_cpu()
        for _ in range(count):
            t0 = time.perf_counter()
            self.call(payload)
            latencies.append(time.perf_counter() - t0)
        return _figures(latencies, count, sum(latencies), cpu0, scpu0, self.server_cpu())

    def throughput(self, concurrency: int, duration: float, size: int) -> dict[str, Any]:
        payload = _payload(size)
        cpu0, scpu0 = time.process_time(), self.server_cpu()
        start = time.perf_counter()
        stop_at = start + duration

        def worker(_slot: int) -> int:
            done = 0
            while time.perf_counter() < stop_at:
                self.call(payload)
                done += 1
            return done

        calls = sum(self.pool.map(worker, range(concurrency)))
        wall = time.perf_counter() - start
        return _figures([], calls, wall, cpu0, scpu0, self.server_cpu())


def _oslo_client(url: str, exchange: str, topic: str, conn: Connection) -> None:
    import oslo_messaging

    transport = _oslo_transport(url, exchange, 64)
    client = oslo_messaging.get_rpc_client(transport, oslo_messaging.Target(topic=topic), timeout=30)
    ctxt = {"user_id": "bench", "project_id": "bench"}
    driver = ThreadDriver(
        lambda payload: client.call(ctxt, "echo", payload=payload), lambda: float(client.call(ctxt, "cpu"))
    )
    conn.send("ready")
    while True:
        command = conn.recv()
        if command[0] == "quit":
            break
        if command[0] == "seq":
            conn.send(driver.sequential(command[1], command[2]))
        else:
            conn.send(driver.throughput(command[1], command[2], command[3]))
    driver.pool.shutdown()
    transport.cleanup()


def _client(impl: str, url: str, exchange: str, topic: str, conn: Connection) -> None:
    if impl == "oslo":
        _oslo_client(url, exchange, topic, conn)
    else:
        _async_client(impl, url, exchange, topic, conn)


# --- orchestration --------------------------------------------------------------


@dataclass
class Impl:
    name: str
    server: Any
    client: Any
    conn: Connection

    def run(self, command: tuple[Any, ...]) -> dict[str, Any]:
        broker0 = _broker_cpu()
        self.conn.send(command)
        if not self.conn.poll(600):
            raise RuntimeError(f"{self.name} client did not answer {command}")
        result: dict[str, Any] = self.conn.recv()
        broker1 = _broker_cpu()
        if broker0 is not None and broker1 is not None and result["calls"]:
            result["broker_cpu_per_1k"] = (broker1 - broker0) / result["calls"] * 1000
        return result


def _broker_cpu() -> float | None:
    """CPU seconds the local RabbitMQ (beam.smp) has used, from /proc; None if not found.

    It includes whatever else the broker did meanwhile, so on a shared machine
    it is an upper bound of the broker's cost per call.
    """
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(beam.smp)" in text:
            fields = text.rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def _start(ctx: Any, name: str, url: str, exchange: str) -> Impl:
    topic = f"bench-{name}-{uuid.uuid4().hex[:8]}"
    exchange = f"{exchange}-{name}"  # each declares its exchange its own way
    ready = ctx.Event()
    server = ctx.Process(target=SERVERS[name], args=(url, exchange, topic, ready), daemon=True)
    server.start()
    if not ready.wait(60):
        raise RuntimeError(f"{name} server did not start")
    parent, child = ctx.Pipe()
    client = ctx.Process(target=_client, args=(name, url, exchange, topic, child), daemon=True)
    client.start()
    if not parent.poll(60) or parent.recv() != "ready":
        raise RuntimeError(f"{name} client did not start")
    return Impl(name, server, client, parent)


@dataclass(frozen=True)
class Test:
    key: str
    label: str
    command: tuple[Any, ...]


def _tests(seq_calls: int, duration: float) -> list[Test]:
    return [
        Test("seq", f"sequential, {seq_calls} calls of {SMALL} B", ("seq", seq_calls, SMALL)),
        Test("c1", f"throughput, 1 concurrent, {SMALL} B", ("tput", 1, duration, SMALL)),
        Test("c16", f"throughput, 16 concurrent, {SMALL} B", ("tput", 16, duration, SMALL)),
        Test("c64", f"throughput, 64 concurrent, {SMALL} B", ("tput", 64, duration, SMALL)),
        Test("big16", f"throughput, 16 concurrent, {LARGE // 1000} KB", ("tput", 16, duration, LARGE)),
    ]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument(
        "--quick", action="store_true", help="1 s per throughput test, 300 sequential calls, 2 rounds"
    )
    parser.add_argument("--duration", type=float, help="seconds per throughput test (default 5)")
    parser.add_argument("--seq-calls", type=int, help="calls in the sequential latency test (default 2000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--impls",
        default=",".join(IMPLS),
        help="comma-separated, from ember,floor,oslo,floor_ack (a floor that acks on receipt)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw per-round figures here")
    args = parser.parse_args(argv)
    duration = args.duration or (1.0 if args.quick else 5.0)
    seq_calls = args.seq_calls or (300 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 3)
    names = [n for n in args.impls.split(",") if n]
    tests = _tests(seq_calls, duration)

    ctx = mp.get_context("spawn")
    exchange = f"ember-bench-{uuid.uuid4().hex[:8]}"
    print(f"# Ember RPC bench  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"broker {args.url.split('@')[-1]}, exchange {exchange}"
    )
    print(f"# {rounds} rounds x {len(tests)} tests x {names}; throughput {duration:g} s each")
    impls = {name: _start(ctx, name, args.url, exchange) for name in names}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {n: {t.key: [] for t in tests} for n in names}
    try:
        for impl in impls.values():  # warm up: connections, queues, code paths
            impl.run(("seq", 200, SMALL))
            impl.run(("tput", 16, min(duration, 1.0), SMALL))
        for round_no in range(rounds):
            for test in tests:
                # Rotate the order each round so no implementation always runs first.
                order = names[round_no % len(names) :] + names[: round_no % len(names)]
                for name in order:
                    figures = impls[name].run(test.command)
                    results[name][test.key].append(figures)
                    shown = (
                        f"p50 {figures['p50_ms']:.3f} ms"
                        if test.key == "seq"
                        else f"{figures['rate']:.0f} calls/s"
                    )
                    print(f"  round {round_no + 1} {test.key:6} {name:6} {shown}", flush=True)
    finally:
        for impl in impls.values():
            try:
                impl.conn.send(("quit",))
            except (BrokenPipeError, OSError):
                pass
            impl.client.join(10)
            for proc in (impl.client, impl.server):
                if proc.is_alive():
                    proc.terminate()
                    proc.join(5)

    _report(tests, names, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def _report(tests: list[Test], names: list[str], results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    print()
    print("## Medians across rounds")
    header = f"| test | {' | '.join(names)} |"
    print(header)
    print("|" + " --- |" * (len(names) + 1))
    for test in tests:
        if test.key == "seq":
            for stat in ("p50_ms", "p99_ms"):
                cells = [f"{_median([r[stat] for r in results[n][test.key]]):.3f} ms" for n in names]
                print(f"| {test.label}: {stat[:3]} | {' | '.join(cells)} |")
        else:
            cells = [f"{_median([r['rate'] for r in results[n][test.key]]):.0f}/s" for n in names]
            print(f"| {test.label} | {' | '.join(cells)} |")
    for test in tests:
        cells = [
            f"{_median([r['client_cpu_per_1k'] for r in results[n][test.key]]):.3f} + "
            f"{_median([r['server_cpu_per_1k'] for r in results[n][test.key]]):.3f}"
            for n in names
        ]
        print(f"| CPU s / 1,000 calls (client + server), {test.key} | {' | '.join(cells)} |")
    for test in tests:
        cells = [
            f"{_median([r.get('broker_cpu_per_1k', float('nan')) for r in results[n][test.key]]):.3f}"
            for n in names
        ]
        print(f"| broker CPU s / 1,000 calls (upper bound), {test.key} | {' | '.join(cells)} |")

    if "ember" not in names or len(names) < 2:
        return
    print()
    print("## Ember ratios (median of per-round ratios)")
    print("| test | " + " | ".join(f"Ember/{n}" for n in names if n != "ember") + " |")
    print("|" + " --- |" * len(names))
    for test in tests:
        stats = (
            [("p50_ms", "p50 latency"), ("p99_ms", "p99 latency")]
            if test.key == "seq"
            else [("rate", "throughput")]
        )
        # CPU per call of both processes: the figure least moved by other load.
        stats.append(("cpu", "CPU per call (client + server)"))
        for stat, what in stats:
            cells = []
            for other in names:
                if other == "ember":
                    continue
                ratios = [
                    _stat(e, stat) / _stat(o, stat)
                    for e, o in zip(results["ember"][test.key], results[other][test.key], strict=True)
                    if _stat(o, stat)
                ]
                cells.append(f"{_median(ratios):.2f}x")
            print(f"| {test.key} {what} | {' | '.join(cells)} |")
    _targets(results, names)


def _stat(figures: dict[str, Any], stat: str) -> float:
    if stat == "cpu":
        return float(figures["client_cpu_per_1k"] + figures["server_cpu_per_1k"])
    return float(figures[stat])


def _targets(results: dict[str, dict[str, list[dict[str, Any]]]], names: list[str]) -> None:
    def ratio(other: str, key: str, stat: str) -> float:
        pairs = zip(results["ember"][key], results[other][key], strict=True)
        return _median([e[stat] / o[stat] for e, o in pairs if o[stat]])

    print()
    print("## Targets")
    if "floor" in names:
        for key in ("c16", "c64"):
            value = ratio("floor", key, "rate")
            print(f"- throughput {key} >= 0.8x floor: {value:.2f}x {'MET' if value >= 0.8 else 'MISSED'}")
        value = ratio("floor", "seq", "p50_ms")
        print(f"- p50 latency <= 1.3x floor: {value:.2f}x {'MET' if value <= 1.3 else 'MISSED'}")
    if "oslo" in names:
        for key in ("c1", "c16", "c64", "big16"):
            value = ratio("oslo", key, "rate")
            print(
                f"- throughput {key} >= 2x oslo.messaging: {value:.2f}x {'MET' if value >= 2 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
