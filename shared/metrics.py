"""Every Prometheus metric Ember exports, in one place (the README lists the same names).

The services increment these; nothing here knows what a stack is beyond the
label values it is handed. All live in prometheus_client's default registry,
so one process running several services (the tests, ``ember up`` in one
process) still exports each series once, told apart by the ``service``
label. ``serve`` starts the engine's and the store's own listener; the api
answers ``GET /metrics`` itself (``render``).
"""

from __future__ import annotations

import logging
import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

LOG = logging.getLogger(__name__)

# --- the bus (every service) -------------------------------------------------------------------

RPC_REQUESTS = Counter(
    "ember_rpc_server_requests",
    "RPC requests served, by service (topic), method and result (ok, error: the reply carried a failure).",
    ["service", "method", "result"],
)
RPC_SECONDS = Histogram(
    "ember_rpc_server_request_seconds",
    "Seconds from taking an RPC request to having its result, by service and method.",
    ["service", "method"],
)
RPC_IN_FLIGHT = Gauge("ember_rpc_server_in_flight", "RPC requests being served now.", ["service"])
RECONNECTS = Counter("ember_rpc_reconnects", "Broker connections lost and made again.", ["service"])
BUS_DROPPED = Counter(
    "ember_bus_messages_dropped",
    "Notifications and live events not sent (the broker refused them or was away too long).",
    ["service", "kind"],
)

# --- the engine --------------------------------------------------------------------------------

STACKS = Gauge(
    "ember_engine_stacks",
    "Live stacks (nested ones included) by action and status, as stored.",
    ["action", "status"],
)
STACK_ACTION_SECONDS = Histogram(
    "ember_engine_stack_action_seconds",
    "Seconds a stack action took, from IN_PROGRESS to COMPLETE or FAILED, by action and outcome.",
    ["action", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
RESOURCES_ACTED = Counter(
    "ember_engine_resources_acted_on",
    "Resource actions finished (COMPLETE or FAILED), by action and status.",
    ["action", "status"],
)
LOCK_STEALS = Counter("ember_engine_lock_steals", "Stack locks taken from engines that did not answer.")
STALE_RESETS = Counter(
    "ember_engine_stale_stack_resets", "Stacks failed because the engine running them died."
)

# --- the store ---------------------------------------------------------------------------------

STORE_TRANSACTIONS = Counter(
    "ember_store_transactions",
    "Store transactions (one per RPC method call), by method and result.",
    ["method", "result"],
)
STORE_SECONDS = Histogram(
    "ember_store_transaction_seconds", "Seconds a store transaction took, by method.", ["method"]
)
DB_POOL = Gauge(
    "ember_store_db_pool_connections",
    "Database pool connections by state (size, checked_out, overflow).",
    ["state"],
)

# --- the api -----------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "ember_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "ember_http_request_seconds",
    "Seconds to answer an HTTP request, by route template and method.",
    ["route", "method"],
)
STREAM_CLIENTS = Gauge("ember_event_stream_clients", "Clients reading a live event stream now.")
STREAM_OVERRUNS = Counter("ember_event_stream_overruns", "Stream clients cut off for falling too far behind.")


def render() -> tuple[bytes, str]:
    """(body, content type) of a scrape of this process."""
    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsListener:
    """The engine's or the store's ``/metrics`` on its own port (a thread of prometheus_client)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen; a port that cannot be had is logged, never fatal (metrics are no reason to stop)."""
        try:
            self._server, self._thread = start_http_server(self.port, self.host)
        except OSError as exc:
            LOG.error(
                "metrics: cannot listen on %s:%d (%s); no metrics from this process",
                self.host,
                self.port,
                exc,
            )
            return
        self.port = self._server.server_port
        LOG.info("metrics on http://%s:%d/metrics", self.host, self.port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
