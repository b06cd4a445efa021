"""The function tree: parsing template values into Function nodes and resolving them.

A template value is parsed once, at load, into plain data with Function
nodes where the template calls an intrinsic function. Parsing checks each
function's argument *shape* (with the path in the error); values are
computed only when ``resolve`` is called with the engine's Resolver.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

from services.engine.unresolved import contains_unresolved as is_unresolved
from shared.exceptions import EmberError, NotSupported, StackValidationFailed

from ..paths import join
from ..resolver import DELETE, UNRESOLVED, Resolver
from ..versions import ALL_FUNCTIONS, CFN_FUNCTIONS, CONDITION_ONLY, TemplateVersion

FUNCTIONS: dict[str, type[Function]] = {}


class ConditionEvaluator(Protocol):
    """What ``if``/``not``/``and``/``or`` need: named and inline condition values."""

    def is_enabled(self, name: str, path: str) -> bool | None: ...

    def evaluate(self, expression: Any, path: str) -> bool | None: ...


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs to know: version gates, declared names, files, conditions.

    ``param_names``/``files`` None means "do not check references to them".
    ``conditions`` None means conditions are not evaluated (``if`` keeps both
    branches). ``condition_mode`` selects the conditions-section function set.
    """

    version: TemplateVersion
    param_names: frozenset[str] | None = None
    files: Mapping[str, str] | None = None
    conditions: ConditionEvaluator | None = None
    condition_mode: bool = False

    def for_conditions(self) -> ParseContext:
        return replace(self, condition_mode=True)

    def lookup(self, key: str, path: str) -> type[Function] | None:
        """The Function class for a single-key map's key, None if it is plain data."""
        allowed = self.version.condition_functions if self.condition_mode else self.version.functions
        if key in allowed:
            return FUNCTIONS[key]
        if key in CFN_FUNCTIONS:
            raise StackValidationFailed(
                path=path,
                reason=f'"{key}" is a CloudFormation function, not available in heat_template_version '
                f"{self.version.name}; use the HOT functions",
            )
        if key not in ALL_FUNCTIONS:
            return None
        if key in CONDITION_ONLY and not self.condition_mode:
            # Heat never treats equals/not/and/or as functions outside conditions
            # (in any version): the single-key map is plain data, as in Heat.
            return None
        if self.condition_mode:
            raise StackValidationFailed(
                path=path, reason=f'the function "{key}" cannot be used in a condition'
            )
        since = self.version.since(key)
        raise StackValidationFailed(
            path=path,
            reason=f'the function "{key}" needs heat_template_version {since} or later '
            f"(this template is {self.version.name})",
        )


@dataclass(frozen=True)
class Reference:
    """A reference from a template value to a resource (for dependencies and checks)."""

    resource: str
    path: str
    kind: str  # "get_resource" | "get_attr" | "depends_on"
    attribute: str | None = None


class Function:
    """A parsed intrinsic function call.

    ``path`` is where it is, ending with its name (``...name.str_replace``);
    ``args`` are its parsed arguments; ``raw`` the template snippet it came from.
    Subclasses check shapes in ``__init__`` and compute in ``compute``.
    """

    name: ClassVar[str] = ""

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        self.path = path
        self.raw_args = raw_args
        self.args: Any = parse(raw_args, path, ctx)

    @property
    def raw(self) -> dict[str, Any]:
        return {self.name: self.raw_args}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"

    def invalid(self, reason: str) -> StackValidationFailed:
        return StackValidationFailed(path=self.path, reason=reason)

    def resolve(self, resolver: Resolver) -> Any:
        """The function's value; UNRESOLVED if any argument is not known yet."""
        args = resolve(self.args, resolver)
        if is_unresolved(args):
            return UNRESOLVED
        return self._guarded(args, resolver)

    def _guarded(self, args: Any, resolver: Resolver) -> Any:
        try:
            return self.compute(args, resolver)
        except EmberError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            raise self.invalid(str(exc) or type(exc).__name__) from None

    def compute(self, args: Any, resolver: Resolver) -> Any:
        raise NotImplementedError

    def references(self) -> Iterator[Reference]:
        """Resources this call refers to (only the taken branch of an ``if``)."""
        yield from iter_references(self.args)


def parse(value: Any, path: str, ctx: ParseContext) -> Any:
    """Parse a raw template value into data with Function nodes."""
    if isinstance(value, dict):
        if len(value) == 1:
            key = next(iter(value))
            if isinstance(key, str):
                cls = ctx.lookup(key, join(path, key))
                if cls is not None:
                    return cls(value[key], join(path, key), ctx)
        return {k: parse(v, join(path, k), ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [parse(v, join(path, i), ctx) for i, v in enumerate(value)]
    return value


def resolve(node: Any, resolver: Resolver) -> Any:
    """Resolve every Function in ``node``; keys and items resolving to DELETE are dropped."""
    if isinstance(node, Function):
        return node.resolve(resolver)
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            resolved = resolve(value, resolver)
            if resolved is not DELETE:
                out[key] = resolved
        return out
    if isinstance(node, list):
        items = [resolve(v, resolver) for v in node]
        return [v for v in items if v is not DELETE]
    return node


def iter_references(node: Any) -> Iterator[Reference]:
    if isinstance(node, Function):
        yield from node.references()
    elif isinstance(node, dict):
        for value in node.values():
            yield from iter_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_references(value)


def iter_functions(node: Any) -> Iterator[Function]:
    """Every Function in ``node`` (depth first), including those in untaken branches."""
    if isinstance(node, Function):
        yield node
        yield from iter_functions(node.args)
    elif isinstance(node, dict):
        for value in node.values():
            yield from iter_functions(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_functions(value)


def register(cls: type[Function]) -> type[Function]:
    FUNCTIONS[cls.name] = cls
    return cls


def is_function(value: Any) -> bool:
    return isinstance(value, Function)


class NotSupportedFunction(Function):
    """A HOT function Ember does not implement: a clear error at parse time."""

    why: ClassVar[str] = ""

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        raise NotSupported(feature=f"{path}: the {self.name} function{self.why}")
