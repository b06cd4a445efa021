"""run_graph, pure: order, parallelism, failure, halt, cancellation (no I/O, in-process)."""

from __future__ import annotations

import asyncio

import pytest

from services.engine.hot.dependencies import DependencyGraph
from services.engine.runtime.scheduler import Halted, run_graph


async def test_a_failure_lets_running_siblings_finish_and_starts_nothing_after_it() -> None:
    graph = DependencyGraph({"bad": (), "slow": (), "after": ("bad",), "later": ("slow",)})
    finished: list[str] = []

    async def step(node: str) -> None:
        if node == "bad":
            raise ValueError("boom")
        await asyncio.sleep(0.05 if node == "slow" else 0)
        finished.append(node)

    with pytest.raises(ValueError, match="boom"):
        await run_graph(graph, step)
    assert finished == ["slow"]  # finished its own action; "after" and "later" never started


async def test_without_finish_running_a_failure_cancels_the_siblings() -> None:
    graph = DependencyGraph({"bad": (), "slow": ()})
    cancelled: list[str] = []

    async def step(node: str) -> None:
        if node == "bad":
            await asyncio.sleep(0)
            raise ValueError("boom")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(node)
            raise

    with pytest.raises(ValueError):
        await run_graph(graph, step, finish_running=False)
    assert cancelled == ["slow"]


async def test_halt_stops_launching_and_raises_once_running_steps_end() -> None:
    graph = DependencyGraph({"a": (), "b": ("a",)})
    halt = asyncio.Event()
    ran: list[str] = []

    async def step(node: str) -> None:
        halt.set()
        ran.append(node)

    with pytest.raises(Halted):
        await run_graph(graph, step, halt=halt)
    assert ran == ["a"]


async def test_dependencies_go_first_and_independent_nodes_overlap() -> None:
    graph = DependencyGraph({"x": (), "y": (), "z": ("x", "y")})
    running: set[str] = set()
    overlap: list[set[str]] = []
    order: list[str] = []

    async def step(node: str) -> None:
        running.add(node)
        await asyncio.sleep(0.01)
        overlap.append(set(running))
        running.discard(node)
        order.append(node)

    await run_graph(graph, step)
    assert order[-1] == "z" and {"x", "y"} in overlap
