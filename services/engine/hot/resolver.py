"""What function resolution asks of its caller: the Resolver protocol.

The template language knows nothing of running resources; when a function
needs a parameter, a resource's reference id, an attribute or a file, it asks
the resolver the engine supplies. ``StackResolver`` is a convenient base the
engine can subclass (it answers parameters and files itself);
``ValidationResolver`` answers references with ``UNRESOLVED`` so templates can
be checked before anything exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from services.engine.unresolved import UNRESOLVED

__all__ = [
    "DELETE",
    "UNRESOLVED",
    "ParameterResolver",
    "Resolver",
    "StackResolver",
    "ValidationResolver",
    "select_path",
]
from shared.exceptions import StackValidationFailed, UserParameterMissing


class _Sentinel:
    """A marker compared by identity that deep copies keep."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __deepcopy__(self, memo: dict[int, Any]) -> _Sentinel:
        return self

    def __copy__(self) -> _Sentinel:
        return self


DELETE: Any = _Sentinel("DELETE")
"""What ``if`` without a false branch yields: the enclosing key or item is removed."""


@runtime_checkable
class Resolver(Protocol):
    """The engine's side of function resolution.

    ``get_resource_attribute`` receives the attribute name (None means every
    attribute, as ``get_attr: [name]`` asks from 2015-10-15) and the path
    after it, which it applies (``select_path`` does that for plain values).
    Errors it raises should be EmberError subclasses; they surface as the
    reason an output or property could not be resolved.
    """

    def get_param(self, name: str) -> Any: ...

    def get_resource_reference(self, name: str) -> Any: ...

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any: ...

    def get_file(self, name: str) -> str: ...


def select_path(value: Any, path: Sequence[Any], where: str) -> Any:
    """Follow map keys and list indexes from ``value``.

    A None or UNRESOLVED value stays as it is (attributes are often unset
    before a resource is complete). Raises StackValidationFailed at ``where``.
    """
    for key in path:
        if value is None or value is UNRESOLVED:
            return value
        if isinstance(value, Mapping):
            if not isinstance(key, (str, int, float, bool)) or key not in value:
                raise StackValidationFailed(path=where, reason=f'key "{key}" not found')
            value = value[key]
        elif isinstance(value, (list, tuple)):
            index = key
            if isinstance(key, str) and key.lstrip("-").isdigit():
                index = int(key)
            if not isinstance(index, int) or isinstance(index, bool):
                raise StackValidationFailed(path=where, reason=f'"{key}" is not a list index')
            if not -len(value) <= index < len(value):
                raise StackValidationFailed(path=where, reason=f"index {index} is out of range")
            value = value[index]
        else:
            raise StackValidationFailed(
                path=where, reason=f'cannot look up "{key}" in a non-collection value'
            )
    return value


class ParameterResolver:
    """Resolves parameters from a mapping-like source and files from ``files``.

    A parameter with no value (validate_template without values) resolves to
    UNRESOLVED; references to resources are not available here.
    """

    def __init__(
        self,
        parameters: Any,
        files: Mapping[str, str] | None = None,
        facade: Mapping[str, Any] | None = None,
    ) -> None:
        self._parameters = parameters
        self._files = files or {}
        #: The parent resource's metadata / deletion_policy / update_policy, in a provider
        #: template's nested stack (``resource_facade``); None elsewhere.
        self._facade = facade

    def get_resource_facade(self, section: str, where: str) -> Any:
        if self._facade is None:
            raise StackValidationFailed(
                path=where, reason="resource_facade is only available in a provider template's nested stack"
            )
        default: Any = "Delete" if section == "deletion_policy" else {}
        return self._facade.get(section, default)

    def get_param(self, name: str) -> Any:
        try:
            return self._parameters.get(name)
        except UserParameterMissing:
            if name in self._parameters:
                return UNRESOLVED
            raise

    def get_file(self, name: str) -> str:
        if name not in self._files:
            raise StackValidationFailed(f'No content found in the "files" section for get_file path: {name}')
        return self._files[name]

    def get_resource_reference(self, name: str) -> Any:
        raise StackValidationFailed(f'The resource "{name}" cannot be referenced here')

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        raise StackValidationFailed(f'The resource "{name}" cannot be referenced here')


class ValidationResolver(ParameterResolver):
    """Parameters and files resolve; resource references, attributes and (outside a nested
    stack) the facade stay UNRESOLVED."""

    def get_resource_facade(self, section: str, where: str) -> Any:
        return UNRESOLVED if self._facade is None else super().get_resource_facade(section, where)

    def get_resource_reference(self, name: str) -> Any:
        return UNRESOLVED

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        return UNRESOLVED


class StackResolver(ParameterResolver):
    """A base for the engine's resolver: implement the two resource lookups.

    Override ``get_resource_reference`` and ``attribute_value`` (the whole
    attribute; this class applies the path).
    """

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        return select_path(self.attribute_value(name, attribute), path, f"get_attr {name}")

    def attribute_value(self, name: str, attribute: str | None) -> Any:
        raise NotImplementedError
