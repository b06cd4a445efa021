"""The EmberError tree and its wire form.

Every error a service raises on purpose is an ``EmberError``: it carries the
HTTP status the gateway answers with, a message template filled from keyword
arguments, and whether that message is safe to show a caller. Errors travel
over the bus as oslo.messaging failures (class, module, message, kwargs) and
are re-created at the caller as the same class; only classes defined in this
module are re-created (an allow-list), anything else becomes ``RemoteError``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, ClassVar

from shared.jsonsafe import plain_json
from shared.limits import maximum_fmt

_MODULE = __name__


class EmberError(Exception):
    """Base of every expected error.

    ``msg_fmt`` is a ``str.format`` template filled from the keyword arguments,
    which are kept in ``kwargs`` so the error can be rebuilt on the far side of
    the bus. A template that cannot be filled never hides the original error:
    the message then falls back to the template and the arguments.
    """

    http_status: ClassVar[int] = 500
    msg_fmt: ClassVar[str] = "An unknown error occurred."
    safe: ClassVar[bool] = True
    # The type name a Heat client expects in the error body (defaults to ours).
    heat_type: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs: dict[str, Any] = kwargs
        if message is None:
            try:
                message = self.msg_fmt.format(**kwargs)
            except (KeyError, IndexError, ValueError):
                message = f"{self.msg_fmt} {kwargs!r}"
        self.message: str = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    @property
    def error_type(self) -> str:
        return self.heat_type or type(self).__name__


# --- bus ------------------------------------------------------------------


class MessagingError(EmberError):
    msg_fmt = "Messaging error: {reason}"


class MessagingTimeout(MessagingError):
    http_status = 504
    msg_fmt = "Timed out waiting for a reply to {method} on {topic} after {timeout}s."


class NoRoute(MessagingError):
    http_status = 503
    msg_fmt = "No server listens on topic {topic!r} (routing key {routing_key!r})."


class ServiceUnavailable(MessagingError):
    """No server consumes a topic, as the broker counts it: failing now beats a timeout."""

    http_status = 503
    msg_fmt = "The {service} service is unavailable: nothing consumes its topic {topic!r}."


class NoSuchMethod(MessagingError):
    http_status = 400
    msg_fmt = "Endpoint does not support RPC method {method}"


class UnsupportedVersion(MessagingError):
    http_status = 400
    msg_fmt = "Endpoint does not support RPC version {version}. Attempted method: {method}"


class InvalidRPCArguments(MessagingError):
    http_status = 400
    msg_fmt = "Invalid arguments for RPC method {method}: {reason}"


class MalformedMessage(MessagingError):
    http_status = 400
    msg_fmt = "Malformed RPC message: {reason}"


class MessageTooLarge(MessagingError):
    http_status = 413
    msg_fmt = "RPC message of {size} bytes exceeds the limit of {limit} bytes."


class RemoteError(MessagingError):
    """An unexpected error on the far side; only its type name and text travel."""

    msg_fmt = "Remote error: {exc_type} {value}"

    def __init__(self, exc_type: str = "", value: str = "", **kwargs: Any) -> None:
        super().__init__(exc_type=exc_type, value=value, **kwargs)
        self.exc_type = exc_type
        self.value = value


class ConfigError(EmberError):
    msg_fmt = "Configuration error: {reason}"


# --- client errors (4xx) ------------------------------------------------------


class BadRequest(EmberError):
    http_status = 400
    msg_fmt = "Bad request: {reason}"
    heat_type = "HTTPBadRequest"


class InvalidInput(EmberError):
    """A value that fails validation; ``field`` names where it is."""

    http_status = 400
    msg_fmt = "{field}: {reason}"


class NotAuthenticated(EmberError):
    http_status = 401
    msg_fmt = "Authentication required"
    heat_type = "NotAuthenticated"


class Forbidden(EmberError):
    http_status = 403
    msg_fmt = "You are not authorized to use {action}."


class NotFound(EmberError):
    http_status = 404
    msg_fmt = "{what} could not be found."


class EntityNotFound(NotFound):
    msg_fmt = "The {entity} ({name}) could not be found."


class StackNotFound(EntityNotFound):
    heat_type = "EntityNotFound"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("entity", "Stack")
        super().__init__(message, **kwargs)


class ResourceNotFound(EntityNotFound):
    msg_fmt = "The Resource ({resource_name}) could not be found in Stack {stack_name}."


class ResourceNotAvailable(NotFound):
    msg_fmt = "The Resource ({resource_name}) is not available."


class SnapshotNotFound(EntityNotFound):
    msg_fmt = "The Snapshot ({snapshot}) could not be found."


class OutputNotFound(NotFound):
    msg_fmt = "Specified output key {key} not found."
    heat_type = "NotFound"


class EventNotFound(EntityNotFound):
    heat_type = "EntityNotFound"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("entity", "Event")
        super().__init__(message, **kwargs)


class ResourceTypeNotFound(EntityNotFound):
    heat_type = "EntityNotFound"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("entity", "Resource Type")
        super().__init__(message, **kwargs)


class Conflict(EmberError):
    http_status = 409
    msg_fmt = "Conflict: {reason}"


class StackExists(Conflict):
    msg_fmt = "The Stack ({stack_name}) already exists."


class ActionInProgress(Conflict):
    msg_fmt = "Stack {stack_name} already has an action ({action}) in progress."


class LockHeld(Conflict):
    msg_fmt = "Stack {stack_id} is locked by engine {engine_id}."


class RequestTooLarge(EmberError):
    """A configured limit refused the request: 400, as Heat's fault map answers RequestLimitExceeded.

    The reason names the limit, its value and its setting (``shared.limits.maximum``).
    """

    http_status = 400
    msg_fmt = "Request limit exceeded: {reason}"
    heat_type = "RequestLimitExceeded"


class TemplateTooLarge(RequestTooLarge):
    msg_fmt = (
        "Request limit exceeded: Template size ({size} bytes) exceeds "
        + maximum_fmt("bytes", "engine", "max_template_size")
        + "."
    )


class RequestLimitExceeded(RequestTooLarge):
    msg_fmt = "Request limit exceeded: {reason}"


class InvalidTemplate(EmberError):
    http_status = 400
    msg_fmt = "{reason}"
    heat_type = "InvalidTemplate"


class InvalidTemplateVersion(InvalidTemplate):
    msg_fmt = 'The template version is invalid: "{explanation}"'
    heat_type = "InvalidTemplateVersion"


class InvalidTemplateReference(InvalidTemplate):
    msg_fmt = 'The specified reference "{resource}" (in {key}) is incorrect.'
    heat_type = "InvalidTemplateReference"


class InvalidTemplateAttribute(InvalidTemplate):
    msg_fmt = "The Referenced Attribute ({resource} {key}) is incorrect."


class CircularDependency(InvalidTemplate):
    msg_fmt = "Circular Dependency Found: {cycle}"
    heat_type = "CircularDependencyException"  # Heat's name for it; clients match on the type


class StackValidationFailed(EmberError):
    """A template or its values break a rule; ``path`` says where."""

    http_status = 400
    msg_fmt = "{message}"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        path = kwargs.get("path")
        reason = kwargs.get("reason")
        if message is None and reason is not None:
            message = f"{path}: {reason}" if path else str(reason)
        super().__init__(message, **kwargs)


class UnknownUserParameter(EmberError):
    http_status = 400
    msg_fmt = "The Parameter ({key}) was not defined in template."


class UserParameterMissing(EmberError):
    http_status = 400
    msg_fmt = "The Parameter ({key}) was not provided."


class InvalidParameterValue(StackValidationFailed):
    heat_type = "StackValidationFailed"


class NotSupported(EmberError):
    http_status = 400
    msg_fmt = "{feature} is not supported."


class ImmutableParameterModified(EmberError):
    """A stack update changes a parameter declared ``immutable: true``."""

    http_status = 400
    msg_fmt = "The following parameters are immutable and may not be updated: {keys}"


class ResourceActionRestricted(EmberError):
    """The environment's ``restricted_actions`` forbid what an update would do to a resource."""

    http_status = 400
    msg_fmt = "{action} is restricted for resource {resource}."


