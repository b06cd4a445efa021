"""The gateway's app factory: routes, error handlers, middleware, and the bus lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from services.api import ui
from services.api.deps import GatewayState, LookupRedirect, redirect_response
from services.api.errors import install_error_handlers
from services.api.live import EventHub
from services.api.middleware import GatewayMiddleware
from services.api.routes import (
    events,
    lookup,
    misc,
    resources,
    software,
    stack_detail,
    stacks,
    templates,
)
from shared.clients.engine import ENGINE_TOPIC, EngineClient
from shared.config import Settings
from shared.rpc import Transport
from shared.rpc.presence import FailFast, Presence

LOG = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    transport: Transport | None = None,
    engine_topic: str | None = None,
    store_topic: str | None = None,
) -> FastAPI:
    """A Heat v1-compatible gateway; connects (and later closes) its own transport unless given one.

    ``engine_topic`` and ``store_topic`` default to ``rpc.engine_topic`` ("engine") and
    ``rpc.store_topic`` ("store"); the gateway never calls the store, it only asks the
    broker whether one consumes its topic (to fail fast and for /healthz).
    """
    engine_topic = engine_topic or getattr(settings.rpc, "engine_topic", None) or ENGINE_TOPIC
    state = GatewayState(
        settings=settings,
        transport=transport,
        engine=None,
        engine_topic=engine_topic,
        store_topic=store_topic or settings.rpc.store_topic,
    )
    if transport is not None:
        _connect(state, transport)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        owned = state.transport is None
        if owned:
            _connect(state, await Transport.connect(settings.rpc, service="api"))
            assert state.transport is not None
            LOG.info("connected to %s", state.transport.safe_url)
        if owned and state.hub is not None:
            await state.hub.start()  # this process's queue on the events fanout, from the start
        try:
            yield
        finally:
            if state.hub is not None:
                await state.hub.stop()
            if owned and state.transport is not None:
                await state.transport.close()
                state.transport = None
                state.engine = None
                state.presence = None

    # /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline
    # package (under /static-offline-docs), not from a CDN: they work offline.
    app = FastAPIOffline(
        title="Ember orchestration API",
        version="1.0",
        description="OpenStack Heat v1-compatible orchestration API.",
        lifespan=lifespan,
    )
    app.state.gateway = state
    install_error_handlers(app)

    async def on_redirect(_request: object, exc: Exception) -> object:
        assert isinstance(exc, LookupRedirect)
        return redirect_response(exc.location)

    app.add_exception_handler(LookupRedirect, on_redirect)  # type: ignore[arg-type]
    app.include_router(misc.root)
    app.include_router(stack_detail.router)  # before /stacks/{stack_name} would take "detail"
    app.include_router(stacks.router)
    app.include_router(resources.router)
    app.include_router(events.router)
    app.include_router(misc.router)
    app.include_router(templates.router)
    app.include_router(software.router)
    app.include_router(stacks.fallback)
    app.include_router(lookup.router)
    app.include_router(ui.router)  # the dashboard at /ui (its own package)
    app.add_middleware(
        GatewayMiddleware, max_body_size=settings.api.max_body_size, body_timeout=settings.api.body_timeout
    )
    return app


def _connect(state: GatewayState, transport: Transport) -> None:
    """Wire the bus into the gateway: an engine client that fails fast when no engine listens."""
    api = state.settings.api
    state.transport = transport
    state.presence = Presence(transport)
    state.hub = EventHub(transport, state.settings)
    state.engine = EngineClient(
        transport,
        timeout=api.engine_timeout,
        topic=state.engine_topic,
        fail_fast=FailFast(state.presence, "engine", api.engine_unavailable_timeout, grace=state.grace),
    )
