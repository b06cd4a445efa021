"""Who is calling: the RequestContext every route hands the engine.

Two strategies (``api.auth_strategy``):

- ``noauth`` (development): the user comes from ``X-User-Id`` (default
  ``DEFAULT_USER``), the project from the path, the roles from ``X-Roles``.
- ``token``: ``X-Auth-Token`` is looked up in ``api.tokens``; no token or an
  unknown one -> 401; a path tenant other than the token's project -> 403
  unless the token carries the ``admin`` role.

The context is what the store scopes every query by, so it is built here and
nowhere else from request data.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from shared.config import ApiSettings, ApiToken
from shared.context import SIGNAL_ROLE, SIGNAL_TOKEN_PARAM, RequestContext, generate_request_id
from shared.exceptions import BadRequest, Forbidden, NotAuthenticated

DEFAULT_USER = "ember"
ADMIN_ROLE = "admin"


def _roles(header: str | None) -> list[str]:
    return [r.strip() for r in (header or "").split(",") if r.strip()]


def _find_token(tokens: dict[str, ApiToken], presented: str) -> ApiToken | None:
    """Constant-time comparison against each configured token (the table is small)."""
    found: ApiToken | None = None
    for token, identity in tokens.items():
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = identity
    return found


def authenticate(settings: ApiSettings, request: Request, tenant_id: str | None) -> RequestContext:
    """The caller's context for ``tenant_id`` (None for routes outside a tenant); raises 401/403 errors."""
    request_id = getattr(request.state, "request_id", None) or generate_request_id()
    _check_identifier("tenant_id", tenant_id)
    if settings.auth_strategy == "noauth":
        _check_identifier("X-User-Id", request.headers.get("x-user-id"))
        roles = _roles(request.headers.get("x-roles"))
        return RequestContext(
            user_id=request.headers.get("x-user-id") or DEFAULT_USER,
            project_id=tenant_id,
            roles=roles,
            auth_token=request.headers.get("x-auth-token"),
            is_admin=ADMIN_ROLE in roles,
            request_id=request_id,
        )
    presented = request.headers.get("x-auth-token")
    if not presented:
        raise NotAuthenticated("Authentication required: no X-Auth-Token header.")
    identity = _find_token(settings.tokens, presented)
    if identity is None:
        raise NotAuthenticated("Authentication failed: the token is not valid.")
    is_admin = ADMIN_ROLE in identity.roles
    if tenant_id is not None and tenant_id != identity.project_id and not is_admin:
        raise Forbidden(f"The token's project does not match the requested tenant {tenant_id}.")
    return RequestContext(
        user_id=identity.user_id,
        project_id=tenant_id or identity.project_id,
        roles=list(identity.roles),
        auth_token=presented,
        is_admin=is_admin,
        request_id=request_id,
    )


def authenticate_signal(settings: ApiSettings, request: Request, tenant_id: str) -> RequestContext:
    """The context of a signal: a user's as ``authenticate`` makes it or, under token auth, for a
    token that is no user's (``X-Auth-Token`` or a pre-signed URL's ``signal_token``), a signal
    sender's, which the engine accepts only with the signalled resource's own secret."""
    header = request.headers.get("x-auth-token")
    presented = header or request.query_params.get(SIGNAL_TOKEN_PARAM)
    if settings.auth_strategy == "noauth" or not presented:
        return authenticate(settings, request, tenant_id)
    if header and _find_token(settings.tokens, header) is not None:
        return authenticate(settings, request, tenant_id)
    _check_identifier("tenant_id", tenant_id)
    if len(presented) > 255:
        raise NotAuthenticated("Authentication failed: the token is not valid.")
    return RequestContext(
        user_id=SIGNAL_ROLE,
        project_id=tenant_id,
        roles=[SIGNAL_ROLE],
        auth_token=presented,
        request_id=getattr(request.state, "request_id", None) or generate_request_id(),
    )


def _check_identifier(name: str, value: str | None) -> None:
    """Project and user ids are stored as text of at most 255 characters without NUL."""
    if value is not None and (len(value) > 255 or "\x00" in value):
        raise BadRequest(reason=f"{name} must be at most 255 characters and hold no NUL")
