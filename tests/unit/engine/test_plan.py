"""The update plan, pure: every kind of change and the order of the combined graph."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from services.engine.lifecycle.plan import Change, Existing, Wanted, old_node, plan_update, summary


def have(
    name: str, deps: tuple[str, ...] = (), *, type_: str = "T", created: bool = True, healthy: bool = True
) -> Existing:
    return Existing(name, type_, created, healthy, frozenset(deps))


def want(name: str, deps: tuple[str, ...] = (), type_: str = "T") -> Wanted:
    return Wanted(name, type_, frozenset(deps))


def keep(name: str, decided: Mapping[str, Change]) -> Change:
    return Change.KEEP


def order(plan_graph: object) -> list[str]:
    return plan_graph.creation_order()  # type: ignore[attr-defined,no-any-return]


def test_each_kind_of_change() -> None:
    existing = {
        "same": have("same"),
        "typed": have("typed", type_="Old"),
        "failed": have("failed", healthy=False),
        "never": have("never", created=False),
        "gone": have("gone"),
        "props": have("props"),
    }
    wanted = {
        "same": want("same"),
        "typed": want("typed", type_="New"),
        "failed": want("failed"),
        "never": want("never"),
        "new": want("new"),
        "props": want("props"),
    }
    plan = plan_update(existing, wanted, lambda n, d: Change.UPDATE if n == "props" else Change.KEEP)
    assert plan.changes == {
        "same": Change.KEEP,
        "typed": Change.REPLACE,
        "failed": Change.REPLACE,
        "never": Change.CREATE,
        "new": Change.CREATE,
        "props": Change.UPDATE,
        "gone": Change.DELETE,
    }
    assert summary(plan, [*wanted, "gone"])["replaced"] == ["typed", "failed"]
    assert not plan.is_empty


def test_nothing_changed_is_an_empty_plan() -> None:
    plan = plan_update({"a": have("a")}, {"a": want("a")}, keep)
    assert plan.is_empty and list(plan.graph.nodes) == ["a"]


def test_classify_sees_its_dependencies_decided_first() -> None:
    seen: dict[str, dict[str, Change]] = {}

    def classify(name: str, decided: Mapping[str, Change]) -> Change:
        seen[name] = dict(decided)
        return Change.REPLACE if name == "db" else Change.KEEP

    existing = {"web": have("web", ("db",)), "db": have("db")}
    plan_update(existing, {"web": want("web", ("db",)), "db": want("db")}, classify)
    assert seen["web"] == {"db": Change.REPLACE}


def test_a_replaced_resource_is_deleted_after_its_replacement_and_its_new_users() -> None:
    existing = {"db": have("db"), "web": have("web", ("db",))}
    wanted = {"db": want("db"), "web": want("web", ("db",))}
    plan = plan_update(existing, wanted, lambda n, d: Change.REPLACE if n == "db" else Change.UPDATE)
    steps = order(plan.graph)
    assert steps.index("db") < steps.index("web") < steps.index(old_node("db"))
    assert plan.old_nodes == {old_node("db"): "db"}


def test_removed_resources_go_in_reverse_dependency_order_after_users_move_on() -> None:
    existing = {"a": have("a"), "b": have("b", ("a",)), "c": have("c", ("b",))}
    plan = plan_update(existing, {"c": want("c")}, lambda n, d: Change.UPDATE)
    steps = order(plan.graph)
    assert plan.changes == {"c": Change.UPDATE, "a": Change.DELETE, "b": Change.DELETE}
    assert steps.index("c") < steps.index(old_node("b")) < steps.index(old_node("a"))


def test_spare_rows_are_deleted_after_the_name_moved_on() -> None:
    plan = plan_update({"a": have("a")}, {"a": want("a"), "u": want("u", ("a",))}, keep, {"a\x00row7": "a"})
    steps = order(plan.graph)
    assert steps.index("u") < steps.index("a\x00row7")


names = st.sampled_from(list("abcdefgh"))


@settings(max_examples=150, deadline=None)
@given(
    old=st.dictionaries(names, st.frozensets(names, max_size=3), max_size=8),
    new=st.dictionaries(names, st.frozensets(names, max_size=3), max_size=8),
    kinds=st.dictionaries(names, st.sampled_from([Change.KEEP, Change.UPDATE, Change.REPLACE])),
)
def test_any_plan_orders_every_change_and_never_deletes_what_is_still_used(
    old: dict[str, frozenset[str]], new: dict[str, frozenset[str]], kinds: dict[str, Change]
) -> None:
    # Keep the two graphs acyclic by only depending on names earlier in the alphabet.
    old = {n: frozenset(d for d in deps if d < n and d in old) for n, deps in old.items()}
    new = {n: frozenset(d for d in deps if d < n and d in new) for n, deps in new.items()}
    existing = {n: have(n, tuple(d)) for n, d in old.items()}
    wanted = {n: want(n, tuple(d)) for n, d in new.items()}
    plan = plan_update(existing, wanted, lambda n, d: kinds.get(n, Change.KEEP))
    assert set(plan.changes) == set(old) | set(new)
    steps = order(plan.graph)
    position = {node: i for i, node in enumerate(steps)}
    for node, name in plan.old_nodes.items():
        for user, deps in new.items():
            if name in deps:  # a new user of a replaced name moves on before the old row goes
                assert position[user] < position[node]
        for user, deps in old.items():
            if name in deps and old_node(user) in plan.old_nodes:
                assert position[old_node(user)] < position[node]
