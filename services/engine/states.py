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

#: The actions that change an existing stack, and so stamp its ``updated_time`` as they start
#: (Heat's ``Stack.update/check/suspend/resume/snapshot/restore``); create, adopt, a create's
#: rollback and delete leave it as it was.
STAMPING_ACTIONS = frozenset(
    {Action.UPDATE, Action.CHECK, Action.SUSPEND, Action.RESUME, Action.SNAPSHOT, Action.RESTORE}
)


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


def stranded(action: str) -> str:
    """A resource found IN_PROGRESS with no engine working on its stack (repair_stranded)."""
    return f"Resource {action} interrupted: no engine was finishing it (its last state change was not stored)"


def cancelled_for_delete(action: str) -> str:
    return f"Stack {action} cancelled: the stack is being deleted"
