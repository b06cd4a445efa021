"""The broker connection and topology; the only module that imports aio_pika.

Topology follows oslo.messaging's rabbit driver so that oslo clients and
servers interoperate with ours (see docs/wire-format.md):

- requests go to the topic exchange ``control_exchange`` with routing key
  ``<topic>`` or ``<topic>.<server>``; servers consume queues of the same
  names (durability and auto-delete as ``amqp_durable_queues`` /
  ``amqp_auto_delete``; quorum queues optional);
- fanout casts go to the ``<topic>_fanout`` exchange, one
  ``<topic>_fanout_<hex>`` queue per server;
- replies go through the default exchange to the caller's ``reply_<hex>``
  queue (non-durable, ``x-expires``), which survives a reconnect.

The connection is robust: after a broker restart or a dropped connection it
reconnects, re-declares what it declared and resumes consuming. The
Transport counts the drops (``epoch``), remembers when the last one
happened and tells listeners when the connection is back, so that the RPC
layers can re-send what a drop may have swallowed (see ``shared.rpc.resend``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from yarl import URL

from shared import metrics
from shared.config import RpcSettings
from shared.exceptions import MessagingError
from shared.rpc import signing

LOG = logging.getLogger(__name__)

# Seconds a routing key that took a confirmed publish is trusted to stay routable.
ROUTABLE_TTL = 5.0

# Seconds a consumer's cancel or close may take before it is given up.
CANCEL_TIMEOUT = 5.0

# Raised by aio-pika/aiormq while the connection or channel is down.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    aiormq.exceptions.AMQPConnectionError,
    aiormq.exceptions.ChannelInvalidStateError,
    aio_pika.exceptions.ChannelClosed,
    ConnectionError,
    RuntimeError,
)

_CANCEL_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError)

_REPLY_Q_RE = re.compile(rb'_reply_q\\?"\s*:\s*\\?"(reply_(?:[a-z][a-z0-9-]{0,31}_)?[0-9a-fA-F]{1,64})')
_MSG_ID_RE = re.compile(rb'_msg_id\\?"\s*:\s*\\?"([0-9a-zA-Z_\-]{1,64})')


@dataclass(slots=True)
class Delivery:
    """A message as the RPC layer sees it: bytes plus the few properties it uses."""

    body: bytes
    message_id: str | None
    reply_to: str | None
    routing_key: str | None
    _raw: AbstractIncomingMessage | None = field(default=None, repr=False)
    # The AMQP expiration in seconds (Ember calls carry their timeout there).
    expiration: float | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    # The sender's broker user, when it stamped one: RabbitMQ refuses a user_id that is not the
    # publishing connection's login, so it can be trusted.
    user_id: str | None = None
    _acked: bool = field(default=False, repr=False)

    async def ack(self) -> None:
        raw = self._raw
        if raw is not None and not self._acked and not raw.processed and raw.delivery_tag is not None:
            self._acked = True
            try:
                # Queue the ack without waiting for the connection's writer to
                # flush it (aio-pika's ack always waits): frames leave in order,
                # so it still precedes the reply, and the request starts a loop
                # turn sooner, without a future and a wake-up per message.
                await raw.channel.basic_ack(delivery_tag=raw.delivery_tag, wait=False)
            except CONNECTION_ERRORS:
                # The broker dropped the channel: it will not redeliver an
                # acked-on-receipt message anyway (at most once).
                LOG.debug("ack failed: channel is gone")

    def sniff_reply_address(self) -> tuple[str | None, str | None]:
        """(msg_id, reply_q) of a call, without parsing the body when possible.

        Used for messages too large or too broken to decode, so that the caller
        still gets a failure reply instead of a timeout.
        """
        if self.message_id and self.reply_to:
            return self.message_id, self.reply_to
        head = self.body[: 1 << 20]
        reply_q = _REPLY_Q_RE.search(head)
        msg_id = _MSG_ID_RE.search(head)
        if reply_q and msg_id:
            return msg_id.group(1).decode(), reply_q.group(1).decode()
        return None, None


DeliveryHandler = Callable[[Delivery], Awaitable[None]]


def _seconds(expiration: object) -> float | None:
    """An incoming message's expiration as seconds (aio-pika decodes it to a float)."""
    return float(expiration) if isinstance(expiration, (int, float)) and expiration > 0 else None