class PlanStale(Conflict):
    """An update names a preview's plan, but the stack changed since that preview."""

    msg_fmt = "The stack {stack_name} changed since plan {plan_id} was made; preview it again."


class ResourceFailure(EmberError):
    """A resource action failed; the reason is what the stack reports."""

    msg_fmt = "{exc_type}: {reason}"


class DeploymentStillInProgress(EmberError):
    http_status = 504
    msg_fmt = "Software deployment {deployment_id} is still IN_PROGRESS after {timeout}s."


class EngineShuttingDown(EmberError):
    http_status = 503
    msg_fmt = "The engine is shutting down."


class DatabaseError(EmberError):
    """A store failure that is not the caller's fault; its detail stays in the store's log."""

    http_status = 500
    msg_fmt = "The store could not complete {operation}."
    safe = False


# --- wire form ----------------------------------------------------------------


def serialize_failure(exc: BaseException, tb: list[str] | None = None) -> str:
    """The JSON string oslo.messaging puts in a reply's ``failure`` field."""
    kwargs = exc.kwargs if isinstance(exc, EmberError) else {}
    data = {
        "class": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc),
        "tb": tb or [],
        "args": [] if isinstance(exc, EmberError) else [plain_json(a) for a in exc.args],
        "kwargs": plain_json(kwargs),
    }
    return json.dumps(data)


def deserialize_failure(data: str | dict[str, Any]) -> EmberError:
    """Rebuild the error a reply carries; unknown or foreign types become RemoteError."""
    try:
        failure = json.loads(data) if isinstance(data, str) else dict(data)
        if not isinstance(failure, dict):
            raise ValueError("failure is not an object")
    except (ValueError, TypeError, RecursionError):
        return RemoteError("UnknownError", str(data))
    name = str(failure.get("class", ""))
    module = str(failure.get("module", ""))
    message = str(failure.get("message", ""))
    kwargs = failure.get("kwargs") or {}
    klass = getattr(sys.modules[_MODULE], name, None) if module == _MODULE else None
    if isinstance(klass, type) and issubclass(klass, EmberError) and isinstance(kwargs, dict):
        try:
            err = klass(**kwargs)
        except TypeError:
            err = klass.__new__(klass)
            Exception.__init__(err, message)
            err.kwargs = kwargs
        err.message = message
        err.args = (message,)
        return err
    return RemoteError(name, message)


# --- gateway ------------------------------------------------------------------


class NotImplementedYet(EmberError):
    """An API route Heat has that Ember does not serve yet (update, preview)."""

    http_status = 501
    msg_fmt = "{feature} is not implemented yet."
    heat_type = "HTTPNotImplemented"
