"""Heat's fault body for every error the gateway answers with.

Clients (python-heatclient above all) branch on ``error.type`` and show
``error.message``; ``title`` and ``explanation`` are descriptive only. The
body never carries a Python traceback: ``traceback`` is always null, and an
unexpected error is logged here with its traceback and answered with a
generic 500 so nothing internal leaks to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.exceptions import EmberError, MessagingTimeout, NoRoute, RemoteError, ServiceUnavailable

LOG = logging.getLogger(__name__)

# status -> (title, explanation); explanations are our own wording.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "The request is malformed or its content is not valid."),
    401: ("Unauthorized", "The request lacks valid credentials."),
    403: ("Forbidden", "Access to this resource was denied."),
    404: ("Not Found", "The resource could not be found."),
    405: ("Method Not Allowed", "The method is not allowed on this resource."),
    408: ("Request Timeout", "The request did not arrive in time."),
    409: ("Conflict", "The request conflicts with the current state of the resource."),
    413: ("Request Entity Too Large", "The request is larger than the server accepts."),
    415: ("Unsupported Media Type", "The request body has a media type the server does not accept."),
    500: ("Internal Server Error", "The server failed to complete the request."),
    501: ("Not Implemented", "The server does not implement this operation yet."),
    503: ("Service Unavailable", "The service is unavailable; try again later."),
    504: ("Gateway Timeout", "A service behind the gateway did not answer in time."),
}

# Heat's webob-derived type names for errors raised by the HTTP layer itself.
HTTP_TYPES: dict[int, str] = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    408: "HTTPRequestTimeout",
    409: "HTTPConflict",
    413: "HTTPRequestEntityTooLarge",
    415: "HTTPUnsupportedMediaType",
    500: "HTTPInternalServerError",
    501: "HTTPNotImplemented",
    503: "HTTPServiceUnavailable",
    504: "HTTPGatewayTimeout",
}


def fault_body(status: int, error_type: str, message: str, explanation: str | None = None) -> dict[str, Any]:
    """The JSON body of an error response, in Heat's shape."""
    title, default_explanation = STATUS_TEXT.get(status, ("Error", "The request failed."))
    explanation = explanation or default_explanation
    return {
        "code": status,
        "title": title,
        "explanation": explanation,
        "error": {"type": error_type, "message": message, "traceback": None},
    }


def fault_response(
    status: int, error_type: str, message: str, explanation: str | None = None
) -> JSONResponse:
    return JSONResponse(fault_body(status, error_type, message, explanation), status_code=status)


def ember_error_response(
    error: EmberError, service_of: Callable[[object], str] | None = None
) -> JSONResponse:
    """An EmberError as Heat reports it; an unsafe message is replaced by the generic one.

    ``service_of`` names the service behind a topic, so that a timeout or an
    absent server is explained as the store's or the engine's, whichever it was.
    """
    status = error.http_status if 400 <= error.http_status < 600 else 500
    message = error.message
    if not error.safe or isinstance(error, RemoteError):
        # An unexpected failure far away: its text may hold internals (SQL, paths); the log keeps it.
        message = "The orchestration engine failed to complete the request."
    if status >= 500 and status not in (501, 503, 504):
        LOG.warning("answering %s: %s: %s", status, type(error).__name__, error)
    explanation = None
    if service_of is not None and isinstance(error, (MessagingTimeout, ServiceUnavailable, NoRoute)):
        service = service_of(error.kwargs.get("topic", ""))
        if isinstance(error, MessagingTimeout):
            explanation = f"The {service} did not answer in time."
        else:
            explanation = f"The {service} is not running; try again later."
    return fault_response(status, error.error_type, message, explanation)


def validation_message(exc: RequestValidationError) -> str:
    """One readable line naming what is wrong where (FastAPI's detail is a list)."""
    parts: list[str] = []
    for err in exc.errors()[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        where = ".".join(loc)
        if err.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "Invalid request."


async def _on_ember_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EmberError)
    state = getattr(request.app.state, "gateway", None)
    return ember_error_response(exc, state.service_of if state is not None else None)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return fault_response(400, "HTTPBadRequest", validation_message(exc))


async def _on_http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else STATUS_TEXT.get(status, ("", ""))[1]
    response = fault_response(status, HTTP_TYPES.get(status, "HTTPError"), message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Every error path answers with a Heat fault body (unexpected ones: see the middleware)."""
    app.add_exception_handler(EmberError, _on_ember_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
