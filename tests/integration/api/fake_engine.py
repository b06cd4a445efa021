"""A small in-memory stand-in for the engine, served over the real bus in the gateway's tests.

It answers the EngineClient methods with the engine's shapes
(shared/schemas/engine.py) and errors, keeps stacks in a dict, scopes
everything by the context's tenant (unless admin) and "creates" resources in
a background task (``wait_secs`` on OS::Heat::TestResource slows one down,
``fail: true`` fails it), so the gateway, heatclient and CLI can be tested
before the real engine exists and for cases it cannot produce (a hung engine).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.context import RequestContext
from shared.exceptions import (
    EventNotFound,
    InvalidTemplateVersion,
    OutputNotFound,
    ResourceNotFound,
    ResourceTypeNotFound,
    StackExists,
    StackNotFound,
    StackValidationFailed,
    UnknownUserParameter,
    UserParameterMissing,
)
from shared.rpc import Target, expose

VERSIONS = {"2013-05-23", "2014-10-16", "2015-04-30", "2015-10-15", "2016-04-08", "2016-10-14", "2018-08-31"}
TYPES = {
    "OS::Heat::None": {"properties": {}, "attributes": {}},
    "OS::Heat::RandomString": {"properties": {"length": {"type": "integer"}}, "attributes": {"value": {}}},
    "OS::Heat::TestResource": {
        "properties": {
            "value": {"type": "string"},
            "fail": {"type": "boolean"},
            "wait_secs": {"type": "number"},
        },
        "attributes": {"output": {}},
    },
    "OS::Heat::Value": {"properties": {"value": {"type": "any"}}, "attributes": {"value": {}}},
}


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat()


@dataclass
class FakeStack:
    id: str
    tenant: str
    name: str
    template: dict[str, Any]
    params: dict[str, str]
    user: str | None
    tags: list[str] | None
    timeout: int | None
    disable_rollback: bool
    action: str = "CREATE"
    status: str = "IN_PROGRESS"
    reason: str = "Stack CREATE started"
    created: str = field(default_factory=_now)
    deleted: str | None = None
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def identity(self, path: str = "") -> dict[str, str]:
        return {"tenant": self.tenant, "stack_name": self.name, "stack_id": self.id, "path": path}


class FakeEngine:
    target = Target(version="1.36")

    def __init__(self, hang: bool = False) -> None:
        self.stacks: dict[str, FakeStack] = {}
        self.hang = hang  # never answer (for the 504 test)
        self._tasks: set[asyncio.Task[None]] = set()

    # --- helpers ---------------------------------------------------------------

    def _visible(self, ctxt: RequestContext, stack: FakeStack) -> bool:
        return ctxt.is_admin or stack.tenant == ctxt.project_id

    def _get(self, ctxt: RequestContext, ident: dict[str, Any]) -> FakeStack:
        stack = self.stacks.get(str(ident.get("stack_id")))
        if stack is None or not self._visible(ctxt, stack) or stack.name != ident.get("stack_name"):
            raise StackNotFound(name=ident.get("stack_name"))
        return stack

    def _event(self, stack: FakeStack, name: str, rtype: str, action: str, status: str, reason: str) -> None:
        eid = str(uuid.uuid4())
        phys = stack.resources[name]["physical_resource_id"] if name in stack.resources else stack.id
        stack.events.append(
            {
                "event_identity": stack.identity(f"/resources/{name}/events/{eid}"),
                "stack_identity": stack.identity(),
                "stack_name": stack.name,
                "event_time": _now(),
                "resource_name": name,
                "physical_resource_id": phys,
                "resource_type": rtype,
                "resource_action": action,
                "resource_status": status,
                "resource_status_reason": reason,
                "resource_properties": {},
            }
        )

    def _set_stack(self, stack: FakeStack, action: str, status: str, reason: str) -> None:
        stack.action, stack.status, stack.reason = action, status, reason
        self._event(stack, stack.name, "OS::Heat::Stack", action, status, reason)

    def _set_res(self, stack: FakeStack, name: str, action: str, status: str, reason: str) -> None:
        res = stack.resources[name]
        res.update(resource_action=action, resource_status=status, resource_status_reason=reason)
        res["updated_time"] = _now()
        self._event(stack, name, res["resource_type"], action, status, reason)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _check(self, template: dict[str, Any], env: dict[str, Any]) -> dict[str, str]:
        version = str(template.get("heat_template_version", ""))
        if version not in VERSIONS:
            raise InvalidTemplateVersion(explanation=f"heat_template_version: {version!r} is not supported")
        resources = template.get("resources") or {}
        if not isinstance(resources, dict):
            raise StackValidationFailed(message="resources must be a mapping")
        for name, res in resources.items():
            if not isinstance(res, dict) or res.get("type") not in TYPES:
                rtype = res.get("type") if isinstance(res, dict) else res
                raise StackValidationFailed(
                    message=f"resources.{name}: The Resource Type ({rtype}) could not be found."
                )
        declared = template.get("parameters") or {}
        given = dict(env.get("parameters") or {})
        for key in given:
            if key not in declared:
                raise UnknownUserParameter(key=key)
        values: dict[str, str] = {}
        for key, schema in declared.items():
            if key in given:
                values[key] = str(given[key])
            elif isinstance(schema, dict) and "default" in schema:
                values[key] = str(schema["default"])
            else:
                raise UserParameterMissing(key=key)
        return values

    # --- stacks ----------------------------------------------------------------

    @expose
    async def create_stack(
        self,
        ctxt: RequestContext,
        stack_name: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, Any],
        args: dict[str, Any],
        **_: Any,
    ) -> dict[str, str]:
        if self.hang:
            await asyncio.sleep(3600)
        values = self._check(template, params)
        for other in self.stacks.values():
            if other.tenant == ctxt.project_id and other.name == stack_name and other.deleted is None:
                raise StackExists(stack_name=stack_name)
        stack = FakeStack(
            id=str(uuid.uuid4()),
            tenant=str(ctxt.project_id),
            name=stack_name,
            template=template,
            params=values,
            user=ctxt.user_id,
            tags=args.get("tags"),
            timeout=args.get("timeout_mins"),
            disable_rollback=bool(args.get("disable_rollback", False)),
        )
        for name, res in (template.get("resources") or {}).items():
            stack.resources[name] = {
                "resource_identity": stack.identity(f"/resources/{name}"),
                "stack_identity": stack.identity(),
                "stack_name": stack.name,
                "resource_name": name,
                "physical_resource_id": str(uuid.uuid4()),
                "resource_type": res["type"],
                "resource_action": "INIT",
                "resource_status": "COMPLETE",
                "resource_status_reason": "",
                "creation_time": _now(),
                "updated_time": _now(),
                "required_by": [],
                "parent_resource": None,
                "properties": dict(res.get("properties") or {}),
            }
        self.stacks[stack.id] = stack
        self._set_stack(stack, "CREATE", "IN_PROGRESS", "Stack CREATE started")
        self._spawn(self._create(stack))
        return stack.identity()

    async def _create(self, stack: FakeStack) -> None:
        for name, res in stack.resources.items():
            self._set_res(stack, name, "CREATE", "IN_PROGRESS", "state changed")
            props = res["properties"]
            await asyncio.sleep(float(props.get("wait_secs") or 0))
            if props.get("fail"):
                self._set_res(stack, name, "CREATE", "FAILED", "Exception: Test Resource failed")
                self._set_stack(stack, "CREATE", "FAILED", f"Resource CREATE failed: {name}")
                return
            self._set_res(stack, name, "CREATE", "COMPLETE", "state changed")
        self._set_stack(stack, "CREATE", "COMPLETE", "Stack CREATE completed successfully")

    @expose
    async def identify_stack(self, ctxt: RequestContext, stack_name: str) -> dict[str, str]:
        stack = self.stacks.get(stack_name)
        if stack is not None and self._visible(ctxt, stack):
            return stack.identity()
        for stack in self.stacks.values():
            if stack.name == stack_name and stack.deleted is None and self._visible(ctxt, stack):
                return stack.identity()
        raise StackNotFound(name=stack_name)

    def _info(self, stack: FakeStack, full: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "stack_identity": stack.identity(),
            "stack_name": stack.name,
            "description": str(stack.template.get("description", "")),
            "template_description": str(stack.template.get("description", "")),
            "stack_action": stack.action,
            "stack_status": stack.status,
            "stack_status_reason": stack.reason,
            "creation_time": stack.created,
            "updated_time": None,
            "deletion_time": stack.deleted,
            "notification_topics": [],
            "capabilities": [],
            "disable_rollback": stack.disable_rollback,
            "timeout_mins": stack.timeout,
            "stack_owner": stack.user,
            "parent": None,
            "stack_user_project_id": stack.tenant,
            "tags": stack.tags,
        }
        if full:
            params = dict(stack.params)
            params.update(
                {"OS::stack_id": stack.id, "OS::stack_name": stack.name, "OS::project_id": stack.tenant}
            )
            info["parameters"] = params
            info["outputs"] = [self._output(stack, k) for k in (stack.template.get("outputs") or {})]
        return info

    def _select(
        self, ctxt: RequestContext, filters: dict[str, Any] | None, show_deleted: bool
    ) -> list[FakeStack]:
        out = []
        for stack in self.stacks.values():
            if not self._visible(ctxt, stack) or (stack.deleted and not show_deleted):
                continue
            ok = True
            for key, want in (filters or {}).items():
                have = {
                    "name": stack.name,
                    "status": stack.status,
                    "action": stack.action,
                    "id": stack.id,
                }.get(key)
                wanted = want if isinstance(want, list) else [want]
                ok = ok and have in wanted
            if ok:
                out.append(stack)
        return out

    @expose
    async def list_stacks(
        self,
        ctxt: RequestContext,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: list[str] | None = None,
        sort_dir: str | None = None,
        filters: dict[str, Any] | None = None,
        show_deleted: bool = False,
        **_: Any,
    ) -> list[dict[str, Any]]:
        stacks = sorted(self._select(ctxt, filters, show_deleted), key=lambda s: (s.created, s.id))
        if sort_dir != "asc":
            stacks.reverse()
        if marker:
            ids = [s.id for s in stacks]
            stacks = stacks[ids.index(marker) + 1 :] if marker in ids else []
        if limit is not None:
            stacks = stacks[:limit]
        return [self._info(s, False) for s in stacks]

    @expose
    async def count_stacks(
        self,
        ctxt: RequestContext,
        filters: dict[str, Any] | None = None,
        show_deleted: bool = False,
        **_: Any,
    ) -> int:
        return len(self._select(ctxt, filters, show_deleted))

    @expose
    async def show_stack(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], resolve_outputs: bool = True
    ) -> list[dict[str, Any]]:
        return [self._info(self._get(ctxt, stack_identity), True)]

    @expose
    async def get_template(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctxt, stack_identity).template

    @expose
    async def delete_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        stack = self._get(ctxt, stack_identity)
        if stack.deleted:
            return
        self._set_stack(stack, "DELETE", "IN_PROGRESS", "Stack DELETE started")
        for name in stack.resources:
            self._set_res(stack, name, "DELETE", "COMPLETE", "state changed")
        self._set_stack(stack, "DELETE", "COMPLETE", "Stack DELETE completed successfully")
        stack.deleted = _now()

    # --- outputs, resources, events ---------------------------------------------

    def _output(self, stack: FakeStack, key: str) -> dict[str, Any]:
        outputs = stack.template.get("outputs") or {}
        if key not in outputs:
            raise OutputNotFound(key=key)
        value = outputs[key].get("value") if isinstance(outputs[key], dict) else None
        if isinstance(value, dict) and "get_param" in value:
            value = stack.params.get(str(value["get_param"]))
        elif isinstance(value, dict) and "get_resource" in value:
            value = stack.resources.get(str(value["get_resource"]), {}).get("physical_resource_id")
        return {"output_key": key, "output_value": value, "description": outputs[key].get("description")}

    @expose
    async def list_outputs(
        self, ctxt: RequestContext, stack_identity: dict[str, Any]
    ) -> list[dict[str, Any]]:
        stack = self._get(ctxt, stack_identity)
        return [
            {"output_key": k, "description": (v or {}).get("description")}
            for k, v in (stack.template.get("outputs") or {}).items()
        ]

    @expose
    async def show_output(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], output_key: str
    ) -> dict[str, Any]:
        return self._output(self._get(ctxt, stack_identity), output_key)

    @expose
    async def list_stack_resources(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        filters: dict[str, Any] | None = None,
        **_: Any,
    ) -> list[dict[str, Any]]:
        stack = self._get(ctxt, stack_identity)
        wanted = (filters or {}).get("name")
        out = []
        for res in stack.resources.values():
            if wanted and res["resource_name"] not in (wanted if isinstance(wanted, list) else [wanted]):
                continue
            out.append({k: v for k, v in res.items() if k != "properties"})
        return out

    @expose
    async def describe_stack_resource(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], resource_name: str, **_: Any
    ) -> dict[str, Any]:
        stack = self._get(ctxt, stack_identity)
        if resource_name not in stack.resources:
            raise ResourceNotFound(resource_name=resource_name, stack_name=stack.name)
        return {**stack.resources[resource_name], "attributes": {}, "metadata": {}, "description": ""}

    @expose
    async def list_events(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any] | None,
        filters: dict[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_dir: str | None = None,
        **_: Any,
    ) -> list[dict[str, Any]]:
        stack = self._get(ctxt, stack_identity or {})
        events = list(stack.events)
        for key, want in (filters or {}).items():
            wanted = want if isinstance(want, list) else [want]
            if key == "uuid":
                events = [e for e in events if e["event_identity"]["path"].rsplit("/", 1)[-1] in wanted]
            else:
                events = [e for e in events if str(e.get(key)) in wanted]
        if sort_dir == "desc":
            events.reverse()
        if marker:
            ids = [e["event_identity"]["path"].rsplit("/", 1)[-1] for e in events]
            if marker not in ids:
                raise EventNotFound(name=marker)
            events = events[ids.index(marker) + 1 :]
        return events[:limit] if limit is not None else events

    # --- templates and types -----------------------------------------------------

    @expose
    async def validate_template(
        self, ctxt: RequestContext, template: dict[str, Any], params: dict[str, Any] | None = None, **_: Any
    ) -> dict[str, Any]:
        env = params or {}
        self._check(template, {"parameters": {}})
        declared = template.get("parameters") or {}
        unknown = [k for k in (env.get("parameters") or {}) if k not in declared]
        if unknown:
            raise UnknownUserParameter(key=unknown[0])
        return {
            "Description": template.get("description", "No description"),
            "Parameters": {
                k: {"Type": str((v or {}).get("type", "string")).capitalize()} for k, v in declared.items()
            },
            "Environment": {"parameters": env.get("parameters") or {}, "resource_registry": {}},
        }

    @expose
    async def list_resource_types(
        self,
        ctxt: RequestContext,
        type_name: str | None = None,
        support_status: str | None = None,
        with_description: bool = False,
        **_: Any,
    ) -> list[Any]:
        if support_status not in (None, "SUPPORTED"):  # every fake type is SUPPORTED
            return []
        names = sorted(t for t in TYPES if not type_name or type_name in t)
        if with_description:
            return [{"resource_type": t, "description": f"The fake {t}."} for t in names]
        return names

    @expose
    async def resource_schema(self, ctxt: RequestContext, type_name: str, **_: Any) -> dict[str, Any]:
        if type_name not in TYPES:
            raise ResourceTypeNotFound(name=type_name)
        return {
            "resource_type": type_name,
            **TYPES[type_name],
            "support_status": {"status": "SUPPORTED"},
            "description": f"The fake {type_name}.",
        }

    @expose
    async def generate_template(
        self, ctxt: RequestContext, type_name: str, template_type: str = "cfn"
    ) -> dict[str, Any]:
        if type_name not in TYPES:
            raise ResourceTypeNotFound(name=type_name)
        if template_type == "hot":
            return {
                "heat_template_version": "2016-10-14",
                "resources": {type_name.split("::")[-1]: {"type": type_name}},
            }
        return {"HeatTemplateFormatVersion": "2012-12-12", "Resources": {"R": {"Type": type_name}}}

    @expose
    async def listening(self, ctxt: RequestContext) -> bool:
        return True


class FakeStore:
    """Consumes a store topic so the gateway sees a store up; the FakeEngine keeps its own data."""

    target = Target(version="1.0")

    @expose
    async def ping(self, ctxt: RequestContext) -> dict[str, str]:
        return {"server": "fake-store"}
