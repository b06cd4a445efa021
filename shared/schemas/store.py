"""The store's contract: the arguments and results of every store RPC method.

Value models (``*Create``, ``*Values``) forbid unknown keys and bound every
size, so bad input is rejected at the store's door with the offending field
named, before any SQL runs. Records are what the store returns; they allow
extra keys so an older client keeps working when a newer store adds a column.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ACTIONS = (
    "INIT",
    "CREATE",
    "DELETE",
    "UPDATE",
    "ROLLBACK",
    "SUSPEND",
    "RESUME",
    "ADOPT",
    "CHECK",
    "SNAPSHOT",
    "RESTORE",
)
STATUSES = ("IN_PROGRESS", "FAILED", "COMPLETE")

Action = Literal[
    "INIT",
    "CREATE",
    "DELETE",
    "UPDATE",
    "ROLLBACK",
    "SUSPEND",
    "RESUME",
    "ADOPT",
    "CHECK",
    "SNAPSHOT",
    "RESTORE",
    "SIGNAL",
]
Status = Literal["IN_PROGRESS", "FAILED", "COMPLETE"]
SortDir = Literal["asc", "desc"]

MAX_JSON_BYTES = 1024 * 1024  # one stack's parameters, one resource's data, ...
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024  # a template with its files and environment
MAX_REASON = 65535
MAX_BULK = 10000


def _json_limit(limit: int) -> AfterValidator:
    def check(value: Any) -> Any:
        size = len(json.dumps(value, separators=(",", ":")))
        if size > limit:
            raise ValueError(f"is {size} bytes of JSON, more than the limit of {limit}")
        return value

    return AfterValidator(check)


# PostgreSQL text cannot hold NUL; refuse it with the field's name rather than fail in SQL.
_NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=_NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)]
Reason = Annotated[str, StringConstraints(max_length=MAX_REASON, pattern=_NO_NUL)]
Uuid = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=_NO_NUL)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^,\x00]+$")]
JsonObject = Annotated[dict[str, Any], _json_limit(MAX_JSON_BYTES)]
JsonList = Annotated[list[Any], _json_limit(MAX_JSON_BYTES)]
TemplateBlob = Annotated[dict[str, Any], _json_limit(MAX_TEMPLATE_BYTES)]
OneOrMany = ShortText | Annotated[list[ShortText], Field(max_length=100)]


class _Values(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, str_max_length=MAX_REASON)


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


# --- raw templates and credentials ---------------------------------------------


class RawTemplateCreate(_Values):
    template: TemplateBlob
    files: TemplateBlob = Field(default_factory=dict)
    environment: TemplateBlob = Field(default_factory=dict)


class RawTemplateRecord(_Record):
    id: int
    template: dict[str, Any]
    files: dict[str, Any]
    environment: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None = None


class UserCredsRecord(_Record):
    """Credentials as the engine needs them: secrets decrypted."""

    id: int
    username: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    auth_token: str | None = None
    password: str | None = None
    trust_id: str | None = None
    trustor_user_id: str | None = None
    created_at: datetime


# --- stacks ----------------------------------------------------------------------


class StackValues(_Values):
    """Columns a caller may set on a stack (an update sets only the keys it names)."""

    name: Name | None = None
    raw_template_id: int | None = None
    prev_raw_template_id: int | None = None
    username: ShortText | None = None
    action: Action | None = None
    status: Status | None = None
    status_reason: Reason | None = None
    parameters: JsonObject | None = None
    owner_id: Uuid | None = None
    parent_resource_name: ShortText | None = None
    nested_depth: Annotated[int, Field(ge=0, le=100)] | None = None
    timeout: Annotated[int, Field(ge=0, le=10**7)] | None = None
    disable_rollback: bool | None = None
    backup: bool | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    updated_at: datetime | None = None


class StackCreate(StackValues):
    """A new stack; ``id`` may be chosen by the caller (a uuid), else the store makes one."""

    id: Uuid | None = None
    name: Name
    user_creds_id: int | None = None


class StackRecord(_Record):
    id: str
    name: str
    raw_template_id: int
    prev_raw_template_id: int | None = None
    user_creds_id: int | None = None
    username: str | None = None
    tenant: str
    action: str
    status: str
    status_reason: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    owner_id: str | None = None
    parent_resource_name: str | None = None
    nested_depth: int = 0
    timeout: int | None = None
    disable_rollback: bool = True
    backup: bool = False
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


class StackFilters(_Values):
    """Exact-match filters for listing stacks; a list matches any of its values."""

    id: OneOrMany | None = None
    name: OneOrMany | None = None
    action: OneOrMany | None = None
    status: OneOrMany | None = None
    owner_id: OneOrMany | None = None
    username: OneOrMany | None = None
    tenant: OneOrMany | None = None
    parent_resource_name: OneOrMany | None = None


STACK_SORT_KEYS = ("name", "status", "action", "created_at", "updated_at", "id")
StackSortKey = Literal["name", "status", "action", "created_at", "updated_at", "id"]


class StackQuery(_Values):
    """How to list stacks: filters, tag filters, pagination by marker (a stack id), sort."""

    filters: StackFilters = Field(default_factory=StackFilters)
    limit: Annotated[int, Field(ge=0, le=MAX_BULK)] | None = None
    marker: Uuid | None = None
    sort_keys: Annotated[list[StackSortKey], Field(max_length=6)] = Field(default_factory=list)
    sort_dir: SortDir = "desc"
    show_deleted: bool = False
    show_nested: bool = False
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    tags_any: Annotated[list[Tag], Field(max_length=50)] | None = None
    not_tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    not_tags_any: Annotated[list[Tag], Field(max_length=50)] | None = None


# --- resources -------------------------------------------------------------------


class ResourceValues(_Values):
    """Columns a caller may set on a resource."""

    name: Name | None = None
    type: Name | None = None
    action: Action | None = None
    status: Status | None = None
    status_reason: Reason | None = None
    physical_resource_id: ShortText | None = None
    properties_data: JsonObject | None = None
    attributes: JsonObject | None = None
    data: JsonObject | None = None
    rsrc_metadata: JsonObject | None = None
    depends_on: Annotated[list[Name], Field(max_length=MAX_BULK)] | None = None
    replaces: int | None = None
    replaced_by: int | None = None
    current_template_id: int | None = None


class ResourceCreate(ResourceValues):
    name: Name
    type: Name


class ResourceRecord(_Record):
    id: int
    uuid: str
    stack_id: str
    name: str
    type: str
    action: str
    status: str
    status_reason: str | None = None
    physical_resource_id: str | None = None
    properties_data: dict[str, Any] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    rsrc_metadata: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    replaces: int | None = None
    replaced_by: int | None = None
    current_template_id: int | None = None
    created_at: datetime
    updated_at: datetime | None = None


class ResourceFilters(_Values):
    name: OneOrMany | None = None
    type: OneOrMany | None = None
    action: OneOrMany | None = None
    status: OneOrMany | None = None
    physical_resource_id: OneOrMany | None = None
    uuid: OneOrMany | None = None


# --- events ----------------------------------------------------------------------


class EventValues(_Values):
    """An event; fields left out of a transition's event come from the row that changed.

    ``uuid``, when the caller gives it, makes the write idempotent: a transition whose event is
    already stored is not applied again (the engine retries a write the store may have made)."""

    uuid: Uuid | None = None
    resource_name: ShortText | None = None
    physical_resource_id: ShortText | None = None
    resource_type: ShortText | None = None
    resource_action: Action | None = None
    resource_status: Status | None = None
    resource_status_reason: Reason | None = None
    resource_properties: JsonObject | None = None


class EventCreate(EventValues):
    stack_id: Uuid


class EventRecord(_Record):
    id: int
    uuid: str
    stack_id: str
    resource_name: str | None = None
    physical_resource_id: str | None = None
    resource_type: str | None = None
    resource_action: str | None = None
    resource_status: str | None = None
    resource_status_reason: str | None = None
    resource_properties: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class EventFilters(_Values):
    resource_name: OneOrMany | None = None
    resource_action: OneOrMany | None = None
    resource_status: OneOrMany | None = None
    resource_type: OneOrMany | None = None
    physical_resource_id: OneOrMany | None = None
    uuid: OneOrMany | None = None


EventSortKey = Literal[
    "created_at", "id", "resource_name", "resource_type", "resource_action", "resource_status"
]


class EventQuery(_Values):
    """Pagination by marker (an event uuid), sort and filters.

    With no sort keys and no direction the newest come first, as Heat's database API answers
    (its clients ask for ``asc`` when they want history in order); sort keys alone sort ascending.
    ``nested_stack_ids`` widens the list to those stacks' events too (``nested_depth``), each one
    checked against the caller's tenant like the stack itself."""

    filters: EventFilters = Field(default_factory=EventFilters)
    limit: Annotated[int, Field(ge=0, le=MAX_BULK * 10)] | None = None
    marker: Uuid | None = None
    sort_keys: Annotated[list[EventSortKey], Field(max_length=6)] = Field(default_factory=list)
    sort_dir: SortDir | None = None
    nested_stack_ids: Annotated[list[Uuid], Field(max_length=MAX_BULK)] = Field(default_factory=list)

    @property
    def direction(self) -> SortDir:
        if self.sort_dir is not None:
            return self.sort_dir
        return "asc" if self.sort_keys else "desc"


