"""OS::Heat::ResourceGroup: ``count`` copies of one resource definition, as a nested stack.

Members are named ``"0"``, ``"1"``, ... in the child stack; names listed in
``removal_policies`` are skipped, and the group takes the next free indexes
instead, so that removing a bad member keeps the count. Null member
properties are dropped so that the member type's defaults apply. ``%index%`` (or
``index_var``) in member properties is replaced by the member's name.

For the parent to read members' attributes the child template outputs, per
member, its reference (``ref.<n>``) and its ``show`` attribute
(``show.<n>``); every group attribute is computed from those.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from shared.exceptions import InvalidTemplateAttribute, StackValidationFailed

from ..attributes import LIST, MAP, Attribute, select_path
from ..constraints import AllowedValues, Length, Range
from ..properties import INTEGER, STRING, Property
from ..properties import LIST as PLIST
from ..properties import MAP as PMAP
from ..rolling import RollingNestedStack, pause_seconds
from ..support import SupportStatus

CHILD_TEMPLATE_VERSION = "2016-10-14"


class ResourceGroup(RollingNestedStack):
    type_name: ClassVar[str] = "OS::Heat::ResourceGroup"
    description: ClassVar[str] = (
        "Creates one or more identically configured nested resources; %index% in their "
        "properties is replaced by each member's index."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "count": Property(
            INTEGER,
            "The number of resources to create.",
            default=1,
            constraints=(Range(min=0),),
            update_allowed=True,
        ),
        "index_var": Property(
            STRING,
            "A variable replaced with the member's index in its properties.",
            default="%index%",
            constraints=(Length(min=3),),
            update_allowed=True,
        ),
        "resource_def": Property(
            PMAP,
            "Resource definition for the members.",
            required=True,
            update_allowed=True,
            schema={
                "type": Property(STRING, "The type of the members.", required=True),
                "properties": Property(PMAP, "Property values for the members."),
                "metadata": Property(PMAP, "Metadata for the members."),
            },
        ),
        "removal_policies": Property(
            PLIST,
            "Policies for removing members: names in resource_list are never (re)used.",
            default=[],
            update_allowed=True,
            schema=Property(
                PMAP,
                schema={
                    "resource_list": Property(PLIST, "Names of members to remove.", default=[]),
                },
            ),
        ),
        "removal_policies_mode": Property(
            STRING,
            "Whether removal_policies add to (append) or replace (update) earlier ones.",
            default="append",
            update_allowed=True,
            constraints=(AllowedValues(allowed=("append", "update")),),
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "refs": Attribute("The references of the members, in index order.", LIST),
        "refs_map": Attribute("A map of member names to their references.", MAP),
        "attributes": Attribute("A map of member names to the given attribute of each member.", MAP),
        "removed_rsrc_list": Attribute("Names of the members that were removed.", LIST),
    }

    @classmethod
    def has_attribute(cls, name: str) -> bool:
        # Any other name is read from every member ("resource.<n>[.attr]" from one).
        return bool(name)

    def _policy_names(self) -> set[str]:
        names: set[str] = set()
        for policy in self.properties.get("removal_policies") or []:
            names |= {str(n) for n in policy.get("resource_list") or []}
        return names

    def removed_names(self) -> list[str]:
        """The names never to use, sorted: stored once the group exists, else from the policies.

        They are kept in ``data`` because a removed name must stay unused
        even after the policy that removed it is edited away (append mode).
        """
        stored = self.data.get("name_skiplist")
        if isinstance(stored, list):
            return [str(n) for n in stored]
        return sorted(self._policy_names())

    def member_names(self) -> list[str]:
        """Names of the members, skipping removed ones, in index order."""
        removed = set(self.removed_names())
        names: list[str] = []
        index = 0
        while len(names) < self.properties["count"]:
            if str(index) not in removed:
                names.append(str(index))
            index += 1
        return names

    def member_definition(self, name: str) -> dict[str, Any]:
        rdef = self.properties["resource_def"]
        member: dict[str, Any] = {"type": rdef["type"]}
        if rdef.get("properties"):
            # Unset (null) member properties are left out, so the member's defaults apply.
            props = {k: v for k, v in rdef["properties"].items() if v is not None}
            member["properties"] = _substitute(props, self.properties["index_var"], name)
        if rdef.get("metadata"):
            member["metadata"] = _substitute(rdef["metadata"], self.properties["index_var"], name)
        return member

    async def handle_create(self) -> Any:
        """Create the child stack; with ``update_policy: {batch_create: {max_batch_size, pause_time}}``
        it starts with the first batch of members and grows a batch at a time (nested updates)."""
        self.data["name_skiplist"] = self.removed_names()
        policy = self.update_policy.get("batch_create")
        count = len(self.member_names())
        size = int(policy.get("max_batch_size") or 0) if isinstance(policy, dict) else 0
        if size <= 0 or size >= count:
            return await super().handle_create()
        batching = _Batching(
            sizes=[min(done, count) for done in range(size, count + size, size)],
            pause=pause_seconds(policy.get("pause_time") if isinstance(policy, dict) else None),
        )
        template = self._template_for(self.member_names()[: batching.sizes[0]])
        self.resource_id = await self.host.create_nested_stack(
            self.name, template, self.child_params(), self.child_files()
        )
        batching.child_id = self.resource_id
        return batching

    async def check_create_complete(self, token: Any) -> bool:
        if not isinstance(token, _Batching):
            return await super().check_create_complete(token)
        batching = token
        if batching.resume_at is not None:
            if time.monotonic() < batching.resume_at:
                return False
            batching.resume_at = None
            batching.index += 1
            names = self.member_names()[: batching.sizes[batching.index]]
            await self.host.update_nested_stack(batching.child_id, self._template_for(names), {}, {})
            return False
        done = (
            await super().check_create_complete(batching.child_id)
            if batching.index == 0
            else await super().check_update_complete(batching.child_id)
        )
        if not done:
            return False
        if batching.index == len(batching.sizes) - 1:
            return True
        batching.resume_at = time.monotonic() + batching.pause
        return False

    def _template_for(self, names: list[str]) -> dict[str, Any]:
        template = self.child_template()
        template["resources"] = {n: template["resources"][n] for n in names}
        template["outputs"] = {
            key: value for key, value in template["outputs"].items() if key.split(".", 1)[1] in set(names)
        }
        return template

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        """A nested update to the new count and definition; removal policies add to (append) or
        replace (update) the names never to use, so the highest indexes go when count falls.

        With ``update_policy: {rolling_update: {max_batch_size, min_in_service, pause_time}}`` and a
        changed member definition, the members move to it a batch at a time (one nested update per
        batch, ``pause_time`` seconds apart), as Heat's rolling update does.
        """
        old = ResourceGroup(self.name, self.properties, self.host, definition=self.definition, data=self.data)
        batches = self._rolling_batches(old, new_properties)
        if not batches:
            return await super().handle_update(new_properties, prop_diff)
        self.properties = new_properties
        self.prepare_update(old.properties)
        templates = [
            self._batch_template(old, done, index == len(batches) - 1) for index, done in enumerate(batches)
        ]
        return await self.start_rolling(templates, pause_seconds(self._rolling().get("pause_time")))

    def _rolling(self) -> dict[str, Any]:
        policy = self.update_policy.get("rolling_update")
        return policy if isinstance(policy, dict) else {}

    def prepare_update(self, old_properties: dict[str, Any]) -> None:
        """The names never to use: removal policies add to them (append) or replace them (update)."""
        stored = set(ResourceGroup(self.name, old_properties, self.host, data=self.data).removed_names())
        named = self._policy_names()
        skip = named if self.properties.get("removal_policies_mode") == "update" else stored | named
        self.data["name_skiplist"] = sorted(skip)

    def _rolling_batches(self, old: ResourceGroup, new_properties: dict[str, Any]) -> list[int]:
        """How many members have the new definition after each batch (empty: no rolling update)."""
        policy = self._rolling()
        if not policy or old.properties.get("resource_def") == new_properties.get("resource_def"):
            return []
        future = ResourceGroup(self.name, new_properties, self.host, data=dict(self.data))
        future.prepare_update(old.properties)
        staying = [n for n in future.member_names() if n in set(old.member_names())]
        target = len(staying)
        size = max(int(policy.get("max_batch_size") or 1), 1)
        in_service = max(int(policy.get("min_in_service") or 0), 0)
        size = min(size, max(target - min(in_service, target), 1))
        return [min(done, target) for done in range(size, target + size, size)] or [0]

    def _batch_template(self, old: ResourceGroup, updated: int, last: bool) -> dict[str, Any]:
        """The child template of one batch: the first ``updated`` staying members (index order) new,
        the other staying ones as they were; members added or removed change in the last batch."""
        old_names = old.member_names()
        names = self.member_names() if last else [n for n in old_names if n in set(self.member_names())]
        staying = [n for n in names if n in set(old_names)]
        renewed = set(staying[:updated]) | (set(names) - set(old_names))
        template = self.child_template()
        template["resources"] = {
            n: (
                self.member_definition(n)
                if n in renewed or (last and updated >= len(staying))
                else old.member_definition(n)
            )
            for n in names
        }
        outputs: dict[str, Any] = {}
        for n in names:
            outputs[f"ref.{n}"] = {"value": {"get_resource": n}}
            outputs[f"show.{n}"] = {"value": {"get_attr": [n, "show"]}}
        template["outputs"] = outputs
        return template

    def child_template(self) -> dict[str, Any]:
        names = self.member_names()
        outputs: dict[str, Any] = {}
        for n in names:
            outputs[f"ref.{n}"] = {"value": {"get_resource": n}}
            outputs[f"show.{n}"] = {"value": {"get_attr": [n, "show"]}}
        return {
            "heat_template_version": CHILD_TEMPLATE_VERSION,
            "resources": {n: self.member_definition(n) for n in names},
            "outputs": outputs,
        }

    def all_attributes(self) -> dict[str, Any]:
        # "attributes" needs a member attribute name, so it cannot be listed.
        return {k: self.get_attribute(k) for k in ("refs", "refs_map", "removed_rsrc_list")}

    def _member_show(self, name: str) -> Any:
        return self.outputs.get(f"show.{name}")

    def get_attribute(self, name: str, *path: Any) -> Any:
        """Group attributes, ``resource.<n>[.<attr>]`` and any member attribute by name."""
        self.validate_attribute(self.name, name)
        names = self.member_names()
        if name == "refs":
            return select_path([self.outputs.get(f"ref.{n}") for n in names], path)
        if name == "refs_map":
            return select_path({n: self.outputs.get(f"ref.{n}") for n in names}, path)
        if name == "removed_rsrc_list":
            return select_path(self.removed_names(), path)
        if name == "show":
            return select_path({n: self._member_show(n) for n in names}, path)
        if name == "attributes":
            if not path:
                # It needs the member attribute to collect: get_attr [group, attributes, name].
                raise InvalidTemplateAttribute(resource=self.name, key=name)
            return {n: select_path(self._member_show(n), path) for n in names}
        if name.startswith("resource."):
            return self._member_attribute(name, path, names)
        return [select_path(self._member_show(n), [name, *path]) for n in names]

    def _member_attribute(self, name: str, path: tuple[Any, ...], names: list[str]) -> Any:
        parts = name.split(".", 2)
        member = parts[1] if len(parts) > 1 else ""
        if member not in names:
            # Heat reads attributes from what each member stored; a member that
            # does not exist stored nothing, so its attribute is null, not an error
            # (a template may well ask for "resource.2" of a group scaled to two).
            return None
        rest = [*parts[2:], *path]
        if not rest:
            return self.outputs.get(f"ref.{member}")
        return select_path(self._member_show(member), rest)

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        rdef = properties["resource_def"]
        if isinstance(rdef, dict) and rdef.get("type") == "":
            raise StackValidationFailed(path=f"{path}.resource_def.type", reason="must not be empty")


@dataclass
class _Batching:
    """A batched create in progress: members the child has after each batch, and where it is."""

    sizes: list[int]
    pause: float
    child_id: str = ""
    index: int = 0
    resume_at: float | None = None


def _substitute(value: Any, var: str, index: str) -> Any:
    """``var`` replaced by ``index`` in every string value (not map keys) of ``value``."""
    if isinstance(value, str):
        return value.replace(var, index)
    if isinstance(value, Mapping):
        return {k: _substitute(v, var, index) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, var, index) for v in value]
    return value
