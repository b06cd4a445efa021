"""One RabbitMQ user per service (shared.rpc.permissions), on the real broker.

The definitions are imported with ``rabbitmqctl import_definitions`` into a
vhost of their own, with this run's exchange and topic names; then a store,
an engine and an api-side client each log in as their own user. The api
user reaches the engines but not the store; the store honours admin only
from the engines' user (by the AMQP user_id RabbitMQ checks).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import aiormq
import pytest
from yarl import URL

from services.cli.broker_users import import_definitions
from services.engine.app import EngineApp
from services.healthcheck import check_bus
from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.exceptions import MessagingError
from shared.rpc import Transport
from shared.rpc.permissions import SERVICES, api_exchange, definitions, live_events_exchange
from shared.rpc.presence import Presence
from shared.rpc.transport import Delivery
from tests.conftest import AMQP_URL

VHOST = "ember-test-permissions"
QUICK = {"heat_template_version": "2021-04-16", "resources": {"n": {"type": "OS::Heat::None"}}}


def _url(user: str, password: str) -> str:
    base = URL(AMQP_URL)
    return str(base.with_user(user).with_password(password).with_path(f"/{VHOST}"))


@pytest.fixture(scope="module")
def users() -> tuple[RpcSettings, dict[str, str]]:
    """This run's bus names and, per service (and an ``intruder``), the broker URL to log in with."""
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to create the broker users (it comes with RabbitMQ)")
    tag = uuid.uuid4().hex[:8]
    rpc = RpcSettings(
        control_exchange=f"perm-{tag}", engine_topic=f"perm-engine-{tag}", store_topic=f"perm-store-{tag}"
    )
    logins = {s: (f"ember-test-{s}", secrets.token_hex(12)) for s in SERVICES}
    doc = definitions(rpc, VHOST, logins)
    # An intruder with every right the engines have, but not the engines' user.
    intruder = ("ember-test-intruder", secrets.token_hex(12))
    engine_user = logins["engine"][0]
    doc["users"].append({**next(u for u in doc["users"] if u["name"] == engine_user), "name": intruder[0]})
    doc["users"][-1]["password_hash"] = definitions(rpc, VHOST, {"api": intruder})["users"][0][
        "password_hash"
    ]
    for key in ("permissions", "topic_permissions"):
        doc[key].append({**next(p for p in doc[key] if p["user"] == engine_user), "user": intruder[0]})
    import_definitions(doc)  # what ``ember broker-users --apply`` runs
    urls = {s: _url(*login) for s, login in logins.items()}
    urls["intruder"] = _url(*intruder)
    return rpc, urls


def _rpc(base: RpcSettings, url: str) -> RpcSettings:
    update: dict[str, Any] = {"transport_url": url, "rpc_response_timeout": 10}
    if "ember-test-api:" in url:  # the api's user sends to its own exchange and declares none
        update |= {"publish_exchange": api_exchange(base), "declare_exchanges": False}
    return base.model_copy(update=update)


