"""Contexts and values on the wire (oslo's Serializer interface), JSON only, never pickle.

Values are not walked and copied before sending: the envelope's JSON encoder
(C-accelerated for plain dicts, lists and scalars) calls ``json_default`` only
for the few types JSON lacks — pydantic models, datetimes, UUIDs, enums, sets —
which is what keeps a large template's trip over the bus cheap.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.context import RequestContext


class Serializer:
    """Entities pass through (the envelope encodes them); contexts become dicts and back."""

    def serialize_entity(self, ctxt: RequestContext | None, entity: Any) -> Any:
        return entity

    def deserialize_entity(self, ctxt: RequestContext | None, entity: Any) -> Any:
        return entity

    def serialize_context(self, ctxt: RequestContext) -> dict[str, Any]:
        return ctxt.to_dict()

    def deserialize_context(self, ctxt: dict[str, Any]) -> RequestContext:
        return RequestContext.from_dict(ctxt)


def json_default(value: Any) -> Any:
    """What the JSON encoder sends for a type JSON does not know; TypeError for anything else."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} over the bus")
