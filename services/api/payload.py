"""Request bodies: their declared shape (for validation and /openapi.json) and their unpacking.

A template or environment may arrive as a JSON object or as a YAML/JSON
string (heatclient sends objects, curl users often send the file's text);
either way the engine receives a mapping. Parsing large documents runs in a
worker thread so the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from shared.exceptions import BadRequest, TemplateTooLarge

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML where timestamps stay strings: ``heat_template_version: 2018-08-31``
    must reach the engine as the text, not a date that JSON cannot carry."""


def _timestamp_as_text(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_THREAD_THRESHOLD = 64 * 1024
# The sections an environment may have (Heat's list).
ENVIRONMENT_SECTIONS = frozenset(
    {
        "parameters",
        "parameter_defaults",
        "resource_registry",
        "encrypted_param_names",
        "event_sinks",
        "parameter_merge_strategies",
    }
)
# A template's text must name its format with one of these (Heat's check).
_VERSION_KEYS = frozenset({"heat_template_version", "HeatTemplateFormatVersion", "AWSTemplateFormatVersion"})
# How much larger than its text a document may grow once YAML aliases are expanded.
_EXPANSION_FACTOR = 4


class TemplateBody(BaseModel):
    """Fields shared by stack create and template validate."""

    model_config = ConfigDict(extra="allow")

    template: dict[str, Any] | str | None = Field(
        None, description="HOT template (object, or YAML/JSON text)."
    )
    template_url: str | None = Field(None, description="Not supported: send the template itself.")
    parameters: dict[str, Any] | None = Field(
        None, description="Parameter values (override the environment)."
    )
    environment: dict[str, Any] | str | None = Field(None, description="Environment (object or YAML text).")
    environment_files: list[str] | None = Field(None, description="Names in `files` holding environments.")
    files: dict[str, str] | None = Field(None, description="Contents of files the template refers to.")


class StackCreateBody(TemplateBody):
    stack_name: str | None = Field(None, description="Name of the new stack (unique in the project).")
    timeout_mins: int | None = Field(None, ge=0, description="Minutes the create may take.")
    disable_rollback: bool | None = Field(None, description="Keep a failed stack instead of rolling back.")
    tags: list[str] | str | None = Field(None, description="Tags, as a list or a comma-separated string.")


class StackUpdateBody(StackCreateBody):
    """PUT/PATCH .../stacks/{name}/{id} (and their previews): a create's fields plus update's own."""

    clear_parameters: list[str] | None = Field(
        None, description="PATCH: parameters reset to their defaults (names)."
    )
    converge: bool | None = Field(None, description="Accepted as Heat does; every update converges.")
    plan_id: str | None = Field(None, description="Do exactly the plan a preview answered, or 409.")


def not_valid_format(what: str, error: str) -> BadRequest:
    """Heat's 400 for a document it cannot use: ``Template not in valid format: <why>``.

    Clients and scripts written against Heat look for this prefix, so the
    wording follows Heat's; ``why`` is the parser's own explanation.
    """
    return BadRequest(f"{what.capitalize()} not in valid format: {error}")


def _load(text: str, what: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        # JSON is YAML, so the YAML parser's explanation (with line and column) covers both.
        detail = " ".join(str(exc).split())
        if what == "template":
            detail = f"Error parsing template [root stack] {detail}"
        raise not_valid_format(what, detail) from None
    except RecursionError:
        raise not_valid_format(what, "it is nested too deeply.") from None


def check_document(data: Any, what: str, budget: int) -> None:
    """Refuse what cannot travel as JSON or expands far beyond its text.

    YAML aliases make shared references that cost nothing to parse but are
    written out in full when the document goes on the bus (a "billion
    laughs"), so the expanded size is what counts: each node visited costs one
    unit and each string its length. YAML's ``!!binary`` and ``!!set`` make
    values JSON has no form for; they are a client error, not a crash.
    """
    spent = 0
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        spent += 1
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, str):
            spent += len(node)
        elif node is not None and not isinstance(node, (int, float, bool)):
            raise BadRequest(
                f"The {what} holds a value of YAML type {type(node).__name__} that JSON cannot carry."
            )
        if spent > budget:
            raise TemplateTooLarge(size=f"more than {budget} after expanding aliases", limit=budget)


async def parse_document(value: dict[str, Any] | str | None, what: str, limit: int) -> dict[str, Any] | None:
    """An object as is, a string parsed as YAML (JSON included); raises BadRequest / TemplateTooLarge."""
    if value is None or isinstance(value, dict):
        return value
    size = len(value.encode("utf-8"))
    if size > limit:
        raise TemplateTooLarge(size=size, limit=limit)
    if not value.strip():
        return None
    data = await asyncio.to_thread(_load, value, what) if size > _THREAD_THRESHOLD else _load(value, what)
    check_document(data, what, _EXPANSION_FACTOR * limit)
    if not isinstance(data, dict):
        if what == "template":
            raise not_valid_format(what, "The template is not a JSON object or YAML mapping.")
        raise not_valid_format(what, f"The {what} is not a valid YAML mapping data type.")
    return data


async def unpack_template(body: TemplateBody, max_template_size: int) -> dict[str, Any]:
    """The template as a mapping; no template (or only a URL) -> BadRequest, as Heat.

    Adopting (``adopt_stack_data``) needs no template: the engine takes the abandoned one.
    """
    if (body.model_extra or {}).get("adopt_stack_data") is not None and body.template is None:
        return {}
    if body.template is None and body.template_url:
        raise BadRequest(
            "template_url is not supported: send the template itself in 'template' "
            "(ember and heatclient read local files for you)."
        )
    template = await parse_document(body.template, "template", max_template_size)
    if not template:
        raise BadRequest("No template specified.")
    if isinstance(body.template, str) and not _VERSION_KEYS & template.keys():
        # Heat checks this as it parses template text (a mapping goes to the engine as is).
        raise not_valid_format("template", "Template format version not found.")
    return template


async def unpack_environment(body: TemplateBody, max_size: int) -> dict[str, Any]:
    """The environment with ``parameters`` merged in (explicit parameters win), as Heat does."""
    env = dict(await parse_document(body.environment, "environment", max_size) or {})
    for section, value in env.items():
        # Heat's gateway checks the sections before the engine sees them, in these words.
        if section not in ENVIRONMENT_SECTIONS:
            raise not_valid_format("environment", f'environment has wrong section "{section}"')
        if value is None:
            raise not_valid_format("environment", f'environment has empty section "{section}"')
    params = env.get("parameters") or {}
    if not isinstance(params, dict):
        raise BadRequest("The environment's parameters must be a mapping.")
    env["parameters"] = {**params, **(body.parameters or {})}
    return env


def update_args(body: StackUpdateBody, patch: bool) -> dict[str, Any]:
    """Heat's update ``args``: a create's plus ``existing`` (PATCH) and ``clear_parameters``."""
    args = stack_args(body)
    if patch:
        args["existing"] = True
    if body.clear_parameters:
        args["clear_parameters"] = list(body.clear_parameters)
    if body.converge is not None:
        args["converge"] = body.converge
    if body.plan_id is not None:
        args["plan_id"] = body.plan_id
    return args


def stack_args(body: StackCreateBody) -> dict[str, Any]:
    """Heat's ``args``: the options that are not template, environment or files."""
    args: dict[str, Any] = {}
    adopt = (body.model_extra or {}).get("adopt_stack_data")
    if adopt is not None:
        args["adopt_stack_data"] = adopt
    if body.timeout_mins is not None:
        args["timeout_mins"] = body.timeout_mins
    if body.disable_rollback is not None:
        args["disable_rollback"] = body.disable_rollback
    if body.tags is not None:
        tags = body.tags.split(",") if isinstance(body.tags, str) else body.tags
        args["tags"] = [t.strip() for t in tags if t.strip()]
    return args


async def json_object(request: Request) -> dict[str, Any]:
    """A body that must be a JSON object (actions, mark-unhealthy, signal); else a clear 400."""
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body
