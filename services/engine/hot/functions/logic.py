"""Condition functions (equals, not, and, or), ``if``, and the functions Ember does not support."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..resolver import DELETE, UNRESOLVED, Resolver
from .base import (
    Function,
    NotSupportedFunction,
    ParseContext,
    Reference,
    is_function,
    iter_references,
    parse,
    register,
    resolve,
)


class _ConditionFunction(Function):
    """Base of not/and/or: arguments are condition names, booleans or condition functions."""

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.conditions = ctx.conditions

    def truth(self, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if self.conditions is None:
                raise self.invalid(f'the condition "{value}" cannot be evaluated here')
            return self.conditions.is_enabled(value, self.path)
        raise self.invalid(f"{value!r:.60} is not a condition name or a boolean")


@register
class Equals(Function):
    """``equals: [a, b]`` -> a == b."""

    name = "equals"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list of two values")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        return args[0] == args[1]


@register
class Not(_ConditionFunction):
    """``not: condition``."""

    name = "not"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if isinstance(self.args, (list, dict)) and not is_function(self.args):
            raise self.invalid("takes one condition (a name, a boolean or a condition function)")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        value = self.truth(args)
        return UNRESOLVED if value is None else not value


class _Junction(_ConditionFunction):
    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) < 2:
            raise self.invalid("must be a list of at least two conditions")

    def values(self, args: list[Any]) -> list[bool | None]:
        return [self.truth(a) for a in args]


@register
class And(_Junction):
    """``and: [condition, condition, ...]``."""

    name = "and"

    def compute(self, args: Any, resolver: Resolver) -> Any:
        values = self.values(args)
        if False in values:
            return False
        return UNRESOLVED if None in values else True


@register
class Or(_Junction):
    """``or: [condition, condition, ...]``."""

    name = "or"

    def compute(self, args: Any, resolver: Resolver) -> Any:
        values = self.values(args)
        if True in values:
            return True
        return UNRESOLVED if None in values else False


@register
class If(Function):
    """``if: [condition, value_if_true, value_if_false]``.

    Only the chosen branch is resolved, and only its references count as
    dependencies. From 2021-04-16 the false value may be omitted: the key
    or list item holding the ``if`` is then removed.
    """

    name = "if"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        self.path = path
        self.raw_args = raw_args
        sizes = (2, 3) if ctx.version.if_nullable else (3,)
        if not isinstance(raw_args, list) or len(raw_args) not in sizes:
            shape = "[condition, value_if_true, value_if_false]"
            if ctx.version.if_nullable:
                shape = "[condition, value_if_true] or " + shape
            raise self.invalid(f"must be a list {shape}")
        self.condition = parse(raw_args[0], f"{path}[0]", ctx.for_conditions())
        self.args = [self.condition] + [parse(v, f"{path}[{i}]", ctx) for i, v in enumerate(raw_args[1:], 1)]
        self.conditions = ctx.conditions
        if not isinstance(self.condition, (bool, str)) and not is_function(self.condition):
            raise self.invalid("the condition must be a condition name, a boolean or a condition function")
        self.chosen: bool | None = None
        if self.conditions is not None:
            self.chosen = self.conditions.evaluate(self.condition, f"{path}[0]")

    def _branch(self, chosen: bool) -> Any:
        if chosen:
            return self.args[1]
        return self.args[2] if len(self.args) > 2 else DELETE

    def resolve(self, resolver: Resolver) -> Any:
        chosen = self.chosen
        if chosen is None:
            if self.conditions is not None:
                return UNRESOLVED
            value = resolve(self.condition, resolver)
            if value is UNRESOLVED:
                return UNRESOLVED
            if not isinstance(value, bool):
                raise self.invalid("the condition must evaluate to a boolean")
            chosen = value
        branch = self._branch(chosen)
        return branch if branch is DELETE else resolve(branch, resolver)

    def references(self) -> Iterator[Reference]:
        if self.chosen is None:
            yield from iter_references(self.args[1:])
        else:
            yield from iter_references(self._branch(self.chosen))


@register
class Yaql(NotSupportedFunction):
    name = "yaql"
    why = " (no maintained YAQL library is available to Ember)"


FACADE_SECTIONS = ("metadata", "deletion_policy", "update_policy")


@register
class ResourceFacade(Function):
    """``resource_facade: metadata|deletion_policy|update_policy``: that section of the resource a
    provider template's nested stack stands for (in its parent)."""

    name = "resource_facade"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if self.args not in FACADE_SECTIONS:
            raise self.invalid(
                f'Incorrect arguments to "{self.name}" should be: {self.name}: ({"|".join(FACADE_SECTIONS)})'
            )

    def compute(self, args: Any, resolver: Resolver) -> Any:
        facade = getattr(resolver, "get_resource_facade", None)
        if facade is None:
            raise self.invalid(f"{self.name} is only available in a provider template's nested stack")
        return facade(args, self.path)
