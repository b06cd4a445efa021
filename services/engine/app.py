"""The engine's composition root and lifecycle: wire the layers, connect, serve; drain on stop.

Wiring (the only module that knows every layer): store client -> repository
(+ plugin registry) -> lock and action runner -> use cases (``StackOps``)
-> the nested-stack host given to plugins -> the RPC endpoint.
Start: bus, store client, plugin registry, RPC server on ``engine`` and
``engine.<engine_id>`` (competing consumers; the second queue is for calls to
this engine alone: liveness and stop), then fail the stacks that dead
engines left IN_PROGRESS. Stop: stop taking requests and let in-flight ones
reply, let running stack actions finish up to the grace period and fail
the rest, then close the bus connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from services.engine.endpoints.actions import API_VERSION, EngineService
from services.engine.endpoints.admission import admit
from services.engine.endpoints.live_events import LiveEvents
from services.engine.endpoints.notifications import StackNotifications
from services.engine.endpoints.software import SoftwareService
from services.engine.endpoints.stats import EngineStats, StackCounts
from services.engine.endpoints.templates import TemplateQueries
from services.engine.lifecycle.heartbeat import Heartbeat
from services.engine.lifecycle.nested import NestedStackHost
from services.engine.lifecycle.ops import StackOps
from services.engine.lifecycle.update import StackUpdater
from services.engine.model.stack import Stack
from services.engine.persistence.repository import StackRepository
from services.engine.resources import ResourceHost, default_registry
from services.engine.runtime.locks import StackLock
from services.engine.runtime.runner import ActionRunner
from shared import metrics
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import Settings, signal_api_url
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import RPCClient, RPCServer, Target, Transport
from shared.rpc.fanout import FanoutPublisher

LOG = logging.getLogger(__name__)


class EngineApp:
    def __init__(
        self,
        settings: Settings,
        transport: Transport | None = None,
        topic: str | None = None,
        store_topic: str | None = None,
        engine_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.topic = topic or settings.rpc.engine_topic
        self.store_topic = store_topic or settings.rpc.store_topic
        self.engine_id = engine_id or settings.engine.engine_id or str(uuid.uuid4())
        self.transport = transport
        self._owns_transport = transport is None
        self.server: RPCServer | None = None
        self.control_server: RPCServer | None = None
        self._housekeeping: asyncio.Task[None] | None = None
        self.heartbeat: Heartbeat | None = None
        self._resetting = asyncio.Lock()
        self.ops: StackOps | None = None
        self.service: EngineService | None = None
        self.notifications: StackNotifications | None = None
        self.live_events: LiveEvents | None = None
        self.stack_counts: StackCounts | None = None
        self.metrics: metrics.MetricsListener | None = None

    async def is_alive(self, engine_id: str) -> bool:
        """Whether the engine holding a lock answers on its own queue in time."""
        assert self.transport is not None
        client = EngineClient(self.transport, topic=self.topic)
        try:
            return await client.listening(
                RequestContext.admin(),
                engine_id=engine_id,
                timeout=self.settings.engine.lock_liveness_timeout,
            )
        except EmberError:
            return False

    async def stop_remote(self, ctxt: RequestContext, engine_id: str, stack_id: str, reason: str) -> None:
        """Ask the engine running a stack's action to cancel it, and wait for it to finish."""
        assert self.transport is not None
        target = Target(topic=self.topic, server=engine_id, version=API_VERSION)
        try:
            await RPCClient(self.transport, target, timeout=25).call(
                ctxt, "stop_stack", stack_id=stack_id, reason=reason
            )
        except EmberError as exc:
            LOG.warning("engine %s did not stop stack %s: %s", engine_id, stack_id, exc)

    async def start(self) -> None:
        if self.transport is None:
            self.transport = await Transport.connect(self.settings.rpc, service="engine")
        settings = self.settings.engine
        store = StoreClient(self.transport, timeout=settings.store_timeout, topic=self.store_topic)
        repo = StackRepository(store, default_registry(), settings)
        self._observe(repo)
        runner = ActionRunner(StackLock(store, self.engine_id, self.is_alive))
        ops = StackOps(repo, runner, settings, self.engine_id, self.is_alive, self.stop_remote)
        updater = StackUpdater(ops)
        api_url = signal_api_url(self.settings)

        def host_for(stack: Stack) -> ResourceHost:
            return NestedStackHost(stack, ops, updater, api_url)

        repo.host_factory = host_for
        self.ops = ops
        self.service = EngineService(ops, updater)
        target = Target(topic=self.topic, server=self.engine_id)
        # Two servers: the shared queue (work) stops first on shutdown; this
        # engine's own queue (liveness, stop_stack) answers until its actions
        # are drained, so no other engine takes it for dead while it finishes.
        endpoints = [self.service, TemplateQueries(repo.registry), SoftwareService(store)]
        self.server = RPCServer(
            self.transport, target, endpoints, concurrency=settings.concurrency, admit=admit
        )
        self.control_server = RPCServer(
            self.transport, target, endpoints, concurrency=16, server_queue_only=True, admit=admit
        )
        await self.control_server.start()
        await self.server.start()
        self.heartbeat = Heartbeat(
            store,
            self.engine_id,
            self.topic,
            settings.heartbeat_interval,
            liveness_timeout=settings.liveness_timeout,
            on_peer_lost=lambda _engines: self._reset_stale(),
        )
        await self.heartbeat.start()
        await self._reset_stale()
        if self.settings.metrics.enabled:
            self.stack_counts = StackCounts(store, interval=15.0)
            self.stack_counts.start()
            self.metrics = metrics.MetricsListener(
                self.settings.metrics.bind_host, self.settings.metrics.engine_port
            )
            self.metrics.start()
        if settings.stale_check_interval > 0:
            self._housekeeping = asyncio.create_task(self._reset_periodically(settings.stale_check_interval))
        LOG.info("engine %s serving topic %s", self.engine_id, self.topic)

    def _observe(self, repo: StackRepository) -> None:
        """What hears of each stored transition: notifications, the live events fanout, metrics."""
        assert self.transport is not None
        self.notifications = StackNotifications(self.transport, self.settings.notifications)
        self.notifications.notifier.outbox.on_drop = metrics.BUS_DROPPED.labels("engine", "notification").inc
        self.live_events = LiveEvents(FanoutPublisher(self.transport, self.settings.events_exchange()))
        self.live_events.publisher.outbox.on_drop = metrics.BUS_DROPPED.labels("engine", "event").inc
        self.live_events.publisher.outbox.start()
        if self.notifications.notifier.enabled:
            self.notifications.notifier.outbox.start()
        repo.observers.add(self.notifications)
        repo.observers.add(self.live_events)
        repo.observers.add(EngineStats())

    async def _reset_stale(self) -> None:
        """One pass at a time (the periodic check and a lost heartbeat may both ask): two passes
        would each take this engine's own lock on the same stack for stale."""
        assert self.ops is not None
        async with self._resetting:
            try:
                metrics.STALE_RESETS.inc(await self.ops.reset_stale())
            except EmberError as exc:
                LOG.error("could not check for stacks left by dead engines: %s", exc)

    async def _reset_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._reset_stale()

    async def stop(self) -> None:
        grace = self.settings.engine.graceful_stop_timeout
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            await asyncio.gather(self._housekeeping, return_exceptions=True)
            self._housekeeping = None
        if self.server is not None:
            await self.server.stop(grace)
            self.server = None
        if self.heartbeat is not None:
            await self.heartbeat.stop()
            self.heartbeat = None
        if self.ops is not None:
            await self.ops.runner.stop(grace)
        if self.stack_counts is not None:
            await self.stack_counts.stop()
            self.stack_counts = None
        if self.metrics is not None:
            self.metrics.stop()
            self.metrics = None
        for outward in (self.notifications, self.live_events):
            if outward is not None:
                await outward.close()  # what the drained actions said goes out before the bus closes
        self.notifications = self.live_events = None
        if self.control_server is not None:
            await self.control_server.stop(5)
            self.control_server = None
        if self._owns_transport and self.transport is not None:
            await self.transport.close()
            self.transport = None

    async def __aenter__(self) -> EngineApp:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
