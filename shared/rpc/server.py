"""RPCServer: consume, run each message as its own task, reply, drain on stop.

This is the proxy-callback of the classic amqp pattern. A request is acked
on receipt (at most once, as oslo.messaging does): durability comes from
the store, not from redelivery. Concurrency is bounded by a semaphore whose
size is also the consumer prefetch, so a slow handler never blocks the
others, the connection heartbeat, or the broker.

A reply survives a broker connection blip: one that cannot be published
waits for the connection to come back (until the caller's deadline) and is
sent then; one published unconfirmed just before a drop is sent again after
the reconnect; a request that arrives twice (its client re-sent it after a
drop) runs once and gets the same reply (``shared.rpc.resend``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Collection, Sequence
from typing import Any

from shared import metrics
from shared.context import request_id_var
from shared.exceptions import EmberError, MalformedMessage, MessageTooLarge, serialize_failure
from shared.rpc.dispatcher import Admission, RpcDispatcher
from shared.rpc.envelope import RpcRequest, decode_request, encode_reply
from shared.rpc.resend import CallRecord, ReplyLedger, Seen
from shared.rpc.serializer import Serializer
from shared.rpc.signing import ReplayGuard
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
        signed_admin_only: bool = False,
        trusted_users: Collection[str] = (),
        admit: Admission | None = None,
    ) -> None:
        """``server_queue_only`` serves just ``<topic>.<server>``: calls to this one server,
        e.g. liveness checks that must keep answering while the shared queue drains.

        ``signed_admin_only``: a context claiming admin counts as admin only in a
        request signed with ``rpc.signing_key`` (``shared.rpc.signing``); others are
        served as the plain caller they name; ``trusted_users`` are broker users whose
        requests count as signed (by the AMQP user_id, which RabbitMQ checks). With
        neither a key nor such users every claim is trusted (the caller of this server
        decides whether that may run). ``admit``: see ``RpcDispatcher``."""
        if not target.topic:
            raise ValueError("an RPC server needs a topic")
        if server_queue_only and not target.server:
            raise ValueError("server_queue_only needs a target server")
        self._server_queue_only = server_queue_only
        key = transport.settings.signing_key if signed_admin_only else None
        self._admin_guard = ReplayGuard(key) if key else None
        self._trusted_users = frozenset(trusted_users) if signed_admin_only else frozenset()
        self.transport = transport
        self.target = target
        self.dispatcher = RpcDispatcher(endpoints, serializer, admit)
        self.serializer = self.dispatcher.serializer
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._consumer: Consumer | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.handled = 0  # requests taken off the queue (for benchmarks and health)
        self._max_size = transport.settings.max_message_size
        self._send_tracebacks = transport.settings.send_tracebacks
        self._default_timeout = transport.settings.rpc_response_timeout
        self._ledger = ReplyLedger()
        # Method labels only for methods this server has: a caller must not mint series.
        self._methods = frozenset(self.dispatcher.method_names())
        self._service = target.topic
        self._resend_tasks: set[asyncio.Task[None]] = set()

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
        self.transport.add_reconnect_listener(self._on_reconnected)
        # DEBUG: each service says once, at INFO, what it serves (an engine runs two servers).
        LOG.debug("serving topic %s (server %s)", self.target.topic, self.target.server)

    async def stop(self, grace: float = 30.0) -> None:
        """Stop taking messages, let in-flight ones finish and reply (up to ``grace``), then close."""
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        self._stopping = True
        self.transport.remove_reconnect_listener(self._on_reconnected)
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
        try:
            await delivery.ack()
        except BaseException:
            self._slots.release()
            raise
        self.handled += 1
        # The request runs in a task of our own: the client library cancels its
        # delivery tasks when the channel closes, and an acked request must
        # still finish and reply when the broker connection blips.
        # The delivery task returns at once; the slot is released when ours ends.
        task = asyncio.get_running_loop().create_task(self._serve(delivery, self._deadline_of(delivery)))
        self._in_flight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _serve(self, delivery: Delivery, deadline: float) -> None:
        try:
            await self._handle(delivery, deadline)
        except asyncio.CancelledError:
            raise
        except Exception:  # the server carries on whatever one message does
            LOG.exception("unexpected error handling a message")

    def _deadline_of(self, delivery: Delivery) -> float:
        """When the caller stops waiting: Ember calls carry their timeout as the AMQP
        expiration; for others (oslo callers) assume the default call timeout."""
        timeout = delivery.expiration if delivery.expiration else self._default_timeout
        return time.monotonic() + timeout

    async def _handle(self, delivery: Delivery, deadline: float) -> None:
        if len(delivery.body) > self._max_size:
            error = MessageTooLarge(size=len(delivery.body), limit=self._max_size)
            LOG.warning("dropping request: %s", error)
            await self._reply_to_undecodable(delivery, error, deadline)
            return
        try:
            request = decode_request(delivery.body)
        except MalformedMessage as error:
            LOG.warning("dropping request: %s", error)
            await self._reply_to_undecodable(delivery, error, deadline)
            return
        if request.is_call:
            assert request.msg_id is not None and request.reply_q is not None
            seen, record = self._ledger.begin(request.msg_id, request.reply_q, deadline)
            if seen is Seen.RUNNING:
                LOG.info("call %s arrived again while running: one reply will do", request.msg_id)
                return
            if seen is Seen.ANSWERED:
                LOG.info("call %s arrived again: sending its reply again", request.msg_id)
                if record is not None and record.body is not None:
                    # To the queue the first copy named: a forged copy naming its own
                    # queue must not get somebody else's reply.
                    await self._publish_reply(record.reply_q, request.msg_id, record.body, deadline)
                return
        await self._run(request, deadline, delivery)

    async def _run(self, request: RpcRequest, deadline: float, delivery: Delivery | None = None) -> None:
        ctxt = self.serializer.deserialize_context(request.context)
        if ctxt.is_admin and (self._admin_guard is not None or self._trusted_users):
            if not self._admin_trusted(delivery):
                LOG.warning(
                    "%s claims admin, neither signed nor from a trusted broker user (request %s, user %s): "
                    "served as project %s",
                    request.method,
                    ctxt.request_id,
                    delivery.user_id if delivery is not None else None,
                    ctxt.project_id,
                )
                ctxt.is_admin = False
                ctxt.roles = [role for role in ctxt.roles if role != "admin"]
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
            method = request.method if request.method in self._methods else "unknown"
            started = time.monotonic()
            in_flight = metrics.RPC_IN_FLIGHT.labels(self._service)
            in_flight.inc()
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
                    await self._send_reply(request, None, failure, deadline)
                raise
            except Exception as error:
                LOG.exception("%s raised an unexpected error", request.method)
                tb = traceback.format_exception(error) if self._send_tracebacks else None
                failure = serialize_failure(error, tb)
            finally:
                in_flight.dec()
            metrics.RPC_SECONDS.labels(self._service, method).observe(time.monotonic() - started)
            metrics.RPC_REQUESTS.labels(self._service, method, "error" if failure else "ok").inc()
            if request.is_call:
                await self._send_reply(request, result, failure, deadline)
        finally:
            request_id_var.reset(token)

    def _admin_trusted(self, delivery: Delivery | None) -> bool:
        if delivery is None:
            return False
        if delivery.user_id is not None and delivery.user_id in self._trusted_users:
            return True
        return self._admin_guard is not None and self._admin_guard.trusted(delivery.body, delivery.headers)

    async def _send_reply(
        self, request: RpcRequest, result: Any, failure: str | None, deadline: float
    ) -> None:
        assert request.msg_id is not None and request.reply_q is not None
        try:
            body = encode_reply(request.msg_id, result, failure)
        except (TypeError, ValueError) as exc:
            # The caller gets RemoteError(TypeError/ValueError), as for any unexpected error.
            LOG.error("%s returned a value that is not JSON: %s", request.method, exc)
            body = encode_reply(request.msg_id, None, serialize_failure(exc))
        await self._publish_reply(request.reply_q, request.msg_id, body, deadline)

    async def _reply_to_undecodable(self, delivery: Delivery, error: EmberError, deadline: float) -> None:
        msg_id, reply_q = delivery.sniff_reply_address()
        if msg_id and reply_q:
            body = encode_reply(msg_id, None, serialize_failure(error))
            await self._publish_reply(reply_q, msg_id, body, deadline)

    async def _publish_reply(self, reply_q: str, msg_id: str, body: bytes, deadline: float) -> None:
        """Send a reply; while the connection is down, wait for it (until ``deadline``).

        The caller's reply queue outlives its connection (x-expires), so a reply
        sent once the broker is back still reaches a caller that reconnected.
        """
        waited = False
        while True:
            try:
                confirmed = await self.transport.publish(body, reply_q, exchange="", message_id=msg_id)
            except CONNECTION_ERRORS as exc:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.transport.is_closed:
                    LOG.warning(
                        "could not send the reply to %s before its caller's deadline: %s", reply_q, exc
                    )
                    return
                if not waited:
                    LOG.info("the broker connection is down; the reply to %s waits for it", reply_q)
                    waited = True
                await self.transport.wait_connected(min(remaining, 1.0))
                await asyncio.sleep(min(0.1, max(deadline - time.monotonic(), 0.0)))
                continue
            except Unroutable:
                # The caller's reply queue is gone (it exited, or its queue expired):
                # a routine event, not an error of this server.
                LOG.warning("dropping the reply to %s: the reply queue no longer exists", reply_q)
                self._ledger.forget(msg_id)
                return
            self._ledger.answered(msg_id, body, bool(confirmed))
            if waited:
                LOG.info("sent the reply to %s after the broker came back", reply_q)
            return

    def _on_reconnected(self) -> None:
        """Re-send the replies a connection drop may have swallowed (in a task of its own)."""
        suspects = self._ledger.suspect_lost(self.transport.disconnected_at)
        if not suspects:
            return
        LOG.info("re-sending %d reply(ies) sent just before the connection dropped", len(suspects))
        task = asyncio.get_running_loop().create_task(self._resend(suspects))
        self._resend_tasks.add(task)
        task.add_done_callback(self._resend_tasks.discard)

    async def _resend(self, suspects: list[tuple[str, CallRecord]]) -> None:
        for msg_id, record in suspects:
            if record.body is not None:
                await self._publish_reply(record.reply_q, msg_id, record.body, record.deadline)
