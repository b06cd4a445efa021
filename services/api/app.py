"""The gateway's app factory: routes, error handlers, middleware, and the bus lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from services.api.deps import GatewayState, LookupRedirect, redirect_response
from services.api.errors import install_error_handlers
from services.api.middleware import GatewayMiddleware
from services.api.routes import (
    events,
    lookup,
    misc,
    resources,
    stack_detail,
    stacks,
    templates,
    unimplemented,
)
from shared.clients.engine import ENGINE_TOPIC, EngineClient
from shared.config import Settings
from shared.rpc import Transport

LOG = logging.getLogger(__name__)


def create_app(
    settings: Settings, transport: Transport | None = None, engine_topic: str | None = None
) -> FastAPI:
    """A Heat v1-compatible gateway; connects (and later closes) its own transport unless given one.

    ``engine_topic`` defaults to ``rpc.engine_topic`` ("engine").
    """
    engine_topic = engine_topic or getattr(settings.rpc, "engine_topic", None) or ENGINE_TOPIC
    state = GatewayState(settings=settings, transport=transport, engine=None, engine_topic=engine_topic)
    if transport is not None:
        state.engine = EngineClient(transport, timeout=settings.api.engine_timeout, topic=engine_topic)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        owned = state.transport is None
        if owned:
            state.transport = await Transport.connect(settings.rpc)
            state.engine = EngineClient(
                state.transport, timeout=settings.api.engine_timeout, topic=engine_topic
            )
            LOG.info("connected to %s", state.transport.safe_url)
        try:
            yield
        finally:
            if owned and state.transport is not None:
                await state.transport.close()
                state.transport = None
                state.engine = None

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
    app.include_router(unimplemented.router)  # after the real routes: a route implemented elsewhere wins
    app.include_router(stacks.fallback)
    app.include_router(lookup.router)
    app.add_middleware(GatewayMiddleware, max_body_size=settings.api.max_body_size)
    return app
