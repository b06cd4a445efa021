"""The outermost layer of the gateway: request id, body size limit, last-resort errors.

A pure ASGI middleware (no BaseHTTPMiddleware) so it costs one function call
per request and sees every response, including error responses produced by
FastAPI's handlers. It:

- accepts a well-formed incoming ``x-openstack-request-id`` (``req-<uuid>``)
  or makes one, binds it to ``request_id_var`` for log lines and to the
  request state for the RequestContext, and echoes it on every response;
- buffers the body up to ``api.max_body_size`` and answers 400 RequestLimitExceeded beyond it (as Heat)
  (both for a declared Content-Length and for a chunked body), so no route
  ever sees an oversized request; a body that does not arrive whole within
  ``api.body_timeout`` is answered 408 (a slow upload must not hold a
  connection and a task for ever);
- turns any exception that escapes the app into a 500 fault without a
  traceback (the traceback goes to the log);
- logs one access line per request (``services.api.access``) with its id,
  at DEBUG: ``--wait`` polls every second, and INFO is for what changes
  (run with ``logging.level: DEBUG`` to see them).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import fault_response
from shared import metrics
from shared.context import generate_request_id, request_id_var
from shared.limits import maximum

LOG = logging.getLogger(__name__)
# One line per request, carrying the request id (uvicorn's own access log cannot see it).
ACCESS_LOG = logging.getLogger("services.api.access")

REQUEST_ID_HEADER = "x-openstack-request-id"
_REQUEST_ID_RE = re.compile(
    r"req-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


class _TooLarge(Exception):
    pass


def incoming_request_id(headers: Headers) -> str:
    """The caller's request id if it is well-formed, else a fresh one (never trust free text in logs)."""
    value = headers.get(REQUEST_ID_HEADER)
    if value and _REQUEST_ID_RE.fullmatch(value):
        return value
    return generate_request_id()


def route_label(scope: Scope) -> str:
    """The matched route's template (``/v1/{tenant_id}/stacks``): bounded, unlike the paths."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class GatewayMiddleware:
    def __init__(self, app: ASGIApp, max_body_size: int, body_timeout: float = 60.0) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = incoming_request_id(headers)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = False
        status = 0
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                raw = list(message.get("headers", []))
                raw.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": raw}
            await send(message)

        try:
            try:
                async with asyncio.timeout(self.body_timeout):
                    body = await self._read_body(headers, receive)
            except TimeoutError:
                await fault_response(
                    408,
                    "HTTPRequestTimeout",
                    f"The request body did not arrive within {self.body_timeout:.0f} seconds.",
                )(scope, receive, send_with_id)
                return
            except _TooLarge:
                await fault_response(  # 400, as Heat answers RequestLimitExceeded
                    400,
                    "RequestLimitExceeded",
                    "Request limit exceeded: the request body exceeds "
                    + maximum(self.max_body_size, "bytes", "api", "max_body_size")
                    + ".",
                )(scope, receive, send_with_id)
                return
            except ValueError:
                await fault_response(400, "HTTPBadRequest", "Invalid Content-Length header.")(
                    scope, receive, send_with_id
                )
                return
            await self.app(scope, _replay(body, receive), send_with_id)
        except Exception:
            LOG.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await fault_response(
                500, "HTTPInternalServerError", "The server failed to complete the request."
            )(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - began
            route = route_label(scope)
            method = str(scope.get("method"))
            metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
            metrics.HTTP_SECONDS.labels(route, method).observe(elapsed)
            if ACCESS_LOG.isEnabledFor(logging.DEBUG):
                ACCESS_LOG.debug("%s %s %s %.1fms", method, scope.get("path"), status, elapsed * 1000)
            request_id_var.reset(token)

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        declared = headers.get("content-length")
        if declared is not None:
            size = int(declared)  # ValueError -> 400
            if size < 0:
                raise ValueError(declared)
            if size > self.max_body_size:
                raise _TooLarge
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # disconnect: let the app see an empty body
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_size:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive callable that hands the buffered body over once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
