"""Presence: consumer counts cached briefly, one probe for concurrent askers, honest failures."""

from __future__ import annotations

import asyncio

import pytest

from shared.exceptions import NoRoute, ServiceUnavailable
from shared.rpc.presence import Presence


class CountingTransport:
    def __init__(self, counts: dict[str, int | None], down: bool = False) -> None:
        self.counts = counts
        self.down = down
        self.probes = 0

    async def consumer_count(self, queue: str) -> int | None:
        self.probes += 1
        await asyncio.sleep(0.01)
        if self.down:
            raise ConnectionError("down")
        return self.counts.get(queue)


async def test_concurrent_askers_share_one_probe_and_its_answer_is_cached() -> None:
    transport = CountingTransport({"engine": 2})
    presence = Presence(transport, ttl=60)  # type: ignore[arg-type]
    assert await asyncio.gather(*(presence.consumers("engine") for _ in range(20))) == [2] * 20
    assert await presence.consumers("engine") == 2
    assert transport.probes == 1


async def test_an_expired_answer_is_asked_again() -> None:
    transport = CountingTransport({"engine": 1})
    presence = Presence(transport, ttl=0)  # type: ignore[arg-type]
    await presence.consumers("engine")
    await presence.consumers("engine")
    assert transport.probes == 2


async def test_require_names_what_is_missing() -> None:
    presence = Presence(CountingTransport({"engine": 0}))  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailable, match="engine"):
        await presence.require("engine", "engine")
    with pytest.raises(NoRoute):
        await presence.require("never-declared", "store")


async def test_require_lets_the_call_go_ahead_when_the_broker_cannot_be_asked() -> None:
    presence = Presence(CountingTransport({}, down=True))  # type: ignore[arg-type]
    await presence.require("engine", "engine")  # no error: the call itself rides out the blip