class AccessRefused(Exception):
    """The broker refused this user the publish (its permissions or topic permissions)."""

    def __init__(self, exchange: str, routing_key: str, reason: str) -> None:
        super().__init__(f"{exchange or 'amq.default'} / {routing_key}: {reason}")
        self.exchange = exchange
        self.routing_key = routing_key
        self.reason = reason


class Unroutable(Exception):
    """The broker returned a mandatory message: no queue is bound to its routing key."""

    def __init__(self, routing_key: str) -> None:
        super().__init__(routing_key)
        self.routing_key = routing_key


class Consumer:
    """A running consumption; ``cancel`` stops new deliveries."""

    def __init__(self, channel: AbstractRobustChannel, queues: list[AbstractRobustQueue]) -> None:
        self._channel = channel
        self._queues = queues
        self._tags: list[tuple[AbstractRobustQueue, str]] = []

    async def _start(self, handler: DeliveryHandler, no_ack: bool) -> None:
        async def on_message(message: AbstractIncomingMessage) -> None:
            await handler(
                Delivery(
                    body=message.body,
                    message_id=message.message_id,
                    reply_to=message.reply_to,
                    routing_key=message.routing_key,
                    _raw=None if no_ack else message,
                    expiration=_seconds(message.expiration),
                    headers=message.headers or {},
                    user_id=message.user_id,
                )
            )

        for queue in self._queues:
            tag = await queue.consume(on_message, no_ack=no_ack)
            self._tags.append((queue, tag))

    async def cancel(self) -> None:
        # Bounded: on a connection that is down (or closed for good) aio-pika
        # waits for it to come back before it even tries.
        for queue, tag in self._tags:
            try:
                await asyncio.wait_for(queue.cancel(tag), CANCEL_TIMEOUT)
            except _CANCEL_ERRORS:
                LOG.debug("cancel of %s failed: channel is gone", queue.name)
        self._tags.clear()

    async def close(self) -> None:
        await self.cancel()
        try:
            await asyncio.wait_for(self._channel.close(), CANCEL_TIMEOUT)
        except _CANCEL_ERRORS:
            pass


