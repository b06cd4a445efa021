"""Per-request dependencies: the gateway's state, the caller's context, a stack's identity.

Routes declare what they need (``Ctx``, ``Engine``, ``Base``) and stay free
of plumbing. Stack-scoped routes resolve ``{stack_name}/{stack_id}`` here,
including Heat's lookup form where the id slot holds a sub-path word
(``/stacks/web/resources`` -> 302 to ``/stacks/web/<id>/resources``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from services.api.auth import authenticate
from services.api.live import EventHub
from services.api.views import identity_url
from shared.clients.engine import EngineClient, identity
from shared.config import Settings
from shared.context import RequestContext
from shared.rpc import Transport
from shared.rpc.presence import DEFAULT_GRACE, Presence

# Words that may follow a stack *name* in a lookup URL: Heat's (resources, events,
# template, actions, environment, files) and every other sub-route of a stack, so a
# name-only URL redirects whatever it asks for. Stack ids are UUIDs, never one of these.
LOOKUP_WORDS = frozenset(
    {
        "resources",
        "events",
        "template",
        "outputs",
        "environment",
        "files",
        "actions",
        "abandon",
        "export",
        "preview",
        "snapshots",
    }
)


@dataclass
class GatewayState:
    """Everything the gateway holds: configuration and the bus (no stack state, ever)."""

    settings: Settings
    transport: Transport | None
    engine: EngineClient | None
    engine_topic: str
    store_topic: str = "store"
    presence: Presence | None = None
    hub: EventHub | None = None  # the live events fanout (started by the first stream)

    def close_streams(self) -> None:
        """End every live event stream (the server is stopping; their clients reconnect)."""
        if self.hub is not None:
            self.hub.close_all()

    @property
    def grace(self) -> float:
        """Seconds nothing may consume a topic before that is an outage (never beyond the
        configured engine_unavailable_timeout)."""
        return min(DEFAULT_GRACE, self.settings.api.engine_unavailable_timeout)

    def service_of(self, topic: object) -> str:
        """Which service a topic (or ``<topic>.<server>`` key) belongs to, for error texts."""
        name = str(topic)
        for service, own in (("engine", self.engine_topic), ("store", self.store_topic)):
            if name == own or name.startswith(own + "."):
                return service
        return f"service on topic {name!r}"


class LookupRedirect(Exception):
    """Raised by a dependency to answer 302; the app turns it into a RedirectResponse."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def redirect_response(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=302)


def get_state(request: Request) -> GatewayState:
    # Plain function, called directly; the Depends() ones below are async so that
    # FastAPI does not hand them to its thread pool (a thread hop per request).
    state: GatewayState = request.app.state.gateway
    return state


async def get_engine_only(request: Request) -> EngineClient:
    """The engine client, for routes the engine answers without the store (validate, types)."""
    engine = get_state(request).engine
    if engine is None:  # only before the lifespan connected the bus
        raise RuntimeError("the gateway is not connected to the bus")
    return engine


async def get_engine(request: Request) -> EngineClient:
    """The engine client, once an engine and a store are known to be up (the broker's
    consumer counts, cached briefly): with either missing the caller gets 503 naming it
    at once, not the engine's timeout later."""
    engine = await get_engine_only(request)
    state = get_state(request)
    if state.presence is not None:
        await state.presence.require(state.engine_topic, "engine", state.grace)
        await state.presence.require(state.store_topic, "store", state.grace)
    return engine


async def get_base(request: Request) -> str:
    """The absolute base URL links and Location headers start with (public_url wins)."""
    public = get_state(request).settings.api.public_url
    if public:
        return public.rstrip("/")
    return str(request.base_url).rstrip("/")


async def get_context(request: Request, tenant_id: str) -> RequestContext:
    return authenticate(get_state(request).settings.api, request, tenant_id)


Ctx = Annotated[RequestContext, Depends(get_context)]
Engine = Annotated[EngineClient, Depends(get_engine)]
EngineOnly = Annotated[EngineClient, Depends(get_engine_only)]
Base = Annotated[str, Depends(get_base)]


def query_filters(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    """Repeated query parameters become lists, single ones stay strings, as Heat's filters."""
    filters: dict[str, Any] = {}
    for name in names:
        values = request.query_params.getlist(name)
        if values:
            filters[name] = values[0] if len(values) == 1 else values
    return filters


async def lookup_location(
    engine: EngineClient, ctx: RequestContext, base: str, request: Request, stack_name: str, tail: str = ""
) -> str:
    """Name or id -> the absolute canonical URL of the stack, plus ``tail`` and the query string."""
    ident = await engine.identify_stack(ctx, stack_name)
    location = identity_url(base, ident) + quote(tail, safe="/")
    if request.url.query:
        location += "?" + request.url.query
    return location


def tail_after(request: Request, tenant_id: str, stack_name: str) -> str:
    """The part of the request path after ``/v1/{tenant}/stacks/{stack_name}`` (for lookup redirects)."""
    path = request.url.path
    prefix = f"/v1/{tenant_id}/stacks/{stack_name}"
    start = path.find(prefix)
    return path[start + len(prefix) :] if start >= 0 else ""


async def get_stack_identity(
    request: Request, tenant_id: str, stack_name: str, stack_id: str, ctx: Ctx, engine: Engine, base: Base
) -> dict[str, Any]:
    """The identity named by the path, or a LookupRedirect when the id slot is a sub-path word."""
    if stack_id in LOOKUP_WORDS:
        location = await lookup_location(
            engine, ctx, base, request, stack_name, tail_after(request, tenant_id, stack_name)
        )
        raise LookupRedirect(location)
    return dict(identity(tenant_id, stack_name, stack_id))


StackIdentity = Annotated[dict[str, Any], Depends(get_stack_identity)]
