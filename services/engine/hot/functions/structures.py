"""Functions over lists and maps: repeat, map_merge, map_replace, list_concat(_unique), contains, filter."""

from __future__ import annotations

import itertools
import json
from typing import Any

from ..resolver import Resolver
from .base import Function, ParseContext, is_function, register

# A guard against templates that expand into millions of items.
MAX_REPEAT_ITEMS = 10_000


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _substitute(template: Any, replacements: list[tuple[str, str]]) -> Any:
    """Replace every placeholder in every string of ``template`` (keys included)."""
    if isinstance(template, str):
        for placeholder, value in replacements:
            template = template.replace(placeholder, value)
        return template
    if isinstance(template, dict):
        return {_substitute(k, replacements): _substitute(v, replacements) for k, v in template.items()}
    if isinstance(template, list):
        return [_substitute(v, replacements) for v in template]
    return template


@register
class Repeat(Function):
    """``repeat: {for_each: {<%var%>: list}, template: value, permutations: bool}``."""

    name = "repeat"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.over_maps = ctx.version.repeat_over_maps
        allowed = {"for_each", "template"} | ({"permutations"} if ctx.version.repeat_permutations else set())
        if not isinstance(self.args, dict) or not {"for_each", "template"} <= set(self.args):
            raise self.invalid('must be a map with "for_each" and "template"')
        unknown = set(self.args) - allowed
        if unknown:
            raise self.invalid(f'unknown key "{sorted(map(str, unknown))[0]}"')
        for_each = self.args["for_each"]
        if not is_function(for_each):
            if not isinstance(for_each, dict) or not for_each:
                raise self.invalid('"for_each" must be a non-empty map of placeholder to list')
            for key in for_each:
                if not isinstance(key, str) or not key:
                    raise self.invalid('"for_each" placeholders must be non-empty strings')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        for_each, template = args["for_each"], args["template"]
        permutations = args.get("permutations", True)
        if not isinstance(permutations, bool):
            raise self.invalid('"permutations" must be true or false')
        if not isinstance(for_each, dict) or not for_each:
            raise self.invalid('"for_each" must be a non-empty map of placeholder to list')
        names: list[str] = []
        lists: list[list[Any]] = []
        for name, values in for_each.items():
            if isinstance(values, dict) and self.over_maps:
                values = list(values)
            if not isinstance(values, list):
                raise self.invalid(f'the values of "{name}" must be a list')
            names.append(str(name))
            lists.append(values)
        size = 1
        for values in lists:
            size *= len(values)
        if permutations and size > MAX_REPEAT_ITEMS:
            raise self.invalid(f"would make {size} items, more than the limit of {MAX_REPEAT_ITEMS}")
        if permutations:
            combos: list[tuple[Any, ...]] = list(itertools.product(*lists))
        else:
            if len({len(v) for v in lists}) > 1:
                raise self.invalid('with "permutations: false" every list must have the same length')
            combos = list(zip(*lists, strict=True))
        return [
            _substitute(template, [(n, _text(v)) for n, v in zip(names, combo, strict=True)])
            for combo in combos
        ]


@register
class MapMerge(Function):
    """``map_merge: [map, map, ...]``; later maps win."""

    name = "map_merge"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list):
            raise self.invalid("must be a list of maps")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        merged: dict[Any, Any] = {}
        for i, item in enumerate(args):
            if item is None:
                continue
            if not isinstance(item, dict):
                raise self.invalid(f"item {i} is a {type(item).__name__}, not a map")
            merged.update(item)
        return merged


@register
class MapReplace(Function):
    """``map_replace: [map, {keys: {old: new}, values: {old: new}}]``."""

    name = "map_replace"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [map, {keys: map, values: map}]")
        spec = self.args[1]
        if not is_function(spec):
            if not isinstance(spec, dict) or set(spec) - {"keys", "values"}:
                raise self.invalid('the second item must be a map with "keys" and/or "values"')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        source, spec = args
        if not isinstance(source, dict):
            raise self.invalid("the first item must be a map")
        if not isinstance(spec, dict) or set(spec) - {"keys", "values"}:
            raise self.invalid('the second item must be a map with "keys" and/or "values"')
        keys, values = spec.get("keys") or {}, spec.get("values") or {}
        if not isinstance(keys, dict) or not isinstance(values, dict):
            raise self.invalid('"keys" and "values" must be maps')
        result: dict[Any, Any] = {}
        for key, value in source.items():
            new_key = keys.get(key, key)
            if new_key in result:
                raise self.invalid(f'replacing keys makes "{new_key}" appear twice')
            if isinstance(value, (str, int, float, bool)) and value in values:
                value = values[value]
            result[new_key] = value
        return result


class _ListsFunction(Function):
    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list):
            raise self.invalid("must be a list of lists")

    def _items(self, args: list[Any]) -> list[Any]:
        items: list[Any] = []
        for i, values in enumerate(args):
            if values is None:
                continue
            if not isinstance(values, list):
                raise self.invalid(f"item {i} is not a list")
            items.extend(values)
        return items


@register
class ListConcat(_ListsFunction):
    """``list_concat: [list, list, ...]``."""

    name = "list_concat"

    def compute(self, args: Any, resolver: Resolver) -> Any:
        return self._items(args)


@register
class ListConcatUnique(_ListsFunction):
    """``list_concat_unique: [list, ...]``: concatenation keeping the first of equal items."""

    name = "list_concat_unique"

    def compute(self, args: Any, resolver: Resolver) -> Any:
        seen: set[str] = set()
        result = []
        for item in self._items(args):
            key = json.dumps(item, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                result.append(item)
        return result


@register
class Contains(Function):
    """``contains: [value, sequence]`` -> boolean."""

    name = "contains"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [value, sequence]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        value, sequence = args
        if isinstance(sequence, str):
            return isinstance(value, str) and value in sequence
        if not isinstance(sequence, list):
            raise self.invalid("the second item must be a list or a string")
        return value in sequence


@register
class Filter(Function):
    """``filter: [values_to_remove, list]``."""

    name = "filter"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [values_to_remove, list]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        remove, values = args
        if remove is None:
            remove = []
        if not isinstance(remove, list) or not isinstance(values, list):
            raise self.invalid("both items must be lists")
        return [v for v in values if v not in remove]