# --- the hot path --------------------------------------------------------------------


class ResourceTransitionItem(_Values):
    """One resource state change in a batch."""

    resource_id: int
    values: ResourceValues
    event: EventValues | None = None


class ResourceTransition(_Record):
    """A resource state change and the event recording it, written together."""

    resource: ResourceRecord
    event: EventRecord


class StackTransition(_Record):
    stack: StackRecord
    event: EventRecord


class StoredStack(_Record):
    """A new stack with the resource rows stored in the same transaction."""

    stack: StackRecord
    resources: list[ResourceRecord]
    event: EventRecord | None = None  # the stack's first event, when one was asked for


# --- snapshots -------------------------------------------------------------------------


class SnapshotValues(_Values):
    """Columns a caller may set on a snapshot."""

    name: ShortText | None = None
    status: Status | None = None
    status_reason: Reason | None = None
    data: JsonObject | None = None


class SnapshotRecord(_Record):
    id: str
    stack_id: str
    name: str | None = None
    status: str
    status_reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime | None = None


# --- software configs and deployments -------------------------------------------------


class SoftwareConfigCreate(_Values):
    """A stored software config; ``config`` holds Heat's {config, inputs, outputs, options}."""

    name: ShortText | None = None
    group: ShortText | None = None
    config: JsonObject = Field(default_factory=dict)


