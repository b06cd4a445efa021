"""Where a message goes (Target) and which endpoint methods may be called (expose)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_EXPOSED_ATTR = "__ember_rpc_exposed__"


@dataclass(frozen=True)
class Target:
    """Addresses a topic (optionally one server on it), a namespace and an API version.

    On a server, ``version`` is the highest version the endpoint implements;
    on a client it is the version the request asks for.
    """

    topic: str | None = None
    server: str | None = None
    namespace: str | None = None
    version: str = "1.0"
    fanout: bool = False

    def with_(self, **changes: Any) -> Target:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def routing_key(self) -> str:
        if not self.topic:
            raise ValueError("a target needs a topic")
        return f"{self.topic}.{self.server}" if self.server else self.topic


def expose(func: F) -> F:
    """Mark an endpoint method as callable over the bus; nothing else ever is."""
    if func.__name__.startswith("_"):
        raise ValueError(f"private method {func.__name__} cannot be exposed")
    setattr(func, _EXPOSED_ATTR, True)
    return func


def is_exposed(func: Any) -> bool:
    return bool(getattr(func, _EXPOSED_ATTR, False))


def parse_version(version: str) -> tuple[int, int]:
    """'1.36' -> (1, 36); raises ValueError for anything else."""
    major, _, minor = str(version).partition(".")
    return int(major), int(minor or 0)


def version_is_compatible(implemented: str, requested: str) -> bool:
    """Same major, and the implementation's minor is at least the requested one."""
    imp_major, imp_minor = parse_version(implemented)
    req_major, req_minor = parse_version(requested)
    return imp_major == req_major and imp_minor >= req_minor
