"""The shapes the engine's RPC methods return, with Heat's rpc-api keys.

The engine speaks Heat's engine format (action and status apart, identities
as dicts); the gateway turns these into Heat's HTTP bodies (for example
``stack_action`` + ``stack_status`` -> ``"CREATE_COMPLETE"``). Times are ISO
8601 strings in UTC, or None.
"""

from __future__ import annotations

from typing import Any, TypedDict


class StackIdentity(TypedDict):
    tenant: str
    stack_name: str
    stack_id: str
    path: str


class OutputInfo(TypedDict, total=False):
    output_key: str
    output_value: Any
    description: str | None
    output_error: str  # present only when the value failed to resolve


class StackInfo(TypedDict, total=False):
    stack_identity: StackIdentity
    stack_name: str
    description: str
    template_description: str
    stack_action: str  # CREATE, DELETE, ROLLBACK, ...
    stack_status: str  # IN_PROGRESS, COMPLETE, FAILED
    stack_status_reason: str
    creation_time: str | None
    updated_time: str | None
    deletion_time: str | None
    notification_topics: list[str]
    capabilities: list[Any]
    disable_rollback: bool
    timeout_mins: int | None
    stack_owner: str | None
    parent: str | None  # the owner stack's id for nested stacks
    stack_user_project_id: str | None
    tags: list[str] | None
    parameters: dict[str, str]  # values as strings, hidden ones masked; OS::stack_id etc. included
    outputs: list[OutputInfo]  # show_stack only


class ResourceInfo(TypedDict, total=False):
    resource_identity: StackIdentity  # path "/resources/<name>"
    nested_stack_id: StackIdentity  # the child stack of a nested-stack resource (Heat's "nested" link)
    stack_identity: StackIdentity
    stack_name: str
    resource_name: str
    logical_resource_id: str
    physical_resource_id: str
    resource_type: str
    resource_action: str
    resource_status: str
    resource_status_reason: str
    creation_time: str | None
    updated_time: str | None
    required_by: list[str]
    parent_resource: str | None
    description: str
    metadata: dict[str, Any]
    attributes: dict[str, Any]  # describe / with_detail
    properties: dict[str, Any]  # describe / with_detail


class EventInfo(TypedDict, total=False):
    event_identity: StackIdentity  # path "/resources/<name>/events/<id>"
    stack_identity: StackIdentity
    stack_name: str
    event_time: str
    resource_name: str
    physical_resource_id: str | None
    resource_type: str
    resource_action: str
    resource_status: str
    resource_status_reason: str
    resource_properties: dict[str, Any]
    root_stack_id: StackIdentity  # only when listed with nested_depth, as Heat


class TemplateVersionInfo(TypedDict):
    """list_template_versions: ``heat_template_version.<date>`` with its release-name aliases."""

    version: str
    type: str  # "hot"
    aliases: list[str]


class TemplateFunctionInfo(TypedDict):
    """list_template_functions: Heat names the key ``functions`` although it holds one name."""

    functions: str
    description: str
