"""``python -m services.healthcheck store|engine|api``: is this part of Ember answering? Exit 0 or 1.

Container healthchecks (compose.yaml) and ``ember up`` run it. The store and
the engine have no HTTP port, so they are asked over the bus the way their
callers ask them: the store answers ``ping``, an engine answers
``listening``. The api is asked over HTTP (``GET /healthz``, which itself
needs the bus and an engine). Every step has a deadline, so a check never
hangs a container runtime. It lives beside the services, not in one of
them, and uses only ``shared/`` (settings, clients) — it imports no service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import httpx

from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import Settings, load_settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport

TARGETS = ("store", "engine", "api")


async def check_bus(settings: Settings, target: str, timeout: float, server: str | None = None) -> str:
    """Ask the store (``ping``) or an engine (``listening``) over the bus; raises on no answer."""
    # Run in the service container it checks, as that service (its broker user, its reply queues).
    transport = await asyncio.wait_for(Transport.connect(settings.rpc, service=target), timeout)
    try:
        ctxt = RequestContext.admin()
        if target == "store":
            store = StoreClient(transport, timeout=timeout, topic=settings.rpc.store_topic, server=server)
            answer = await asyncio.wait_for(store.ping(ctxt), timeout)
            return f"store answered ping: {answer}"
        engine = EngineClient(transport, timeout=timeout, topic=settings.rpc.engine_topic)
        if not await asyncio.wait_for(engine.listening(ctxt, engine_id=server, timeout=timeout), timeout):
            raise EmberError("the engine answered that it is not listening")
        return f"engine {server or '(any)'} is listening"
    finally:
        await transport.close()


def check_api(settings: Settings, timeout: float, url: str | None = None) -> str:
    """GET /healthz on the gateway; raises unless it answers 200."""
    if url is None:
        host = settings.api.bind_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"  # a wildcard bind is reachable on loopback
        url = f"http://{host}:{settings.api.bind_port}"
    resp = httpx.get(f"{url.rstrip('/')}/healthz", timeout=timeout)
    if resp.status_code != 200:
        raise EmberError(f"/healthz answered {resp.status_code}: {resp.text[:200]}")
    return f"api at {url} is healthy"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.healthcheck",
        description="Exit 0 when the named part of Ember answers in time, else 1.",
    )
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--config-file", help="YAML settings (default: $EMBER_CONFIG_FILE)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer")
    parser.add_argument("--server", help="ask one replica by its server id (store/engine)")
    parser.add_argument("--url", help="the gateway's base URL (api; default: from the api settings)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config_file)
        if args.target == "api":
            message = check_api(settings, args.timeout, args.url)
        else:
            message = asyncio.run(check_bus(settings, args.target, args.timeout, args.server))
    except (EmberError, TimeoutError, httpx.HTTPError, OSError) as exc:
        if not args.quiet:
            print(f"unhealthy: {args.target}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
