"""The resource dependency graph: checks, creation order and deletion order.

Pure data and linear time: building the graph, checking it for cycles and
computing the "ready sets" are O(nodes + edges), so a 1000-resource chain
costs nothing. A scheduler either takes the levels at once
(``creation_levels``) or walks the graph with a ``ReadyTracker``, which
releases a node as soon as everything it waits for is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.exceptions import CircularDependency, InvalidTemplateReference


class DependencyGraph:
    """``requires[a]`` = the nodes ``a`` needs done before it starts (for creation)."""

    def __init__(self, requires: Mapping[str, Iterable[str]]) -> None:
        """Raises InvalidTemplateReference for an edge to an unknown node, CircularDependency for a cycle."""
        self._requires: dict[str, frozenset[str]] = {n: frozenset(d) for n, d in requires.items()}
        self._required_by: dict[str, set[str]] = {n: set() for n in self._requires}
        for node, deps in self._requires.items():
            for dep in sorted(deps):
                if dep not in self._requires:
                    raise InvalidTemplateReference(resource=dep, key=f"resources.{node}")
                self._required_by[dep].add(node)
        self._levels = self._compute_levels()

    @classmethod
    def from_definitions(cls, resources: Mapping[str, Any]) -> DependencyGraph:
        """From ResourceDefinitions (anything with ``dependencies()``), unknown targets already checked."""
        return cls({name: defn.dependencies() for name, defn in resources.items()})

    def __contains__(self, node: object) -> bool:
        return node in self._requires

    def __len__(self) -> int:
        return len(self._requires)

    @property
    def nodes(self) -> list[str]:
        return list(self._requires)

    def requires(self, node: str) -> frozenset[str]:
        """What ``node`` needs created before it."""
        return self._requires[node]

    def required_by(self, node: str) -> frozenset[str]:
        """What needs ``node`` (and so must be deleted before it)."""
        return frozenset(self._required_by[node])

    def creation_levels(self) -> list[list[str]]:
        """Ready sets for creation: every node of a level only needs nodes of earlier levels."""
        return [list(level) for level in self._levels]

    def deletion_levels(self) -> list[list[str]]:
        """Ready sets for deletion: the creation levels reversed."""
        return self._reverse_levels()

    def creation_order(self) -> list[str]:
        """One topological order (template order within a level)."""
        return [n for level in self._levels for n in level]

    def deletion_order(self) -> list[str]:
        return [n for level in self._reverse_levels() for n in level]

    def ready_to_create(self, done: Iterable[str], started: Iterable[str] = ()) -> list[str]:
        """Nodes not done nor started whose requirements are all done. O(nodes + edges)."""
        done_set, started_set = set(done), set(started)
        return [
            n
            for n, deps in self._requires.items()
            if n not in done_set and n not in started_set and deps <= done_set
        ]

    def ready_to_delete(self, done: Iterable[str], started: Iterable[str] = ()) -> list[str]:
        """Nodes not deleted nor started that nothing still-present requires."""
        done_set, started_set = set(done), set(started)
        return [
            n
            for n, users in self._required_by.items()
            if n not in done_set and n not in started_set and users <= done_set
        ]

    def tracker(self, *, reverse: bool = False) -> ReadyTracker:
        """A stateful walk for a scheduler: creation order, or deletion when ``reverse``."""
        return ReadyTracker(self, reverse=reverse)

    def subgraph(self, nodes: Iterable[str]) -> DependencyGraph:
        """The graph restricted to ``nodes`` (edges to other nodes dropped)."""
        keep = set(nodes)
        return DependencyGraph({n: self._requires[n] & keep for n in self._requires if n in keep})

    def _compute_levels(self) -> list[list[str]]:
        pending = {n: len(d) for n, d in self._requires.items()}
        position = {n: i for i, n in enumerate(self._requires)}
        level = [n for n, count in pending.items() if count == 0]
        levels: list[list[str]] = []
        placed = 0
        while level:
            levels.append(level)
            placed += len(level)
            following: list[str] = []
            for node in level:
                for user in self._required_by[node]:
                    pending[user] -= 1
                    if pending[user] == 0:
                        following.append(user)
            following.sort(key=position.__getitem__)
            level = following
        if placed != len(self._requires):
            raise CircularDependency(cycle=self._find_cycle({n for n, c in pending.items() if c > 0}))
        return levels

    def _find_cycle(self, remaining: set[str]) -> str:
        """A cycle among nodes left after the topological sort, as ``a -> b -> a``."""
        start = next(n for n in self._requires if n in remaining)
        path: list[str] = []
        index: dict[str, int] = {}
        node = start
        # Every remaining node requires at least one other remaining node, so
        # following such edges must come back to a node already on the path.
        while node not in index:
            index[node] = len(path)
            path.append(node)
            node = min(d for d in self._requires[node] if d in remaining)
        cycle = [*path[index[node] :], node]
        return " -> ".join(cycle)

    def _reverse_levels(self) -> list[list[str]]:
        pending = {n: len(users) for n, users in self._required_by.items()}
        position = {n: i for i, n in enumerate(self._requires)}
        level = [n for n, count in pending.items() if count == 0]
        levels: list[list[str]] = []
        while level:
            levels.append(level)
            following = []
            for node in level:
                for dep in self._requires[node]:
                    pending[dep] -= 1
                    if pending[dep] == 0:
                        following.append(dep)
            level = sorted(following, key=position.__getitem__)
        return levels


class ReadyTracker:
    """Walks a graph for a scheduler: ``start()`` gives the first ready nodes,
    each ``done(node)`` returns the nodes it released. Linear overall."""

    def __init__(self, graph: DependencyGraph, *, reverse: bool = False) -> None:
        self._graph = graph
        self._reverse = reverse
        self._pending = {n: len(graph.required_by(n) if reverse else graph.requires(n)) for n in graph.nodes}
        self._done: set[str] = set()

    def start(self) -> list[str]:
        return [n for n, count in self._pending.items() if count == 0]

    def done(self, node: str) -> list[str]:
        """Mark ``node`` finished; returns the nodes that became ready. Idempotent."""
        if node in self._done:
            return []
        self._done.add(node)
        released = []
        followers = self._graph.requires(node) if self._reverse else self._graph.required_by(node)
        for follower in followers:
            self._pending[follower] -= 1
            if self._pending[follower] == 0:
                released.append(follower)
        return released

    @property
    def finished(self) -> bool:
        return len(self._done) == len(self._pending)

    @property
    def completed(self) -> frozenset[str]:
        return frozenset(self._done)
