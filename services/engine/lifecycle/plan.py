"""Update planning, pure: the stack as it is + a new definition -> what happens to each resource.

Heat's rules, decided per resource name:

- only in the new definition (or its row was never created) -> **create**;
- only in the current stack (removed, or its condition turned false) -> **delete**;
- in both, but its row FAILED or was left IN_PROGRESS, or its type changed,
  or the plugin says the property change needs it -> **replace** (the new
  one is created first, the old one deleted after its dependents moved on);
- in both, with properties the plugin may change in place -> **update**;
- otherwise -> **keep** (no event, same physical id).

The keep/update/replace choice between rows that exist is made by the
caller's ``classify`` (it resolves the new properties against the current
resources: functions only the engine can evaluate), asked in dependency
order with the changes decided so far, so a reference to a resource that
will be replaced counts as changed; everything else here is data in, data
out. ``combined_graph`` then orders the whole update in one
graph, as Heat's update does over old + new dependencies:

- a new-side node (the resource's name) waits for its new dependencies;
- an old-side node (the old row of a replaced or removed resource) waits
  for its replacement, for every new-side resource that now depends on it,
  and for the old-side nodes of whatever depended on it before — so nothing
  is deleted while something still uses it, and independent work runs in
  parallel as for a create.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.engine.hot.dependencies import DependencyGraph


class Change(StrEnum):
    """What an update does to one resource; the values are Heat's preview keys."""

    KEEP = "unchanged"
    UPDATE = "updated"
    REPLACE = "replaced"
    CREATE = "added"
    DELETE = "deleted"


@dataclass(frozen=True)
class Existing:
    """What the plan needs to know about a resource the stack has now (its current row)."""

    name: str
    type: str
    created: bool
    healthy: bool
    depends_on: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Wanted:
    """A resource of the new definition."""

    name: str
    type: str
    depends_on: frozenset[str] = frozenset()


@dataclass
class UpdatePlan:
    changes: dict[str, Change]
    graph: DependencyGraph
    #: Old-side nodes of the graph -> the resource name whose old row they delete.
    old_nodes: dict[str, str] = field(default_factory=dict)

    def names(self, change: Change) -> list[str]:
        return [name for name, kind in self.changes.items() if kind == change]

    @property
    def is_empty(self) -> bool:
        return all(kind == Change.KEEP for kind in self.changes.values())


Classify = Callable[[str, Mapping[str, Change]], Change]


def old_node(name: str) -> str:
    """The graph node that deletes the old row of ``name`` (NUL never occurs in a resource name)."""
    return f"{name}\x00old"


def plan_update(
    existing: Mapping[str, Existing],
    wanted: Mapping[str, Wanted],
    classify: Classify,
    spare: Mapping[str, str] | None = None,
) -> UpdatePlan:
    """Decide each resource's change and order them; ``classify`` is asked only for rows that can stay.

    ``spare`` names extra deletion nodes (node -> resource name): rows an
    unfinished update left beside the one that stands for the name.
    """
    changes: dict[str, Change] = {}
    order = DependencyGraph({name: new.depends_on for name, new in wanted.items()}).creation_order()
    for name in order:  # dependencies first: ``classify`` sees what they will become
        new = wanted[name]
        current = existing.get(name)
        if current is None or not current.created:
            changes[name] = Change.CREATE
        elif not current.healthy or current.type != new.type:
            changes[name] = Change.REPLACE
        else:
            changes[name] = classify(name, changes)
    changes = {name: changes[name] for name in wanted}  # back to template order
    for name, current in existing.items():
        if name not in wanted and current.created:
            changes[name] = Change.DELETE
    graph, old_nodes = combined_graph(existing, wanted, changes, spare or {})
    return UpdatePlan(changes=changes, graph=graph, old_nodes=old_nodes)


def combined_graph(
    existing: Mapping[str, Existing],
    wanted: Mapping[str, Wanted],
    changes: Mapping[str, Change],
    spare: Mapping[str, str],
) -> tuple[DependencyGraph, dict[str, str]]:
    """One forward graph over new-side nodes and old-side (deletion) nodes; see the module doc."""
    old_nodes = {
        old_node(name): name for name, kind in changes.items() if kind in (Change.REPLACE, Change.DELETE)
    }
    requires: dict[str, set[str]] = {name: set(new.depends_on) for name, new in wanted.items()}
    new_users: dict[str, set[str]] = {name: set() for name in wanted}
    for name, new in wanted.items():
        for dep in new.depends_on:
            new_users.setdefault(dep, set()).add(name)
    old_users: dict[str, set[str]] = {}
    for name, current in existing.items():
        for dep in current.depends_on:
            old_users.setdefault(dep, set()).add(name)
    for node, name in old_nodes.items():
        waits: set[str] = set()
        if name in wanted:
            waits.add(name)  # the replacement exists first
            waits |= new_users.get(name, set())  # and what uses it has moved on to it
        for user in old_users.get(name, ()):
            if old_node(user) in old_nodes:
                waits.add(old_node(user))  # an old user of it goes first
            if user in wanted:
                waits.add(user)  # a user that stays no longer needs it once it is done
        requires[node] = waits
    for node, name in spare.items():
        requires[node] = {name, *new_users.get(name, set())} if name in wanted else set()
        old_nodes[node] = name
    return DependencyGraph(requires), old_nodes


def summary(plan: UpdatePlan, order: Iterable[str]) -> dict[str, list[str]]:
    """Names per Heat preview key, in ``order`` (e.g. template order, then removed ones)."""
    result: dict[str, list[str]] = {kind.value: [] for kind in Change}
    for name in order:
        kind = plan.changes.get(name)
        if kind is not None:
            result[kind.value].append(name)
    return result
