"""The fanout on the real broker: every subscriber gets each message; publishing outlives subscribers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from shared.rpc import Transport
from shared.rpc.fanout import FanoutPublisher, FanoutSubscriber


async def _until(check: Any, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_each_subscriber_gets_every_message_and_publishing_survives_the_last_one_leaving(
    transport: Transport,
) -> None:
    exchange = f"fanout-test-{uuid.uuid4().hex[:8]}"
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    a, b = (
        FanoutSubscriber(transport, exchange, first.append),
        FanoutSubscriber(transport, exchange, second.append),
    )
    await a.start()
    await b.start()
    publisher = FanoutPublisher(transport, exchange)
    try:
        for n in range(3):
            assert publisher.publish({"n": n, "run": run})
        await _until(lambda: len(first) == len(second) == 3)
        assert first == second == [{"n": 0}, {"n": 1}, {"n": 2}]

        await a.stop()
        await b.stop()  # the last subscriber leaves: the exchange stays, publishing goes on
        publisher.publish({"n": "nobody", "run": run})
        await publisher.outbox.flush()
        late: list[dict[str, Any]] = []
        c = FanoutSubscriber(transport, exchange, keeper(late))
        await c.start()
        publisher.publish({"n": "late", "run": run})
        await _until(lambda: late == [{"n": "late"}])
        await c.stop()
        assert publisher.outbox.dropped == 0 and publisher.outbox.sent == 5
    finally:
        await publisher.close()
        await a.stop()
        await b.stop()
