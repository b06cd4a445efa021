"""What the engine tells the world as a stack changes: oslo notifications and the live events fanout.

A real ``oslo_messaging.get_notification_listener`` receives the create's
start/end as Heat sends them; a fanout subscriber receives every stored
event, the same ones (and in the same shape) as the event list.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.engine.app import EngineApp
from shared.clients.engine import EngineClient
from shared.config import NotificationSettings
from shared.context import RequestContext
from shared.rpc.fanout import FanoutSubscriber
from tests.conftest import AMQP_URL, TEST_EXCHANGE
from tests.integration.engine.conftest import EngineServices

oslo_messaging = pytest.importorskip("oslo_messaging")
from oslo_config import cfg  # noqa: E402

TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "resources": {"a": {"type": "OS::Heat::None"}, "b": {"type": "OS::Heat::None", "depends_on": "a"}},
}


class Collector:
    """An oslo notification endpoint: keeps what it is given, by priority."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def _keep(
        self,
        priority: str,
        ctxt: dict[str, Any],
        publisher_id: str,
        event_type: str,
        payload: dict[str, Any],
        metadata: dict[str, Any],
    ) -> None:
        with self.lock:
            self.received.append(
                {
                    "priority": priority,
                    "ctxt": ctxt,
                    "publisher_id": publisher_id,
                    "event_type": event_type,
                    "payload": payload,
                    "metadata": metadata,
                }
            )

    # oslo's dispatcher calls the method named for each priority with the same five arguments.
    info = functools.partialmethod(_keep, "INFO")
    error = functools.partialmethod(_keep, "ERROR")

    def types(self) -> list[str]:
        with self.lock:
            return [r["event_type"] for r in self.received]


@pytest.fixture
def notification_topic() -> str:
    return f"notifications-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def oslo_listener(notification_topic: str) -> Iterator[Collector]:
    conf = cfg.ConfigOpts()
    conf([], project="ember-notifications")
    transport = oslo_messaging.get_notification_transport(
        conf, url=AMQP_URL.replace("amqp://", "rabbit://", 1)
    )
    collector = Collector()
    listener = oslo_messaging.get_notification_listener(
        transport,
        [oslo_messaging.Target(topic=notification_topic, exchange=TEST_EXCHANGE)],
        [collector],
        executor="threading",
    )
    listener.start()
    yield collector
    listener.stop()
    listener.wait()
    transport.cleanup()


@pytest.fixture
async def loud_engine(engine_services: EngineServices, notification_topic: str) -> AsyncIterator[EngineApp]:
    """An engine of its own topic that notifies (resources too) on ``notification_topic``."""
    settings = engine_services.settings.model_copy(
        update={
            "notifications": NotificationSettings(
                driver="messaging", topics=[notification_topic], resources=True, host="ember-test-host"
            ),
        }
    )
    app = EngineApp(
        settings,
        transport=engine_services.transport,
        topic=f"engine-loud-{uuid.uuid4().hex[:8]}",
        store_topic=engine_services.store_topic,
    )
    await app.start()
    yield app
    await app.stop()


async def _wait(check: Any, what: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_oslo_listener_receives_a_creates_notifications_and_the_fanout_its_events(
    engine_services: EngineServices, loud_engine: EngineApp, oslo_listener: Collector, ctx: RequestContext
) -> None:
    assert loud_engine.live_events is not None
    pushed: list[dict[str, Any]] = []
    subscriber = FanoutSubscriber(
        engine_services.transport, loud_engine.live_events.publisher.exchange, pushed.append
    )
    await subscriber.start()
    client = EngineClient(engine_services.transport, timeout=30, topic=loud_engine.topic)
    name = f"loud-{uuid.uuid4().hex[:8]}"
    try:
        identity = await client.create_stack(ctx, name, TEMPLATE, {}, {}, {"tags": "web,blue"})
        await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
        await _wait(lambda: "orchestration.stack.create.end" in oslo_listener.types(), "the end notification")
        stored = await client.list_events(ctx, identity, sort_dir="asc")
        await _wait(
            lambda: sum(len(m["events"]) if "events" in m else 1 for m in pushed) >= len(stored),
            "every stored event on the fanout",
        )
    finally:
        await subscriber.stop()

    stack_notes = [r for r in oslo_listener.received if r["event_type"].startswith("orchestration.stack.")]
    assert [r["event_type"] for r in stack_notes] == [
        "orchestration.stack.create.start",
        "orchestration.stack.create.end",
    ]
    end = stack_notes[-1]
    assert end["priority"] == "INFO"
    assert end["publisher_id"] == "orchestration.ember-test-host"
    payload = end["payload"]
    assert payload["stack_identity"] == identity["stack_id"]
    assert payload["stack_name"] == name
    assert payload["tenant_id"] == ctx.project_id
    assert payload["state"] == "CREATE_COMPLETE"
    assert payload["tags"] == ["web", "blue"]
    assert set(payload) >= {"user_id", "state_reason", "create_at", "updated_at"}
    assert end["ctxt"]["project_id"] == ctx.project_id
    assert "auth_token" not in end["ctxt"]  # the token never goes on the notification bus
    assert end["metadata"]["message_id"] and end["metadata"]["timestamp"]
    resource_notes = {r["event_type"] for r in oslo_listener.received} - {
        r["event_type"] for r in stack_notes
    }
    assert resource_notes == {"orchestration.resource.create.start", "orchestration.resource.create.end"}

    # The fanout carried each stored event once, in the list's shape, named by its stack (the
    # transitions stored in one batch in one message).
    ours = [m for m in pushed if m["stack_id"] == identity["stack_id"]]
    assert [e for m in ours for e in ([m["event"]] if "event" in m else m["events"])] == stored
    assert all(m["tenant"] == ctx.project_id and m["ancestors"] == [] for m in ours)


async def test_a_broker_refusing_notifications_does_not_fail_the_action(
    engine_services: EngineServices, loud_engine: EngineApp, ctx: RequestContext
) -> None:
    notifier = loud_engine.notifications.notifier if loud_engine.notifications else None
    assert notifier is not None

    async def refuse(body: bytes, key: str) -> None:
        raise ConnectionError("the broker refuses")

    notifier.outbox._send = refuse  # what the broker would do to every publish
    client = EngineClient(engine_services.transport, timeout=30, topic=loud_engine.topic)
    identity = await client.create_stack(ctx, f"quiet-{uuid.uuid4().hex[:8]}", TEMPLATE, {}, {}, {})
    shown = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert shown["stack_status"] == "COMPLETE"
    await _wait(lambda: notifier.outbox.dropped >= 2, "the refused notifications to be dropped")
