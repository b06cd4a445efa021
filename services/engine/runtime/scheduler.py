"""Run an action on every node of a dependency graph: in order, in parallel where it can.

A node starts as soon as everything it waits for is done (not level by
level), at most ``limit`` at a time. The first failure stops new starts,
cancels what still runs and is re-raised; cancelling the caller (a stack
timeout, an engine stop) cancels every running node. Bookkeeping is linear
in nodes + edges and only ``limit`` tasks exist at any moment, so a
1000-resource stack costs no more than its resources' own work.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Protocol


class Halted(Exception):
    """The walk stopped launching because it was asked to (``halt``), after what ran had finished."""


class Tracker(Protocol):
    def start(self) -> list[str]: ...

    def done(self, node: str) -> list[str]: ...

    @property
    def finished(self) -> bool: ...


class Graph(Protocol):
    def tracker(self, *, reverse: bool = False) -> Tracker: ...


async def run_graph(
    graph: Graph,
    action: Callable[[str], Awaitable[None]],
    *,
    reverse: bool = False,
    limit: int = 64,
    skip: Callable[[str], bool] | None = None,
    halt: asyncio.Event | None = None,
    finish_running: bool = True,
) -> None:
    """Await ``action(node)`` for each node in dependency order (reverse: deletion order).

    ``skip(node)`` marks a node done without running it (e.g. a resource
    that needs no work). Raises the first exception an action raised. Once
    ``halt`` is set nothing new starts; when what runs has finished, raises
    ``Halted`` (a newer update takes over from there). After a failure nothing new
    starts and, with ``finish_running`` (the default), what already runs is awaited
    before the failure is raised; without it, it is cancelled at once.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tracker = graph.tracker(reverse=reverse)
    ready: collections.deque[str] = collections.deque(tracker.start())
    finished: asyncio.Queue[tuple[str, BaseException | None]] = asyncio.Queue()
    running: dict[str, asyncio.Task[None]] = {}

    async def run_one(node: str) -> None:
        try:
            await action(node)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # reported to the loop below, which re-raises it
            finished.put_nowait((node, exc))
            return
        finished.put_nowait((node, None))

    def launch() -> None:
        if halt is not None and halt.is_set():
            return
        while ready and len(running) < limit:
            node = ready.popleft()
            if skip is not None and skip(node):
                ready.extend(tracker.done(node))
                continue
            running[node] = asyncio.create_task(run_one(node), name=f"node:{node}")

    first_error: BaseException | None = None
    try:
        launch()
        while running:
            node, error = await finished.get()
            running.pop(node, None)
            if error is not None:
                if not finish_running:
                    raise error
                # As Heat's convergence engine: what already runs finishes its own action,
                # only work not yet started is skipped; the first failure is what is raised.
                first_error = first_error or error
                continue
            if first_error is None:
                ready.extend(tracker.done(node))
                launch()
        if first_error is not None:
            raise first_error
        if halt is not None and halt.is_set() and not tracker.finished:
            raise Halted()
    finally:
        if running:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)
