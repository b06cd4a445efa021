"""The resource plugin base class and what the engine lends a resource.

A plugin is a ``Resource`` subclass that declares its schemas and implements
Heat's two-step lifecycle: ``handle_<action>()`` starts the work and returns
a token; ``check_<action>_complete(token)`` is polled until it returns True.
Splitting start and poll keeps each step short so the engine can run many
resources on one event loop, enforce timeouts and cancel between polls.

A plugin keeps everything it needs to act on its resource later in
``resource_id`` and the JSON-able ``data`` dict, which the engine stores in
the resource row. An instance is therefore rebuilt from
``(name, properties, host, resource_id, data)`` by any engine, e.g. to delete
what another engine created.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from shared.exceptions import InvalidTemplateAttribute, ResourceFailure

from .attributes import SHOW, SHOW_ATTRIBUTE, Attribute, select_path
from .properties import Property, validate_properties
from .software_io import SoftwareStore
from .support import SupportStatus

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_SUFFIX_LEN = 12


@runtime_checkable
class ResourceHost(Protocol):
    """What the engine gives a resource: its stack's identity and nested stacks.

    The nested-stack calls are used by ResourceGroup and provider templates.
    ``create_nested_stack`` starts creating a child stack (owner: this
    stack, inheriting the parent's environment and ``files`` merged with the
    given ones) and returns its id at once; progress is read with
    ``nested_stack_status`` as ``(action, status, reason)``.
    ``update_nested_stack`` starts a nested update (an update of the child to
    a new template or parameters; UPDATE_* states). ``delete_nested_stack`` starts the deletion; once the child is gone,
    ``nested_stack_status`` returns ``("DELETE", "COMPLETE", ...)`` or raises
    a ``NotFound`` (e.g. ``StackNotFound``). ``nested_stack_outputs`` returns
    ``{output_key: output_value}``, with None for an output that failed.
    """

    @property
    def stack_name(self) -> str: ...

    @property
    def stack_id(self) -> str: ...

    @property
    def project_id(self) -> str: ...

    async def create_nested_stack(
        self,
        resource_name: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, str],
        adopt: dict[str, Any] | None = None,
    ) -> str:
        """Start creating a child stack (or, with ``adopt``, the abandoned child's resources by name,
        adopting it); its id."""
        ...

    async def update_nested_stack(
        self, child_id: str, template: dict[str, Any], params: dict[str, Any], files: dict[str, str]
    ) -> None:
        """Start updating a child stack to ``template`` with ``params`` (a nested update);
        ``nested_stack_status`` then reads ``("UPDATE", ...)``."""
        ...

    async def delete_nested_stack(self, child_id: str) -> None: ...

    async def nested_stack_outputs(self, child_id: str) -> dict[str, Any]: ...

    async def nested_stack_status(self, child_id: str) -> tuple[str, str, str]: ...

    async def nested_stack_changed(self, child_id: str, timeout: float) -> None:
        """Return when this engine stores a new state of the nested stack, or after ``timeout``."""

    def signal_endpoint(self, resource_name: str) -> str:
        """The absolute URL of this stack's resource's signal route on Ember's API
        (``.../stacks/<name>/<id>/resources/<resource>/signal``), handed out by wait condition handles."""
        ...

    @property
    def software(self) -> SoftwareStore:
        """The stored software configs and deployments of this stack's project."""
        ...

    async def sibling(self, reference: str) -> Resource | None:
        """The live plugin of this stack's resource whose name or reference id is ``reference``."""
        ...

    async def save_sibling(self, plugin: Resource, reason: str) -> None:
        """Store what a sibling's plugin now holds (its data), with an event giving ``reason``."""
        ...

    async def resource_metadata(self, reference: str) -> tuple[str, str, dict[str, Any]] | None:
        """``(name, type, metadata)`` of this stack's resource whose name or physical id is ``reference``,
        read from the store now (a signal another engine took is seen); None when there is none."""
        ...

    async def clear_resource_metadata(self, reference: str) -> bool:
        """Empty the stored metadata of this stack's resource named (or physically identified) by
        ``reference``; False when there is none."""
        ...


class NoActionRequired(Exception):
    """Raised by ``handle_signal`` for a signal that changes nothing: no event, nothing stored."""


class DefinitionLike(Protocol):
    """What ``Resource.from_definition`` reads of a resource definition."""

    @property
    def name(self) -> str: ...


