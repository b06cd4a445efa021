"""Support status of a resource type, as Heat's resource_types API reports it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

UNKNOWN: Final = "UNKNOWN"
SUPPORTED: Final = "SUPPORTED"
DEPRECATED: Final = "DEPRECATED"
UNSUPPORTED: Final = "UNSUPPORTED"
HIDDEN: Final = "HIDDEN"
STATUSES: Final = (UNKNOWN, SUPPORTED, DEPRECATED, UNSUPPORTED, HIDDEN)


@dataclass(frozen=True)
class SupportStatus:
    """Where a type stands; ``version`` is the Heat release that introduced it."""

    status: str = SUPPORTED
    version: str | None = None
    message: str | None = None
    previous_status: SupportStatus | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "version": self.version,
            "message": self.message,
            "previous_status": self.previous_status.to_dict() if self.previous_status else None,
        }
