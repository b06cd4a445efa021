"""Shared helpers for the HOT tests: template builders and a fake resolver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.engine import hot
from services.engine.hot.resolver import select_path
from shared.exceptions import InvalidTemplateAttribute


def template(
    resources: dict[str, Any] | None = None,
    *,
    version: str = "2021-04-16",
    parameters: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    conditions: dict[str, Any] | None = None,
    **sections: Any,
) -> dict[str, Any]:
    """A template dict with only the sections given."""
    doc: dict[str, Any] = {"heat_template_version": version}
    if parameters is not None:
        doc["parameters"] = parameters
    if conditions is not None:
        doc["conditions"] = conditions
    doc["resources"] = resources if resources is not None else {}
    if outputs is not None:
        doc["outputs"] = outputs
    doc.update(sections)
    return doc


def value_resource(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "OS::Heat::Value", "properties": {"value": value}, **extra}


class FakeResolver(hot.StackResolver):
    """Resources resolve to ``ref-<name>``; attributes come from ``attributes[name][attr]``."""

    def __init__(
        self,
        parameters: Any,
        files: dict[str, str] | None = None,
        attributes: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(parameters, files)
        self.attributes = attributes or {}

    def get_resource_reference(self, name: str) -> Any:
        return f"ref-{name}"

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        attrs = self.attributes.get(name, {})
        if attribute is None:
            return select_path(dict(attrs), path, "get_attr")
        if attribute not in attrs:
            raise InvalidTemplateAttribute(resource=name, key=attribute)
        return select_path(attrs[attribute], path, "get_attr")


def load(doc: Any, params: dict[str, Any] | None = None, **kwargs: Any) -> hot.StackDefinition:
    return hot.load_stack_definition(
        doc, kwargs.pop("environment", None), kwargs.pop("files", None), params, **kwargs
    )


def resolve_value(
    snippet: Any,
    *,
    version: str = "2021-04-16",
    parameters: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    attributes: dict[str, dict[str, Any]] | None = None,
    files: dict[str, str] | None = None,
    conditions: dict[str, Any] | None = None,
) -> Any:
    """Resolve ``snippet`` as the value of an OS::Heat::Value resource's property."""
    resources: dict[str, Any] = {"target": value_resource(snippet)}
    for name in attributes or {}:
        resources[name] = {"type": "OS::Heat::None"}
    doc = template(resources, version=version, parameters=parameters, conditions=conditions)
    if conditions is None:
        doc.pop("conditions", None)
    defn = load(doc, params, files=files)
    resolver = FakeResolver(defn.parameters, defn.files, attributes)
    return defn.resources["target"].resolved_properties(resolver).get("value", "<removed>")
