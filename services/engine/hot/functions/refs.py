"""Functions that read from outside the value: get_param, get_resource, get_attr, get_file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..resolver import UNRESOLVED, Resolver
from .base import Function, ParseContext, Reference, is_function, iter_references, register


def param_path(value: Any, path: Sequence[Any]) -> Any:
    """Follow ``get_param``'s path; a key or index that is not there gives ``""``.

    Heat answers an empty value rather than an error here (a list parameter
    that is shorter than a template expects, a map without an optional key),
    and templates rely on it, e.g. ``{get_param: [names, 2]}`` with an empty
    list. A value not known yet (validation without values) stays unknown.
    """
    for key in path:
        if value is UNRESOLVED:
            return value
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            return ""
        if isinstance(value, Mapping):
            if key not in value:
                return ""
            value = value[key]
        elif isinstance(value, (list, tuple)):
            index = int(key) if isinstance(key, str) and key.lstrip("-").isdigit() else key
            if not isinstance(index, int) or not -len(value) <= index < len(value):
                return ""
            value = value[index]
        else:
            return ""
    return value


def _literal_name(fn: Function, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise fn.invalid(f"the {what} must be a non-empty string")
    return value


@register
class GetParam(Function):
    """``get_param: name`` or ``get_param: [name, key-or-index, ...]``."""

    name = "get_param"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        items = self.args if isinstance(self.args, list) else [self.args]
        if not items:
            raise self.invalid("needs a parameter name")
        first = items[0]
        if not is_function(first):
            _literal_name(self, first, "parameter name")
            if ctx.param_names is not None and first not in ctx.param_names:
                raise self.invalid(f'the parameter "{first}" is not declared in the template')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        name, *path = args if isinstance(args, list) else [args]
        if not isinstance(name, str):
            raise self.invalid("the parameter name must be a string")
        return param_path(resolver.get_param(name), path)


@register
class GetResource(Function):
    """``get_resource: name`` -> the resource's reference id."""

    name = "get_resource"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.resource = _literal_name(self, self.args, "resource name")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        return resolver.get_resource_reference(self.resource)

    def references(self) -> Iterator[Reference]:
        yield Reference(self.resource, self.path, "get_resource")


@register
class GetAttr(Function):
    """``get_attr: [resource, attribute, path...]``; from 2015-10-15 ``[resource]`` gives all attributes."""

    name = "get_attr"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        minimum = 1 if ctx.version.get_attr_all_attributes else 2
        if not isinstance(self.args, list) or len(self.args) < minimum:
            shape = "[resource, attribute, ...]"
            raise self.invalid(f"must be a list {shape} with at least {minimum} item(s)")
        self.resource = _literal_name(self, self.args[0], "resource name")
        attribute = self.args[1] if len(self.args) > 1 else None
        if attribute is not None and not is_function(attribute) and not isinstance(attribute, str):
            raise self.invalid("the attribute name must be a string")
        self.attribute_node = attribute
        self.attribute = attribute if isinstance(attribute, str) else None

    def compute(self, args: Any, resolver: Resolver) -> Any:
        attribute = args[1] if len(args) > 1 else None
        if attribute is not None and not isinstance(attribute, str):
            raise self.invalid("the attribute name must be a string")
        return resolver.get_resource_attribute(self.resource, attribute, tuple(args[2:]))

    def references(self) -> Iterator[Reference]:
        yield Reference(self.resource, self.path, "get_attr", self.attribute)
        yield from iter_references(self.args[1:])


@register
class GetFile(Function):
    """``get_file: name`` -> the content of ``files[name]``."""

    name = "get_file"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.file = _literal_name(self, self.args, "file name")
        if ctx.files is not None and self.file not in ctx.files:
            raise self.invalid(f'no content for "{self.file}" in the files section')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        return resolver.get_file(self.file)
