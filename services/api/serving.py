"""Serving the gateway with uvicorn, hardened against clients that hold connections.

uvicorn by itself waits forever for a request head that trickles in (or
never comes: its keep-alive timer only runs between requests, and stops at
the first byte of the next one), and accepts any number of connections. A
few hundred slow-loris connections then pin the process. So the h11
protocol is extended with:

- a deadline for each request head (``api.header_timeout``), from the
  connection's start or the end of the previous response, that trickling
  bytes do not extend; a connection that misses it is closed;
- a cap on open connections (``api.max_connections``): one more is answered
  503 and closed at once;

and uvicorn's own limits are set from the settings: idle keep-alive
(``api.keep_alive_timeout``) and head size (``api.max_header_size``). The
body has its deadline in the gateway middleware (``api.body_timeout``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from shared.config import ApiSettings

LOG = logging.getLogger(__name__)

_BUSY_BODY = (
    b'{"code": 503, "title": "Service Unavailable", "explanation": "Too many open connections.", '
    b'"error": {"type": "HTTPServiceUnavailable", "message": "Try again later.", "traceback": null}}'
)
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n"
)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head deadline and a connection cap.

    Configured by subclassing (``protocol_for``): uvicorn builds one protocol
    object per connection from a class and its own Config.
    """

    header_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            LOG.warning("refusing a connection: %d are open (api.max_connections)", len(self.connections) - 1)
            transport.write(_BUSY + _BUSY_BODY)
            transport.close()
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a whole request head arrived
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        # Armed before uvicorn looks at pipelined bytes, which may start the next request now.
        self._arm_head_timer()
        super().on_response_complete()

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._on_head_timeout)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _on_head_timeout(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered
        LOG.info(
            "closing a connection from %s: no whole request head within %.0fs",
            self.client,
            self.header_timeout,
        )
        self.transport.close()


def protocol_for(api: ApiSettings) -> type[GuardedH11Protocol]:
    """A protocol class carrying ``api``'s limits."""
    return type(
        "ConfiguredH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": api.header_timeout, "max_connections": api.max_connections},
    )


class GatewayServer(uvicorn.Server):
    """uvicorn's server, which first ends the live event streams when it stops.

    uvicorn waits for every response to finish before it stops, and a stream
    of a stack in progress does not finish by itself: ``before_shutdown``
    (the hub's ``close_all``) ends them, and their clients reconnect, with
    Last-Event-ID, to whichever gateway answers next.
    """

    def __init__(self, config: uvicorn.Config, before_shutdown: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._before_shutdown = before_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._before_shutdown is not None:
            self._before_shutdown()
        await super().shutdown(sockets)


def uvicorn_config(app: Any, api: ApiSettings, **overrides: Any) -> uvicorn.Config:
    """uvicorn's Config for the gateway, with the hardening above.

    log_config=None keeps our handler (with request ids) instead of uvicorn's; the
    gateway writes its own access lines (services.api.access), so uvicorn's are off.
    """
    options: dict[str, Any] = {
        "host": api.bind_host,
        "port": api.bind_port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "http": protocol_for(api),
        "timeout_keep_alive": api.keep_alive_timeout,
        "h11_max_incomplete_event_size": api.max_header_size,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
