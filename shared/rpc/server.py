"""RPCServer: consume, run each message as its own task, reply, drain on stop.

This is the proxy-callback of the classic amqp pattern. A request is acked
on receipt (at most once, as oslo.messaging does): durability comes from
the store, not from redelivery. Concurrency is bounded by a semaphore whose
size is also the consumer prefetch, so a slow handler never blocks the
others, the connection heartbeat, or the broker.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Sequence
from typing import Any

from shared.context import RequestContext, request_id_var
from shared.exceptions import EmberError, MalformedMessage, MessageTooLarge, serialize_failure
from shared.rpc.dispatcher import RpcDispatcher
from shared.rpc.envelope import RpcRequest, decode_request, encode_reply
from shared.rpc.serializer import Serializer
from shared.rpc.target import Target
from shared.rpc.transport import CONNECTION_ERRORS, Consumer, Delivery, Transport, Unroutable

LOG = logging.getLogger(__name__)


class RPCServer:
    """Serves ``endpoints`` on ``target.topic`` (and ``<topic>.<server>``, and fanout)."""

    def __init__(
        self,
        transport: Transport,
        target: Target,
        endpoints: Sequence[object],
        concurrency: int = 64,
        serializer: Serializer | None = None,
        server_queue_only: bool = False,
    ) -> None:
        """``server_queue_only`` serves just ``<topic>.<server>``: calls to this one server,
        e.g. liveness checks that must keep answering while the shared queue drains."""
        if not target.topic:
            raise ValueError("an RPC server needs a topic")
        if server_queue_only and not target.server:
            raise ValueError("server_queue_only needs a target server")
        self._server_queue_only = server_queue_only
        self.transport = transport
        self.target = target
        self.dispatcher = RpcDispatcher(endpoints, serializer)
        self.serializer = self.dispatcher.serializer
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._consumer: Consumer | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.handled = 0  # requests taken off the queue (for benchmarks and health)
        self._max_size = transport.settings.max_message_size
        self._send_tracebacks = transport.settings.send_tracebacks

    async def start(self) -> None:
        if self._consumer is not None:
            return
        assert self.target.topic is not None
        self._stopping = False
        self._consumer = await self.transport.consume_server(
            self.target.topic,
            self.target.server,
            self._on_delivery,
            prefetch=self.concurrency,
            shared=not self._server_queue_only,
        )
        # DEBUG: each service says once, at INFO, what it serves (an engine runs two servers).
        LOG.debug("serving topic %s (server %s)", self.target.topic, self.target.server)

    async def stop(self, grace: float = 30.0) -> None:
        """Stop taking messages, let in-flight ones finish and reply (up to ``grace``), then close."""
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        self._stopping = True
        await consumer.cancel()
        if self._in_flight:
            _done, pending = await asyncio.wait(set(self._in_flight), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                LOG.warning("cancelled %d request(s) still running after %.0fs", len(pending), grace)
                await asyncio.wait(pending, timeout=5)
        await consumer.close()

    async def __aenter__(self) -> RPCServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _on_delivery(self, delivery: Delivery) -> None:
        # Runs in the task the client library made for this delivery; holding a
        # slot before the ack keeps unacked + running <= prefetch + concurrency.
        await self._slots.acquire()
        if self._stopping:
            # Received but not started when stop() began: leave it unacked, so
            # the broker hands it to another replica when our channel closes,
            # rather than running it here unawaited by stop() (or twice, if
            # the channel closed before the ack).
            self._slots.release()
            return
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await delivery.ack()
            self.handled += 1
            await self._handle(delivery)
        except asyncio.CancelledError:
            raise
        except Exception:  # the server carries on whatever one message does
            LOG.exception("unexpected error handling a message")
        finally:
            if task is not None:
                self._in_flight.discard(task)
            self._slots.release()

    async def _handle(self, delivery: Delivery) -> None:
        if len(delivery.body) > self._max_size:
            error = MessageTooLarge(size=len(delivery.body), limit=self._max_size)
            LOG.warning("dropping request: %s", error)
            await self._reply_to_undecodable(delivery, error)
            return
        try:
            request = decode_request(delivery.body)
        except MalformedMessage as error:
            LOG.warning("dropping request: %s", error)
            await self._reply_to_undecodable(delivery, error)
            return
        await self._run(request)

    async def _run(self, request: RpcRequest) -> None:
        ctxt = self.serializer.deserialize_context(request.context)
        token = request_id_var.set(ctxt.request_id)
        try:
            if LOG.isEnabledFor(logging.DEBUG):
                LOG.debug(
                    "dispatch %s namespace=%s version=%s args=%s",
                    request.method,
                    request.namespace,
                    request.version,
                    sorted(request.args),
                )
            result: Any = None
            failure: str | None = None
            try:
                result = await self.dispatcher.dispatch(
                    ctxt, request.namespace, request.version, request.method, request.args
                )
            except EmberError as error:
                # Expected business errors: no traceback in the log.
                LOG.info("%s failed: %s: %s", request.method, type(error).__name__, error)
                failure = serialize_failure(error)
            except asyncio.CancelledError:
                failure = serialize_failure(
                    EmberError(f"{request.method} was cancelled: the server is stopping")
                )
                if request.is_call:
                    await self._send_reply(request, None, failure)
                raise
            except Exception as error:
                LOG.exception("%s raised an unexpected error", request.method)
                tb = traceback.format_exception(error) if self._send_tracebacks else None
                failure = serialize_failure(error, tb)
            if request.is_call:
                await self._send_reply(request, result, failure, ctxt)
        finally:
            request_id_var.reset(token)

    async def _send_reply(
        self, request: RpcRequest, result: Any, failure: str | None, ctxt: RequestContext | None = None
    ) -> None:
        assert request.msg_id is not None and request.reply_q is not None
        try:
            body = encode_reply(request.msg_id, result, failure)
        except (TypeError, ValueError) as exc:
            # The caller gets RemoteError(TypeError/ValueError), as for any unexpected error.
            LOG.error("%s returned a value that is not JSON: %s", request.method, exc)
            body = encode_reply(request.msg_id, None, serialize_failure(exc))
        await self._publish_reply(request.reply_q, request.msg_id, body)

    async def _reply_to_undecodable(self, delivery: Delivery, error: EmberError) -> None:
        msg_id, reply_q = delivery.sniff_reply_address()
        if msg_id and reply_q:
            await self._publish_reply(reply_q, msg_id, encode_reply(msg_id, None, serialize_failure(error)))

    async def _publish_reply(self, reply_q: str, msg_id: str, body: bytes) -> None:
        try:
            await self.transport.publish(body, reply_q, exchange="", message_id=msg_id)
        except CONNECTION_ERRORS as exc:
            LOG.warning("could not send the reply to %s: %s", reply_q, exc)
        except Unroutable:
            # The caller's reply queue is gone (it exited, or its queue expired):
            # a routine event, not an error of this server.
            LOG.warning("dropping the reply to %s: the reply queue no longer exists", reply_q)
