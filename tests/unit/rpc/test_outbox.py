"""The outbox: never makes the sender wait, keeps order, waits for the broker, drops what it must."""

from __future__ import annotations

import asyncio

from shared.rpc.outbox import Outbox


async def test_messages_go_in_order_and_a_full_outbox_drops_the_newest() -> None:
    sent: list[bytes] = []
    gate = asyncio.Event()

    async def send(body: bytes, key: str) -> None:
        await gate.wait()  # the broker is slow
        sent.append(body)

    outbox = Outbox(send, "test", capacity=3)
    results = [outbox.put(str(n).encode(), "k") for n in range(5)]  # returns at once, however slow the broker
    await asyncio.sleep(0)  # the publishing task takes the first one off the queue
    results.append(outbox.put(b"5", "k"))
    gate.set()
    await outbox.close()
    assert results == [True, True, True, False, False, True]
    assert sent == [b"0", b"1", b"2", b"5"] and outbox.dropped == 2


async def test_a_failed_publish_is_tried_again_once_the_broker_is_back_then_dropped() -> None:
    attempts: list[bytes] = []
    readiness = iter([True, True, True, True, False])

    async def flaky(body: bytes, key: str) -> None:
        attempts.append(body)
        if body != b"ok" and attempts.count(body) == 1:
            raise ConnectionError("the connection went")
        if body == b"refused":
            raise RuntimeError("the broker refuses this one")

    async def ready() -> bool:
        return next(readiness)

    outbox = Outbox(flaky, "test", ready=ready)
    outbox.put(b"blip", "k")  # fails, the broker is back, goes the second time
    outbox.put(b"refused", "k")  # fails twice: dropped
    outbox.put(b"late", "k")  # the broker does not come back in time: dropped without a try
    await outbox.close()
    assert attempts == [b"blip", b"blip", b"refused", b"refused"]
    assert (outbox.sent, outbox.dropped) == (1, 2)