class Resource:
    """Base of every resource plugin. Subclasses set the class attributes below."""

    #: The registered type name, e.g. ``OS::Heat::None`` (set by the subclass).
    type_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    properties_schema: ClassVar[Mapping[str, Property]] = {}
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {}
    support_status: ClassVar[SupportStatus] = SupportStatus()
    #: OS::Heat::None takes any properties (to stand in for any type) and ignores them.
    accepts_any_properties: ClassVar[bool] = False
    #: Whether create/delete act on something outside the engine's own records
    #: (a cloud resource, a nested stack). The engine then stores IN_PROGRESS
    #: before acting, so a crash never leaves an untracked thing behind; types
    #: that only compute values let that write go in the background.
    external_state: ClassVar[bool] = True
    physical_resource_name_limit: ClassVar[int] = 255
    #: Actions during which the resource refuses signals (a deployment takes them during DELETE).
    no_signal_actions: ClassVar[tuple[str, ...]] = ("SUSPEND", "DELETE")
    #: Replaced by every stack update, even with unchanged properties (UpdateWaitConditionHandle).
    replace_on_update: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        properties: Mapping[str, Any] | None,
        host: ResourceHost,
        *,
        definition: Any = None,
        resource_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Bind a plugin to one resource; ``properties`` are the resolved values.

        ``definition`` is the template layer's ResourceDefinition, kept for
        plugins that need more than their properties (none of the built-ins).
        Raises ``StackValidationFailed`` when the properties break the schema.
        """
        self.name = name
        self.host = host
        self.definition: Any = definition
        self.properties: dict[str, Any] = self.validate_properties(name, properties)
        self.resource_id: str | None = resource_id
        self.data: dict[str, Any] = dict(data or {})
        #: The resource's resolved ``update_policy`` (set by the engine before ``handle_create`` and
        #: ``handle_update``; e.g. a group's ``batch_create`` and ``rolling_update``).
        self.update_policy: dict[str, Any] = {}
        #: The row's metadata (Heat's ``metadata_get``), set by the engine before ``handle_signal``;
        #: what the plugin leaves here is stored with the signal.
        self.metadata: dict[str, Any] = {}

    # --- validation --------------------------------------------------------

    @classmethod
    def from_definition(
        cls,
        definition: DefinitionLike,
        properties: Mapping[str, Any] | None,
        host: ResourceHost,
        *,
        resource_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Self:
        """The plugin for ``definition`` (anything with a ``name``), e.g. hot.ResourceDefinition."""
        return cls(
            definition.name, properties, host, definition=definition, resource_id=resource_id, data=data
        )

    @classmethod
    def validate_properties(cls, name: str, properties: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check properties against the schema; unresolved values pass.

        Returns the coerced values with defaults. Raises
        ``StackValidationFailed`` whose message names
        ``resources.<name>.properties...``.
        """
        path = f"resources.{name}.properties"
        values = validate_properties(
            cls.properties_schema, properties, path, allow_unknown=cls.accepts_any_properties
        )
        cls.check_properties(values, path)
        return values

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        """Rules across several properties (override).

        Called after the schema checks; during validation some values may
        still be ``Unresolved`` (see ``contains_unresolved``), and a rule
        that needs them must then let them pass.
        """

    @classmethod
    def has_attribute(cls, name: str) -> bool:
        """Whether ``get_attr`` may ask for ``name``; groups accept dynamic names."""
        return name == SHOW or name in cls.attributes_schema

    @classmethod
    def validate_attribute(cls, resource_name: str, name: str) -> None:
        """Raise ``InvalidTemplateAttribute`` when ``name`` is not an attribute of this type."""
        if not cls.has_attribute(name):
            raise InvalidTemplateAttribute(resource=resource_name, key=name)

    @classmethod
    def full_attributes_schema(cls) -> dict[str, Attribute]:
        """The declared attributes plus ``show``, which every type has."""
        return {**cls.attributes_schema, SHOW: SHOW_ATTRIBUTE}

    # --- identity ----------------------------------------------------------

    def physical_resource_name(self) -> str:
        """``<stack>-<resource>-<12 random chars>``, stable for this resource.

        The random part is drawn once and kept in ``data`` so a rebuilt
        instance names the same thing. Names longer than the limit lose
        characters from the stack and resource parts, never the random part,
        which is what keeps them unique.
        """
        suffix = self.data.get("physical_name_suffix")
        if not isinstance(suffix, str):
            suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LEN))
            self.data["physical_name_suffix"] = suffix
        return shorten_name(self.host.stack_name, self.name, suffix, self.physical_resource_name_limit)

    def get_reference_id(self) -> str:
        """What ``get_resource`` returns: the physical id once created, else the name."""
        return self.resource_id if self.resource_id is not None else self.name

    def get_attribute(self, name: str, *path: Any) -> Any:
        """The value of an attribute, walked along ``path`` (missing steps give None).

        ``show`` returns every declared attribute as a dict. Raises
        ``InvalidTemplateAttribute`` for an attribute the type does not have.
        """
        self.validate_attribute(self.name, name)
        if name == SHOW:
            value: Any = self.show()
        else:
            value = self.resolve_attribute(name)
        return select_path(value, path)

    def resolve_attribute(self, name: str) -> Any:
        """Override: the value of one declared attribute (None when unknown yet)."""
        return None

    def all_attributes(self) -> dict[str, Any]:
        """What ``get_attr: [name]`` (no attribute) returns: every declared attribute but ``show``."""
        return {key: self.resolve_attribute(key) for key in self.attributes_schema}

    def show(self) -> dict[str, Any]:
        """The ``show`` attribute: all declared attributes (Heat gives the cloud object's view)."""
        return self.all_attributes()

    async def prepare_attributes(self) -> None:
        """Awaited by the engine before it reads attributes of this resource.

        Plugins whose attributes live elsewhere (nested stacks) refresh them
        here, so that ``get_attribute`` can stay synchronous for the template
        functions.
        """

    def failure(self, reason: str, exc_type: str = "Error") -> ResourceFailure:
        """A ResourceFailure that reads like Heat's ``Error: resources.<name>: <reason>``."""
        return ResourceFailure(exc_type=exc_type, reason=f"resources.{self.name}: {reason}")

    # --- lifecycle (override what the type needs) ---------------------------

    async def handle_create(self) -> Any:
        """Start creating; return a JSON-able token for ``check_create_complete``."""
        return None

    async def check_create_complete(self, token: Any) -> bool:
        """Poll creation; raise ``ResourceFailure`` when it failed."""
        return True

    async def wait_for_progress(self, token: Any, delay: float) -> None:
        """Between two polls of a ``check_*_complete``: ``delay`` seconds (it backs off); a plugin
        that can hear of progress sooner returns sooner."""
        await asyncio.sleep(delay)

    async def handle_adopt(self, resource_data: Mapping[str, Any]) -> Any:
        """Take over a thing that exists (Heat's adopt): ``resource_id`` and ``data`` are already the
        abandoned ones. The default has nothing more to do."""
        return None

    async def check_adopt_complete(self, token: Any) -> bool:
        return True

    async def handle_delete(self) -> Any:
        """Start deleting; must succeed when the thing is already gone."""
        return None

    async def check_delete_complete(self, token: Any) -> bool:
        return True

    @classmethod
    def implementation(cls) -> Any:
        """What, beside the properties, makes two resources of this type differ (JSON-able).

        An update compares it between the old and the new template: a provider
        template whose file changed must update its nested stack even with
        the same properties.
        """
        return cls.type_name

    def needs_replacement(self, new_properties: Mapping[str, Any]) -> bool:
        """True when an update from the current properties requires replacement.

        By default a change to any property that is not ``update_allowed``.
        """
        for key, prop in self.properties_schema.items():
            if not prop.update_allowed and new_properties.get(key) != self.properties.get(key):
                return True
        return False

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        """Start an in-place update; the default takes the new values as they are."""
        self.properties = new_properties
        return None

    async def check_update_complete(self, token: Any) -> bool:
        return True

    async def handle_suspend(self) -> Any:
        return None

    async def check_suspend_complete(self, token: Any) -> bool:
        return True

    async def handle_resume(self) -> Any:
        return None

    async def check_resume_complete(self, token: Any) -> bool:
        return True

    async def handle_snapshot(self) -> Any:
        """Make what a later restore needs beside ``data`` (the default: nothing; ``data`` is kept)."""
        return None

    async def check_snapshot_complete(self, token: Any) -> bool:
        return True

    async def handle_check(self) -> Any:
        """Check the thing still is as recorded; raise ``ResourceFailure`` when it is not."""
        return None

    async def check_check_complete(self, token: Any) -> bool:
        return True

    # --- signals ------------------------------------------------------------------

    @classmethod
    def takes_signals(cls) -> bool:
        """Whether the type implements ``handle_signal`` (Heat refuses a signal to one that does not)."""
        return cls.handle_signal is not Resource.handle_signal

    def signal_token(self) -> str | None:
        """The secret a signal presented without a user token must carry (``draw_signal_secret``);
        None: such signals are refused."""
        token = self.data.get("token")
        return token if isinstance(token, str) else None

    def draw_signal_secret(self) -> None:
        """Draw this resource's signal secret and note its signal URL (``data``: token, endpoint):
        what a handle, a deployment or a scaling policy hands out to be signalled."""
        self.data["token"] = secrets.token_urlsafe(32)
        self.data["endpoint"] = self.host.signal_endpoint(self.name)

    async def handle_signal(self, details: Any) -> str | None:
        """Take a signal's body: change ``metadata`` / ``data`` (stored after it returns, and only if
        no other signal was stored meanwhile, else it runs again on the fresh row, so it must have no
        other effect). Returns what the SIGNAL event says after ``Signal:`` (None: a summary of the
        body). Raise ``ValueError`` or an EmberError for a body it refuses (the caller gets 400)."""
        raise NotImplementedError

    async def after_signal(self, details: Any) -> None:
        """Act on a signal once it is stored (a scaling policy resizes its group here)."""

    def to_stored(self) -> dict[str, Any]:
        """What the engine persists: ``resource_id`` and ``data``."""
        return {"resource_id": self.resource_id, "data": dict(self.data)}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type_name} {self.name!r} id={self.resource_id!r}>"


def shorten_name(stack_name: str, resource_name: str, suffix: str, limit: int) -> str:
    """Join the three parts with ``-``, trimming the two names to fit ``limit``."""
    full = f"{stack_name}-{resource_name}-{suffix}"
    if len(full) <= limit:
        return full
    budget = max(limit - len(suffix) - 2, 0)
    # Give the resource name at least half of what remains; it tells resources apart.
    res_len = min(len(resource_name), max(budget - len(stack_name), budget // 2))
    stack_len = max(budget - res_len, 0)
    return f"{stack_name[:stack_len]}-{resource_name[:res_len]}-{suffix}"[-limit:]
