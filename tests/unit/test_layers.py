"""No import circles in services/ or shared/ (lint-imports checks the layer arrows; this, the loops).

Imports inside functions and under TYPE_CHECKING count: they hide a circle
from the interpreter, not from the design.
"""

from __future__ import annotations

import grimp


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _without_packages(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """Drop edges into package ``__init__`` modules: re-exports are not circles of the design."""
    packages = {m for m in graph.modules if graph.find_children(m)}
    for module in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module) & packages:
            graph.remove_import(importer=module, imported=imported)
    return graph


def test_circles_are_found() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "b", "c"):
        graph.add_module(name)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    assert _circles(graph) == []
    graph.add_import(importer="c", imported="a")
    assert _circles(graph) == [["a", "b", "c"]]


def test_services_and_shared_have_no_import_circles() -> None:
    graph = _without_packages(grimp.build_graph("services", "shared", cache_dir=None))
    assert _circles(graph) == []
