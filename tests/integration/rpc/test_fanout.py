"""The fanout on the real broker: every subscriber gets each message; publishing outlives subscribers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from shared.rpc import Transport
from shared.rpc.fanout import FanoutPublisher, FanoutSubscriber

EXCHANGE = "ember-test-fanout"  # one name for every run: the exchange stays (as it must)


async def _until(check: Any, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_each_subscriber_gets_every_message_and_publishing_survives_the_last_one_leaving(
    transport: Transport,
) -> None:
    run = uuid.uuid4().hex  # other runs may share the exchange: keep this run's messages

    def keeper(into: list[Any]) -> Callable[[dict[str, Any]], None]:
        def keep(message: dict[str, Any]) -> None:
            if message.pop("run", None) == run:
                into.append(message["n"])

        return keep

    first: list[Any] = []
    second: list[Any] = []
    late: list[Any] = []
    a, b = (
        FanoutSubscriber(transport, EXCHANGE, keeper(first)),
        FanoutSubscriber(transport, EXCHANGE, keeper(second)),
    )
    c = FanoutSubscriber(transport, EXCHANGE, keeper(late))
    publisher = FanoutPublisher(transport, EXCHANGE)
    await a.start()
    await b.start()
    try:
        for n in range(3):
            assert publisher.publish({"n": n, "run": run})
        await _until(lambda: len(first) == len(second) == 3)
        assert first == second == [0, 1, 2]

        await a.stop()
        await b.stop()  # the last subscriber leaves: the exchange stays, publishing goes on
        publisher.publish({"n": "nobody", "run": run})
        await publisher.outbox.flush()
        await c.start()
        publisher.publish({"n": "late", "run": run})
        await _until(lambda: late == ["late"])
        assert publisher.outbox.dropped == 0 and publisher.outbox.sent == 5
    finally:
        await publisher.close()
        for subscriber in (a, b, c):
            await subscriber.stop()
