"""Heat's lifecycle vocabulary — actions x statuses — and the status reasons it writes.

The one list of these names in the engine: plugins, the model and the
lifecycle all import them from here. Both enums are ``StrEnum``s, so they
compare equal to the plain strings stored in rows and sent on the wire.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    INIT = "INIT"
    CREATE = "CREATE"
    DELETE = "DELETE"
    UPDATE = "UPDATE"
    ROLLBACK = "ROLLBACK"
    SUSPEND = "SUSPEND"
    RESUME = "RESUME"
    ADOPT = "ADOPT"
    CHECK = "CHECK"
    SNAPSHOT = "SNAPSHOT"
    RESTORE = "RESTORE"
    #: Only in events: a signal a resource received (Heat's SIGNAL_<status of the resource>).
    SIGNAL = "SIGNAL"


class Status(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"
    COMPLETE = "COMPLETE"


STACK_RESOURCE_TYPE = "OS::Heat::Stack"


def started(action: str) -> str:
    return f"Stack {action} started"


def completed(action: str) -> str:
    return f"Stack {action} completed successfully"


def resource_failed(action: str, reason: str) -> str:
    return f"Resource {action} failed: {reason}"


def timed_out(action: str) -> str:
    return f"{action.title()} timed out"


def engine_down(action: str) -> str:
    return f"Engine went down during stack {action}"


def cancelled_for_delete(action: str) -> str:
    return f"Stack {action} cancelled: the stack is being deleted"