class SoftwareConfigRecord(_Record):
    id: str
    name: str | None = None
    group: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    tenant: str
    created_at: datetime
    updated_at: datetime | None = None


class SoftwareDeploymentValues(_Values):
    """Columns a caller may set on a deployment (``id`` only when creating)."""

    config_id: Uuid | None = None
    server_id: ShortText | None = None
    input_values: JsonObject | None = None
    output_values: JsonObject | None = None
    action: ShortText | None = None
    status: ShortText | None = None
    status_reason: Reason | None = None
    stack_user_project_id: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    updated_at: datetime | None = None


class SoftwareDeploymentCreate(SoftwareDeploymentValues):
    id: Uuid | None = None
    server_id: ShortText


class SoftwareDeploymentRecord(_Record):
    id: str
    config_id: str
    server_id: str
    input_values: dict[str, Any] = Field(default_factory=dict)
    output_values: dict[str, Any] = Field(default_factory=dict)
    action: str | None = None
    status: str | None = None
    status_reason: str | None = None
    tenant: str
    stack_user_project_id: str | None = None
    created_at: datetime
    updated_at: datetime | None = None


# --- services (engine heartbeats) ------------------------------------------------------


class ServiceValues(_Values):
    engine_id: ShortText
    host: ShortText
    hostname: ShortText
    binary: ShortText
    topic: ShortText
    report_interval: Annotated[int, Field(ge=1, le=3600)]


class ServiceRecord(_Record):
    id: str
    engine_id: str
    host: str
    hostname: str
    binary: str
    topic: str
    report_interval: int
    created_at: datetime
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
