"""(namespace, version, method) -> an exposed endpoint method, with checked arguments.

Only methods marked with ``@expose`` are ever callable, never an arbitrary
attribute. Arguments are bound to the method's signature and validated
against its type hints (pydantic), so a caller that sends a wrong name or a
wrong type gets an error naming the argument instead of a crash deep inside
the endpoint.
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model

from shared.context import RequestContext
from shared.exceptions import InvalidRPCArguments, NoSuchMethod, UnsupportedVersion
from shared.rpc.serializer import Serializer
from shared.rpc.target import Target, is_exposed, parse_version, version_is_compatible

LOG = logging.getLogger(__name__)


@dataclass
class _Method:
    name: str
    func: Callable[..., Any]
    is_async: bool
    model: Any  # a pydantic model of the keyword arguments
    required: frozenset[str]
    params: frozenset[str]
    accepts_any: bool


def _build_method(name: str, func: Callable[..., Any]) -> _Method:
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable annotations: fall back to no type checks
        hints = {}
    params = list(signature.parameters.values())
    if not params:
        raise TypeError(f"exposed method {name} must accept the request context")
    fields: dict[str, Any] = {}
    required: set[str] = set()
    accepts_any = False
    for param in params[1:]:  # the first parameter is the context
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            accepts_any = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        annotation = hints.get(param.name, Any)
        if param.default is inspect.Parameter.empty:
            required.add(param.name)
            fields[param.name] = (annotation, ...)
        else:
            fields[param.name] = (annotation, param.default)
    model = create_model(  # type: ignore[call-overload]
        f"{name}_args",
        __config__=ConfigDict(arbitrary_types_allowed=True, extra="allow" if accepts_any else "forbid"),
        **fields,
    )
    return _Method(
        name=name,
        func=func,
        is_async=inspect.iscoroutinefunction(func),
        model=model,
        required=frozenset(required),
        params=frozenset(fields),
        accepts_any=accepts_any,
    )


@dataclass
class _Endpoint:
    target: Target
    methods: dict[str, _Method]


#: A service's rule for which callers may call which methods: raises (an EmberError) to refuse.
Admission = Callable[[RequestContext, str], None]


class RpcDispatcher:
    """Routes a request to the endpoint whose namespace and version fit."""

    def __init__(
        self,
        endpoints: Sequence[object],
        serializer: Serializer | None = None,
        admit: Admission | None = None,
    ) -> None:
        """``admit(ctxt, method)`` may refuse a call (by raising) before anything of it runs: the
        service's rule for which callers may call which of its methods."""
        self.serializer = serializer or Serializer()
        self._admit = admit
        self._endpoints: list[_Endpoint] = []
        for endpoint in endpoints:
            target = getattr(endpoint, "target", None) or Target()
            methods: dict[str, _Method] = {}
            for name, attr in inspect.getmembers(type(endpoint)):
                if name.startswith("_") or not is_exposed(attr):
                    continue
                methods[name] = _build_method(name, getattr(endpoint, name))
            self._endpoints.append(_Endpoint(target=target, methods=methods))

    def method_names(self) -> list[str]:
        return sorted({name for ep in self._endpoints for name in ep.methods})

    def _find(self, namespace: str | None, version: str, method: str) -> _Method:
        try:
            parse_version(version)
        except ValueError:
            raise UnsupportedVersion(version=version, method=method) from None
        found_method = False
        for endpoint in self._endpoints:
            if endpoint.target.namespace != namespace:
                continue
            candidate = endpoint.methods.get(method)
            if candidate is None:
                continue
            found_method = True
            if version_is_compatible(endpoint.target.version, version):
                return candidate
        if found_method:
            raise UnsupportedVersion(version=version, method=method)
        raise NoSuchMethod(method=method)

    def bind(self, namespace: str | None, version: str, method: str, args: dict[str, Any]) -> _Bound:
        """Find the method and check the arguments; raises the error the caller should get."""
        target = self._find(namespace, version, method)
        missing = target.required - args.keys()
        if missing:
            raise InvalidRPCArguments(
                method=method, reason=f"missing argument(s) {', '.join(sorted(missing))}"
            )
        if not target.accepts_any:
            unknown = args.keys() - target.params
            if unknown:
                raise InvalidRPCArguments(
                    method=method, reason=f"unexpected argument(s) {', '.join(sorted(unknown))}"
                )
        try:
            validated = target.model.model_validate(args)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
            )
            raise InvalidRPCArguments(method=method, reason=problems) from None
        kwargs = {name: getattr(validated, name) for name in target.params}
        if target.accepts_any and validated.model_extra:
            kwargs.update(validated.model_extra)
        return _Bound(target, kwargs)

    async def dispatch(
        self, ctxt: RequestContext, namespace: str | None, version: str, method: str, args: dict[str, Any]
    ) -> Any:
        if self._admit is not None:
            self._admit(ctxt, method)
        bound = self.bind(namespace, version, method, args)
        result = await bound.run(ctxt)
        return self.serializer.serialize_entity(ctxt, result)


@dataclass
class _Bound:
    method: _Method
    kwargs: dict[str, Any]

    def run(self, ctxt: RequestContext) -> Awaitable[Any]:
        if self.method.is_async:
            return typing.cast(Awaitable[Any], self.method.func(ctxt, **self.kwargs))
        return _completed(self.method.func(ctxt, **self.kwargs))


async def _completed(value: Any) -> Any:
    return value
