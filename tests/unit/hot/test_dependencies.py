"""The dependency graph: implicit and explicit edges, errors, orders, scheduling helpers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from services.engine import hot
from shared.exceptions import CircularDependency, InvalidTemplateReference, StackValidationFailed

from .helpers import load, template, value_resource


def none(**extra: Any) -> dict[str, Any]:
    return {"type": "OS::Heat::None", **extra}


def test_implicit_and_explicit_dependencies() -> None:
    doc = template(
        {
            "a": none(),
            "b": value_resource({"get_resource": "a"}),
            "c": value_resource({"get_attr": ["b", "value"]}, depends_on="a"),
            "d": none(depends_on=["a", "c"], metadata={"m": {"get_resource": "b"}}),
        }
    )
    defn = load(doc)
    assert defn.resources["b"].dependencies() == {"a"}
    assert defn.resources["c"].dependencies() == {"a", "b"}
    assert defn.resources["c"].implicit_dependencies() == {"b"}
    assert defn.resources["d"].dependencies() == {"a", "b", "c"}
    assert defn.dependencies.creation_levels() == [["a"], ["b"], ["c"], ["d"]]
    assert defn.dependencies.deletion_levels() == [["d"], ["c"], ["b"], ["a"]]
    assert defn.dependencies.creation_order() == ["a", "b", "c", "d"]
    assert defn.dependencies.deletion_order() == ["d", "c", "b", "a"]
    assert defn.dependencies.requires("c") == {"a", "b"}
    assert defn.dependencies.required_by("a") == {"b", "c", "d"}


def test_independent_resources_are_ready_together() -> None:
    doc = template({"x": none(), "y": none(), "z": none(depends_on=["x", "y"]), "w": none()})
    assert load(doc).dependencies.creation_levels() == [["x", "y", "w"], ["z"]]


@pytest.mark.parametrize(
    ("resources", "target", "key"),
    [
        ({"a": none(depends_on="nope")}, "nope", "resources.a.depends_on"),
        (
            {"a": value_resource({"get_resource": "nope"})},
            "nope",
            "resources.a.properties.value.get_resource",
        ),
        ({"a": value_resource({"get_attr": ["nope", "x"]})}, "nope", "resources.a.properties.value.get_attr"),
        (
            {"a": none(metadata={"k": {"get_resource": "nope"}})},
            "nope",
            "resources.a.metadata.k.get_resource",
        ),
    ],
)
def test_unknown_targets_name_the_reference(resources: dict[str, Any], target: str, key: str) -> None:
    with pytest.raises(InvalidTemplateReference) as err:
        load(template(resources))
    assert err.value.kwargs == {"resource": target, "key": key}


def test_unknown_targets_in_outputs_fail_stack_validation_as_heat() -> None:
    with pytest.raises(StackValidationFailed, match=r'"nope" \(in outputs.o.value.get_attr\)'):
        load(template({}, outputs={"o": {"value": {"get_attr": ["nope", "x"]}}}))


@pytest.mark.parametrize(
    ("resources", "cycle"),
    [
        ({"a": none(depends_on="a")}, "a -> a"),
        ({"a": none(depends_on="b"), "b": none(depends_on="a")}, "a -> b -> a"),
        (
            {
                "ok": none(),
                "a": value_resource({"get_resource": "b"}),
                "b": value_resource({"get_attr": ["c", "x"]}),
                "c": none(depends_on=["a", "ok"]),
            },
            "a -> b -> c -> a",
        ),
        ({"a": none(depends_on="b"), "b": none(depends_on="a"), "c": none(depends_on="a")}, "a -> b -> a"),
    ],
)
def test_cycles_name_the_resources(resources: dict[str, Any], cycle: str) -> None:
    with pytest.raises(CircularDependency) as err:
        load(template(resources))
    assert err.value.kwargs == {"cycle": cycle}
    assert str(err.value) == f"Circular Dependency Found: {cycle}"


def test_ready_sets_given_what_is_done() -> None:
    graph = hot.DependencyGraph({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
    assert graph.ready_to_create(done=[]) == ["a"]
    assert graph.ready_to_create(done=["a"]) == ["b", "c"]
    assert graph.ready_to_create(done=["a"], started=["b"]) == ["c"]
    assert graph.ready_to_create(done=["a", "b"]) == ["c"]
    assert graph.ready_to_create(done=["a", "b", "c"]) == ["d"]
    assert graph.ready_to_delete(done=[]) == ["d"]
    assert graph.ready_to_delete(done=["d"]) == ["b", "c"]
    assert graph.ready_to_delete(done=["d", "b", "c"]) == ["a"]


@pytest.mark.parametrize("reverse", [False, True])
def test_tracker_walks_every_node_once(reverse: bool) -> None:
    graph = hot.DependencyGraph({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
    tracker = graph.tracker(reverse=reverse)
    ready = tracker.start()
    seen: list[str] = []
    while ready:
        node = ready.pop(0)
        seen.append(node)
        ready.extend(tracker.done(node))
    assert tracker.finished
    assert sorted(seen) == ["a", "b", "c", "d"]
    order = seen if not reverse else list(reversed(seen))
    assert order.index("a") < order.index("b") < order.index("d")
    assert tracker.done("a") == []  # idempotent


def test_tracker_releases_a_node_only_when_all_its_requirements_are_done() -> None:
    tracker = hot.DependencyGraph({"a": [], "b": [], "c": ["a", "b"]}).tracker()
    assert tracker.start() == ["a", "b"]
    assert tracker.done("a") == []
    assert tracker.done("b") == ["c"]


def test_subgraph() -> None:
    graph = hot.DependencyGraph({"a": [], "b": ["a"], "c": ["b"]})
    assert graph.subgraph(["b", "c"]).creation_levels() == [["b"], ["c"]]


def test_an_edge_to_an_unknown_node() -> None:
    with pytest.raises(InvalidTemplateReference):
        hot.DependencyGraph({"a": ["b"]})


def test_a_long_chain_is_linear() -> None:
    n = 1000
    chain = {f"r{i}": ([f"r{i - 1}"] if i else []) for i in range(n)}
    start = time.perf_counter()
    graph = hot.DependencyGraph(chain)
    levels = graph.creation_levels()
    tracker = graph.tracker()
    ready = tracker.start()
    while ready:
        ready = [m for node in ready for m in tracker.done(node)]
    elapsed = time.perf_counter() - start
    assert len(levels) == n and tracker.finished
    assert elapsed < 1.0  # quadratic behaviour would show up well above this


def test_a_1000_resource_template_loads() -> None:
    resources = {f"r{i}": none(depends_on=[f"r{i - 1}"] if i else []) for i in range(1000)}
    defn = load(template(resources))
    assert len(defn.dependencies.creation_levels()) == 1000


def test_a_long_cycle_is_reported_without_recursion() -> None:
    n = 5000
    with pytest.raises(CircularDependency) as err:
        hot.DependencyGraph({f"r{i}": [f"r{(i + 1) % n}"] for i in range(n)})
    assert err.value.kwargs["cycle"].startswith("r0 -> r1 -> ")
    assert err.value.kwargs["cycle"].endswith(" -> r0")