@pytest.fixture
async def deployment(
    users: tuple[RpcSettings, dict[str, str]], tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    rpc, urls = users
    database = {"url": f"sqlite+aiosqlite:///{tmp_path / 'ember.sqlite'}"}

    def settings(service: str) -> Settings:
        return Settings(
            rpc=_rpc(rpc, urls[service]),
            database=database,
            store={"auth_encryption_key": generate_key(), "trusted_broker_users": ["ember-test-engine"]},
            engine={"lock_liveness_timeout": 1.0, "graceful_stop_timeout": 2.0},
            notifications={"driver": "messaging"},
        )

    store = StoreService(settings("store"))
    await store.start()
    engine = EngineApp(settings("engine"))
    await engine.start()
    transports = {
        s: await Transport.connect(_rpc(rpc, urls[s]), service="engine" if s == "intruder" else s)
        for s in ("api", "engine", "intruder")
    }
    try:
        yield {"rpc": rpc, "transports": transports}
    finally:
        for transport in transports.values():
            await transport.close()
        await engine.stop()
        await store.stop()


async def test_each_service_as_its_own_user_runs_a_stack(deployment: dict[str, Any]) -> None:
    rpc, transports = deployment["rpc"], deployment["transports"]
    ctx = RequestContext(project_id="perm-demo", user_id="u", request_id="req-perm-1")
    engine = EngineClient(transports["api"], timeout=10, topic=rpc.engine_topic)
    identity = await engine.create_stack(ctx, "as-own-users", QUICK)
    for _ in range(100):
        stack = (await engine.show_stack(ctx, identity))[0]
        if stack["stack_status"] != "IN_PROGRESS":
            break
    assert (stack["stack_action"], stack["stack_status"]) == ("CREATE", "COMPLETE")


async def test_the_api_user_cannot_reach_the_store(deployment: dict[str, Any]) -> None:
    rpc, transports = deployment["rpc"], deployment["transports"]
    presence = Presence(transports["api"])  # what /healthz asks: may the api see who consumes?
    assert await presence.consumers(rpc.store_topic) == 1
    assert await presence.consumers(rpc.engine_topic) == 1
    store = StoreClient(transports["api"], timeout=3, topic=rpc.store_topic)
    with pytest.raises(MessagingError, match=r"ACCESS_REFUSED.*ember-test-api"):
        await store.ping(RequestContext.admin())  # at once, not after the call's timeout
    # The refusal closed a channel; the transport carries on with what the user may do.
    engine = EngineClient(transports["api"], timeout=10, topic=rpc.engine_topic)
    assert await engine.list_stacks(RequestContext(project_id="perm-none", user_id="u")) == []


async def test_the_store_honours_admin_only_from_the_engines_user(deployment: dict[str, Any]) -> None:
    rpc, transports = deployment["rpc"], deployment["transports"]
    owner = RequestContext(project_id="perm-owner", user_id="u")
    engine = EngineClient(transports["api"], timeout=10, topic=rpc.engine_topic)
    identity = await engine.create_stack(owner, f"owned-{uuid.uuid4().hex[:6]}", QUICK)
    as_engine = StoreClient(transports["engine"], timeout=5, topic=rpc.store_topic)
    as_intruder = StoreClient(transports["intruder"], timeout=5, topic=rpc.store_topic)
    seen = {s.id for s in await as_engine.stack_get_all(RequestContext.admin())}
    assert identity["stack_id"] in seen
    claimed = RequestContext.admin(project_id="perm-intruder")
    assert identity["stack_id"] not in {s.id for s in await as_intruder.stack_get_all(claimed)}


async def test_each_service_passes_its_container_healthcheck_as_its_own_user(
    deployment: dict[str, Any], users: tuple[RpcSettings, dict[str, str]]
) -> None:
    rpc, urls = users
    for target in ("store", "engine"):
        settings = Settings(rpc=_rpc(rpc, urls[target]))
        assert await check_bus(settings, target, timeout=5)


async def test_the_api_user_can_neither_delete_the_exchange_nor_dead_letter_into_it(
    deployment: dict[str, Any], users: tuple[RpcSettings, dict[str, str]]
) -> None:
    rpc, urls = users
    connection = await aio_pika.connect(urls["api"])
    try:
        channel = await connection.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await channel.exchange_delete(rpc.control_exchange)
        channel = await connection.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await channel.declare_queue(
                f"reply_{uuid.uuid4().hex}",
                auto_delete=True,
                arguments={
                    "x-dead-letter-exchange": rpc.control_exchange,
                    "x-dead-letter-routing-key": rpc.store_topic,
                },
            )
        # Nor touch another service's reply queue (declare it to read, or delete it).
        for attempt in ("declare", "delete"):
            channel = await connection.channel()
            with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
                if attempt == "declare":
                    await channel.declare_queue(f"reply_engine_{uuid.uuid4().hex}", auto_delete=True)
                else:
                    await channel.queue_delete(f"reply_engine_{uuid.uuid4().hex}")
        channel = await connection.channel(publisher_confirms=True)
        own = await channel.get_exchange(api_exchange(rpc), ensure=True)
        with pytest.raises(
            aiormq.exceptions.ChannelAccessRefused
        ):  # the store's key, even on its own exchange
            await own.publish(aio_pika.Message(b"{}"), routing_key=rpc.store_topic)
    finally:
        await connection.close()


async def test_live_events_and_notifications_flow_under_least_privilege(
    deployment: dict[str, Any], users: tuple[RpcSettings, dict[str, str]]
) -> None:
    """The api's user hears the engines' live events; the engines' user sends notifications."""
    rpc, urls = users
    transports = deployment["transports"]
    heard: list[bytes] = []

    async def hear(delivery: Delivery) -> None:
        heard.append(delivery.body)

    before = await _notifications_waiting(urls["engine"])
    consumer = await transports["api"].consume_fanout(live_events_exchange(rpc), hear)
    try:
        ctx = RequestContext(project_id="perm-live", user_id="u")
        engine = EngineClient(transports["api"], timeout=10, topic=rpc.engine_topic)
        identity = await engine.create_stack(ctx, f"live-{uuid.uuid4().hex[:6]}", QUICK)
        for _ in range(200):
            if (await engine.show_stack(ctx, identity))[0]["stack_status"] == "COMPLETE" and heard:
                break
            await asyncio.sleep(0.05)
        assert any(identity["stack_id"].encode() in body for body in heard)
    finally:
        await consumer.cancel()
    for _ in range(100):  # notifications leave through an outbox, a moment after the state
        if await _notifications_waiting(urls["engine"]) >= before + 2:  # the create's start and end
            break
        await asyncio.sleep(0.05)
    assert await _notifications_waiting(urls["engine"]) >= before + 2


async def _notifications_waiting(url: str) -> int:
    """Messages in the vhost's notifications.info queue (a passive look: no rights needed)."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue("notifications.info", passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return 0
        return int(queue.declaration_result.message_count or 0)
    finally:
        await connection.close()
