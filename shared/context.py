"""RequestContext: who is asking, for which project, under which request id.

The context travels with every RPC message (as oslo.context does, one
``_context_<key>`` entry per key), so ``from_dict`` accepts the keys oslo
and Heat clients send and ignores the rest. The request id is also bound to
a context variable for the duration of a request, so that every log line
written while handling it carries the id (see ``shared.log``).
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass, field
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


#: The role of a caller that presented a resource's own signal token instead of a user token
#: (Heat's stack-user role): the gateway gives it only on a signal route, and the engine then
#: checks the token against the signalled resource's own secret.
SIGNAL_ROLE = "heat_stack_user"
#: The query parameter of a pre-signed (CloudFormation-style) signal URL that carries the secret.
SIGNAL_TOKEN_PARAM = "signal_token"


def generate_request_id() -> str:
    return f"req-{uuid.uuid4()}"


@dataclass
class RequestContext:
    """The caller's identity; the store scopes every query by ``project_id``."""

    user_id: str | None = None
    project_id: str | None = None
    user_name: str | None = None
    project_name: str | None = None
    roles: list[str] = field(default_factory=list)
    auth_token: str | None = None
    is_admin: bool = False
    show_deleted: bool = False
    request_id: str = field(default_factory=generate_request_id)
    global_request_id: str | None = None

    @property
    def signal_only(self) -> bool:
        """Whether the caller is a signal sender holding a resource's token, not a user."""
        return SIGNAL_ROLE in self.roles and not self.is_admin

    @property
    def tenant(self) -> str | None:
        """Heat's older name for the project."""
        return self.project_id

    def to_dict(self) -> dict[str, Any]:
        """Keys understood by oslo.context and Heat (``tenant`` and ``project_id`` both)."""
        return {
            "user_id": self.user_id,
            "user": self.user_id,
            "project_id": self.project_id,
            "tenant": self.project_id,
            "project": self.project_id,
            "user_name": self.user_name,
            "project_name": self.project_name,
            "roles": list(self.roles),
            "auth_token": self.auth_token,
            "is_admin": self.is_admin,
            "show_deleted": self.show_deleted,
            "request_id": self.request_id,
            "global_request_id": self.global_request_id,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RequestContext:
        """Build from any oslo/Heat/Ember context dict; unknown keys are ignored.

        Values of the wrong type are coerced or dropped rather than trusted,
        since a context arrives from the network.
        """

        def text(*keys: str) -> str | None:
            for key in keys:
                value = values.get(key)
                # Numbers are coerced; containers and booleans are dropped, not stringified.
                if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
                    return str(value)
            return None

        # Heat's dicts carry "tenant_id" (the id) beside "tenant" (the project
        # *name*) and "user_id" beside "user" (the user *name*); oslo.context's
        # "tenant" and "user" are ids. So "tenant"/"user" count as ids only when
        # the unambiguous key is absent.
        heat_style = "tenant_id" in values
        user_keys = ("user_id",) if "user_id" in values else ("user",)

        roles = values.get("roles") or []
        if isinstance(roles, str):
            roles = [r.strip() for r in roles.split(",") if r.strip()]
        elif not isinstance(roles, (list, tuple)):
            roles = []
        return cls(
            user_id=text(*user_keys),
            project_id=text("project_id", "tenant_id", "project", *(() if heat_style else ("tenant",))),
            user_name=text("user_name", "username"),
            project_name=text("project_name", "tenant_name", *(("tenant",) if heat_style else ())),
            roles=[str(r) for r in roles],
            auth_token=text("auth_token"),
            is_admin=values.get("is_admin") is True,
            show_deleted=values.get("show_deleted") is True,
            request_id=text("request_id") or generate_request_id(),
            global_request_id=text("global_request_id"),
        )

    @classmethod
    def admin(cls, **kwargs: Any) -> RequestContext:
        """A context for the services' own housekeeping (not scoped to a project)."""
        kwargs.setdefault("roles", ["admin"])
        return cls(is_admin=True, **kwargs)