class Transport:
    """One robust AMQP connection shared by the RPC servers and clients of a process."""

    def __init__(self, settings: RpcSettings | str | None = None, service: str = "ember") -> None:
        """``service``: who this connection serves (api, engine, store): it names the reply
        queue (``reply_<service>_<hex>``), which the broker lets only that service's user
        configure, and labels the reconnect metric."""
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", service):
            raise ValueError(f"service {service!r}: lower-case letters, digits and '-' only")
        if settings is None:
            settings = RpcSettings()
        elif isinstance(settings, str):
            settings = RpcSettings(transport_url=settings)
        self.settings = settings
        self.exchange_name = settings.control_exchange
        # Where requests go: the control exchange, or (a least-privilege api) its own exchange
        # that the broker binds into the control exchange for the engines' keys only.
        self.publish_exchange_name = settings.publish_exchange or settings.control_exchange
        self._user_id = (URL(settings.transport_url).user or None) if settings.send_user_id else None
        self._connection: AbstractRobustConnection | None = None
        self._channels: dict[bool, AbstractRobustChannel] = {}  # confirmed? -> channel
        self._exchanges: dict[tuple[bool, str], AbstractRobustExchange] = {}
        # routing key -> monotonic time until which it is known to be routable
        self._routable_until: dict[tuple[str | None, str], float] = {}
        self._lock = asyncio.Lock()
        # Connection drops seen so far, and the monotonic time of the last one.
        self.epoch = 0
        self.disconnected_at: float | None = None
        self._up = False  # connected since the last drop (the first drop of an outage is kept)
        self._reconnect_listeners: list[Callable[[], None]] = []
        self.service = service

    @classmethod
    async def connect(cls, settings: RpcSettings | str | None = None, service: str = "ember") -> Transport:
        transport = cls(settings, service)
        await transport.start()
        return transport

    # -- lifecycle ---------------------------------------------------------------

    def _url(self) -> URL:
        url = URL(self.settings.transport_url)
        query = dict(url.query)
        query.setdefault("reconnect_interval", "1")
        query.setdefault("heartbeat", str(self.settings.heartbeat))
        query.setdefault("name", "ember")
        return url.with_query(query)

    async def start(self) -> None:
        if self._connection is not None:
            return
        try:
            self._connection = await aio_pika.connect_robust(self._url(), timeout=10)
        except (TimeoutError, OSError, aiormq.exceptions.AMQPError) as exc:
            raise MessagingError(
                reason=f"cannot reach the broker at {self.safe_url}: {exc or type(exc).__name__}"
            ) from None
        self._connection.close_callbacks.add(self._on_connection_lost)
        self._connection.reconnect_callbacks.add(self._on_reconnected)
        self._up = True
        # Two publishing channels. The broker's "no route" reaches a publisher
        # only for confirmed publishes (aiormq reports returns only then), and
        # confirms cost a broker round of work per message; so a routing key is
        # published with confirms until one goes through, then, for
        # ROUTABLE_TTL seconds, on the unconfirmed channel.
        for confirmed in (False, True):
            channel = await self._connection.channel(  # type: ignore[assignment]
                publisher_confirms=confirmed, on_return_raises=confirmed
            )
            self._channels[confirmed] = channel  # type: ignore[assignment]
            for name in dict.fromkeys((self.exchange_name, self.publish_exchange_name)):
                self._exchanges[(confirmed, name)] = await self._topic_exchange(channel, name)

    async def _topic_exchange(self, channel: AbstractRobustChannel, name: str) -> AbstractRobustExchange:
        """Declare a topic exchange, or only look it up (``declare_exchanges`` off, or not ours to
        declare): a missing one is then a clear error, not a silent new exchange."""
        if self.settings.declare_exchanges and name == self.exchange_name:
            exchange = await channel.declare_exchange(
                name,
                aio_pika.ExchangeType.TOPIC,
                durable=self._durable,
                auto_delete=self.settings.amqp_auto_delete,
            )
            return exchange  # type: ignore[return-value]
        try:
            found = await channel.get_exchange(name, ensure=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            raise MessagingError(
                reason=f"the exchange {name!r} does not exist on the broker: create it with the "
                "broker's definitions (ember broker-users), or let this service declare it "
                "(rpc.declare_exchanges)"
            ) from None
        return found  # type: ignore[return-value]

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    def _on_connection_lost(self, _sender: object, _exc: BaseException | None = None) -> None:
        if self._connection is None:
            return  # our own close()
        if not self._up:
            return  # a failed reconnect attempt: the drop that matters is the first one
        self._up = False
        self.epoch += 1
        self.disconnected_at = time.monotonic()
        # A restarted broker may have lost non-durable queues: confirm routes again.
        self._routable_until.clear()
        LOG.warning("connection to %s lost; reconnecting", self.safe_url)

    def _on_reconnected(self, _sender: object) -> None:
        self._up = True
        metrics.RECONNECTS.labels(self.service).inc()
        LOG.info("reconnected to %s", self.safe_url)
        for listener in list(self._reconnect_listeners):
            try:
                listener()
            except Exception:  # one listener's bug must not stop the others
                LOG.exception("reconnect listener failed")

    def add_reconnect_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (synchronously, from the connection's task) after each reconnect."""
        self._reconnect_listeners.append(listener)

    def remove_reconnect_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._reconnect_listeners:
            self._reconnect_listeners.remove(listener)

    async def __aenter__(self) -> Transport:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def safe_url(self) -> str:
        return str(
            URL(self.settings.transport_url).with_password(
                "***" if "@" in self.settings.transport_url else None
            )
        )

    @property
    def is_closed(self) -> bool:
        """Closed by its owner (or never started): it will not reconnect."""
        return self._connection is None

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and self._connection.connected.is_set()

    async def wait_connected(self, timeout: float) -> bool:
        if self._connection is None:
            return False
        try:
            await asyncio.wait_for(self._connection.connected.wait(), timeout)
            return True
        except TimeoutError:
            return False

    @property
    def _durable(self) -> bool:
        return self.settings.amqp_durable_queues or self.settings.rabbit_quorum_queue

    def _topic_queue_args(self) -> dict[str, Any]:
        return {"x-queue-type": "quorum"} if self.settings.rabbit_quorum_queue else {}

    def _server_queue_args(self) -> dict[str, Any]:
        """``<topic>.<server>``: as the topic queue, but a quorum one also expires once unused.

        A quorum queue is durable: without an expiry every engine or store that
        ever ran (each start takes a fresh id) would leave one on the broker for
        good. Classic queues keep their arguments: redeclaring an existing queue
        with new ones is refused, which would stop a server that kept its id.
        """
        args = self._topic_queue_args()
        if self.settings.rabbit_quorum_queue:
            args.update(self._transient_queue_args())
        return args

    def _transient_queue_args(self) -> dict[str, Any]:
        ttl = self.settings.transient_queues_ttl
        return {"x-expires": ttl * 1000} if ttl > 0 else {}

    async def _require_connection(self, timeout: float = 30.0) -> AbstractRobustConnection:
        """The connection, once up: a consumer started while the broker is coming back
        (a restart, dropped connections) waits for the reconnect instead of failing."""
        if self._connection is None:
            raise MessagingError(reason="transport is not connected")
        if not await self.wait_connected(timeout):
            raise MessagingError(
                reason=f"the broker at {self.safe_url} did not come back within {timeout:.0f}s"
            )
        return self._connection

    async def consumer_count(self, queue: str, timeout: float = 5.0) -> int | None:
        """How many consumers the broker counts on ``queue``; None when the queue does not exist.

        A passive declare on a channel of its own, closed at once: a missing
        queue makes the broker close the channel, which must not be one that
        anything else uses (nor a robust one, which would try to reopen it).
        Raises one of CONNECTION_ERRORS (or TimeoutError) when the broker
        cannot be asked, MessagingError when it refuses to say (permissions).
        """
        connection = self._connection
        underlay = connection.transport if connection is not None else None
        if underlay is None or not self.is_connected:
            raise ConnectionError("the broker connection is down")
        channel = await asyncio.wait_for(underlay.connection.channel(), timeout)
        try:
            declared = await asyncio.wait_for(channel.queue_declare(queue, passive=True), timeout)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return None
        except aiormq.exceptions.ChannelClosed as exc:  # e.g. ACCESS_REFUSED
            raise MessagingError(
                reason=f"the broker would not count the consumers of {queue}: {exc}"
            ) from None
        finally:
            if not channel.is_closed:
                try:
                    await channel.close()
                except CONNECTION_ERRORS:
                    pass
        return int(declared.consumer_count or 0)

    # -- consuming ---------------------------------------------------------------

    async def consume_server(
        self,
        topic: str,
        server: str | None,
        handler: DeliveryHandler,
        prefetch: int,
        fanout: bool = True,
        shared: bool = True,
    ) -> Consumer:
        """Declare and consume ``<topic>``, ``<topic>.<server>`` and the fanout queue (acked by the handler).

        ``shared=False`` consumes only ``<topic>.<server>`` (and no fanout).
        """
        connection = await self._require_connection()
        channel: AbstractRobustChannel = await connection.channel(publisher_confirms=False)  # type: ignore[assignment]
        await channel.set_qos(prefetch_count=prefetch)
        exchange = await channel.declare_exchange(
            self.exchange_name,
            aio_pika.ExchangeType.TOPIC,
            durable=self._durable,
            auto_delete=self.settings.amqp_auto_delete,
        )
        queues: list[AbstractRobustQueue] = []
        names = ([topic] if shared else []) + ([f"{topic}.{server}"] if server else [])
        fanout = fanout and shared
        for name in names:
            queue: AbstractRobustQueue = await channel.declare_queue(  # type: ignore[assignment]
                name,
                durable=self._durable,
                auto_delete=self.settings.amqp_auto_delete,
                arguments=self._topic_queue_args() if name == topic else self._server_queue_args(),
            )
            await queue.bind(exchange, routing_key=name)
            queues.append(queue)
        if fanout:
            fanout_exchange = await channel.declare_exchange(
                f"{topic}_fanout", aio_pika.ExchangeType.FANOUT, durable=False, auto_delete=True
            )
            fanout_queue: AbstractRobustQueue = await channel.declare_queue(  # type: ignore[assignment]
                f"{topic}_fanout_{uuid.uuid4().hex}",
                durable=False,
                auto_delete=False,
                arguments=self._transient_queue_args(),
            )
            await fanout_queue.bind(fanout_exchange, routing_key=topic)
            queues.append(fanout_queue)
        consumer = Consumer(channel, queues)
        await consumer._start(handler, no_ack=False)
        return consumer

    async def consume_replies(self, handler: DeliveryHandler) -> tuple[str, Consumer]:
        """Declare this process's ``reply_<service>_<hex>`` queue and consume it (no acks: replies
        are transient)."""
        connection = await self._require_connection()
        channel: AbstractRobustChannel = await connection.channel(publisher_confirms=False)  # type: ignore[assignment]
        name = f"reply_{self.service}_{uuid.uuid4().hex}"
        queue: AbstractRobustQueue = await channel.declare_queue(  # type: ignore[assignment]
            name, durable=False, auto_delete=False, arguments=self._transient_queue_args()
        )
        consumer = Consumer(channel, [queue])
        await consumer._start(handler, no_ack=True)
        return name, consumer

    async def consume_fanout(self, exchange: str, handler: DeliveryHandler) -> Consumer:
        """Consume ``exchange`` (a fanout) on a queue of this process alone (auto-deleted, no acks).

        Each consumer gets every message published to the exchange while it
        is bound; the queue goes when the consumer does (a process restart
        starts from what is published after it). The exchange itself stays
        (not auto-deleted): publishers keep sending to it when the last
        consumer has gone, and a publish to an exchange the broker deleted
        would close the publisher's channel. Publish with ``lasting=True``.
        """
        connection = await self._require_connection()
        channel: AbstractRobustChannel = await connection.channel(publisher_confirms=False)  # type: ignore[assignment]
        if self.settings.declare_exchanges:
            declared = await channel.declare_exchange(
                exchange, aio_pika.ExchangeType.FANOUT, durable=False, auto_delete=False
            )
        else:  # a least-privilege consumer: the exchange is the broker's definitions' (or the engines')
            declared = await channel.get_exchange(exchange, ensure=True)  # type: ignore[assignment]
        queue: AbstractRobustQueue = await channel.declare_queue(  # type: ignore[assignment]
            f"{exchange}_{uuid.uuid4().hex}", durable=False, auto_delete=True
        )
        await queue.bind(declared)
        consumer = Consumer(channel, [queue])
        await consumer._start(handler, no_ack=True)
        return consumer

    async def declare_topic_queue(self, name: str) -> None:
        """Declare queue ``name`` bound to the control exchange by the same key, as a topic
        server would (oslo's notifier does this so that nothing is lost before a listener starts).

        Raises one of CONNECTION_ERRORS while the connection is down.
        """
        channel = self._channels.get(False)
        if channel is None:
            raise MessagingError(reason="transport is not connected")
        queue = await channel.declare_queue(
            name,
            durable=self._durable,
            auto_delete=self.settings.amqp_auto_delete,
            arguments=self._topic_queue_args(),
        )
        await queue.bind(self._exchanges[(False, self.exchange_name)], routing_key=name)

    # -- publishing --------------------------------------------------------------

    async def publish(
        self,
        body: bytes,
        routing_key: str,
        *,
        exchange: str | None = None,
        expiration: float | None = None,
        message_id: str | None = None,
        reply_to: str | None = None,
        mandatory: bool = True,
        confirm: bool = False,
        sign: bool = False,
        lasting: bool = False,
    ) -> bool:
        """Publish to the control exchange (default), a fanout exchange, or '' for replies.

        Returns whether the broker confirmed the message (``confirm`` forces a
        confirmed publish). ``sign`` adds the ``rpc.signing_key`` signature
        header when a key is configured (``shared.rpc.signing``). ``lasting``: a fanout ``exchange`` is
        declared not auto-deleted (as ``consume_fanout`` declares it). An unconfirmed publish may still be lost if the
        connection drops right after it; callers that care re-send after a
        reconnect. Raises Unroutable, or one of CONNECTION_ERRORS while the
        connection is down.
        """
        properties = aiormq.spec.Basic.Properties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=1,
            priority=0,
            expiration=None if expiration is None else str(int(expiration * 1000)),
            headers=(self._signature(body) if sign else None) or {},
            message_id=message_id,
            reply_to=reply_to,
            user_id=self._user_id,
        )
        key = (exchange, routing_key)
        confirmed = confirm or (mandatory and self._routable_until.get(key, 0.0) < time.monotonic())
        target = await self._exchange(exchange, confirmed, lasting)
        try:
            # Below aio-pika's Message (about 20 locked attribute sets per message) and without
            # waiting for the connection's writer to flush the frame (a future, a channel lock
            # held across a loop turn, and a wake-up per publish): frames still leave in order,
            # and a frame queued when the connection drops is lost exactly as one in the socket's
            # buffer would be, which the re-send after a reconnect covers (``shared.rpc.resend``).
            await self._basic_publish(
                self._channels[confirmed], target.name, body, routing_key, properties, mandatory
            )
        except aiormq.exceptions.PublishError:
            self._routable_until.pop(key, None)
            raise Unroutable(routing_key) from None
        except aiormq.exceptions.ChannelAccessRefused as exc:
            # Not an outage to ride out: this login may not publish there (no retry helps).
            self._routable_until.pop(key, None)
            raise AccessRefused(target.name, routing_key, str(exc)) from None
        if confirmed and mandatory:
            self._routable_until[key] = time.monotonic() + ROUTABLE_TTL
        return confirmed

    @staticmethod
    async def _basic_publish(
        channel: AbstractRobustChannel,
        exchange: str,
        body: bytes,
        routing_key: str,
        properties: aiormq.spec.Basic.Properties,
        mandatory: bool,
    ) -> None:
        """What aio-pika's ``Exchange.publish`` does, minus its Message and its wait for the flush.

        A confirmed channel still waits for the broker's confirm (and raises PublishError for a
        returned message); a closed channel raises at once rather than wait for the reconnect.
        """
        if channel.is_closed:
            raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
        underlay = await channel.get_underlay_channel()
        # aiormq's Channel takes ``wait`` (its abstract base does not declare it).
        await underlay.basic_publish(  # type: ignore[call-arg]
            body,
            exchange=exchange,
            routing_key=routing_key,
            properties=properties,
            mandatory=mandatory,
            wait=False,
        )

    def _signature(self, body: bytes) -> dict[str, Any] | None:
        secret = self.settings.signing_key
        return {signing.HEADER: signing.sign(secret, body)} if secret else None

    async def _exchange(
        self, name: str | None, confirmed: bool, lasting: bool = False
    ) -> AbstractRobustExchange:
        channel = self._channels.get(confirmed)
        if channel is None:
            raise MessagingError(reason="transport is not connected")
        if name is None:
            return self._exchanges[(confirmed, self.publish_exchange_name)]
        if name == "":
            return channel.default_exchange  # type: ignore[return-value]
        exchange = self._exchanges.get((confirmed, name))
        if exchange is None:
            async with self._lock:
                exchange = self._exchanges.get((confirmed, name))
                if exchange is None:
                    exchange = await channel.declare_exchange(  # type: ignore[assignment]
                        name, aio_pika.ExchangeType.FANOUT, durable=False, auto_delete=not lasting
                    )
                    assert exchange is not None
                    self._exchanges[(confirmed, name)] = exchange
        return exchange
