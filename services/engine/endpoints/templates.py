"""RPC methods that answer from the template language and the plugins alone.

They need no stack, no store and no lock, so they live apart from the
engine core: the engine mounts a ``TemplateQueries`` endpoint next to its
service (the dispatcher takes several endpoints) and any engine replica
answers them the same way. Method and argument names are Heat's
(``heat.rpc.client.EngineClient``), so Heat's own client can call them.

The resource-type methods (list_resource_types, resource_schema,
generate_template) are here too because they read only the plugin
registry; when this endpoint is mounted, the engine service's own copies
go (two endpoints exposing one name would leave the answer to mount order).
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from services.engine.hot.catalog import template_functions, template_versions
from services.engine.resources.registry import ResourceRegistry
from shared.context import RequestContext
from shared.rpc import Target, expose
from shared.schemas.engine import TemplateFunctionInfo, TemplateVersionInfo

DISTRIBUTION = "ember"


def revision() -> str:
    """The installed Ember's version: what build_info reports for the engine (Heat's heat_revision)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # running from a tree that was never installed
        return "unknown"


class TemplateQueries:
    """Template versions, their functions and the engine's revision."""

    target = Target(version="1.36")

    def __init__(self, registry: ResourceRegistry) -> None:
        self.registry = registry

    @expose
    async def list_template_versions(self, ctxt: RequestContext) -> list[TemplateVersionInfo]:
        """Every HOT version with its aliases: ``[{version, type, aliases}]``."""
        return template_versions()

    @expose
    async def list_template_functions(
        self, ctxt: RequestContext, template_version: str, with_condition: bool = False
    ) -> list[TemplateFunctionInfo]:
        """``[{functions, description}]`` for ``heat_template_version.<v>``; NotFound for another name."""
        return template_functions(template_version, with_condition)

    @expose
    async def get_revision(self, ctxt: RequestContext) -> str:
        return revision()

    @expose
    async def list_resource_types(
        self,
        ctxt: RequestContext,
        support_status: str | None = None,
        type_name: str | None = None,
        heat_version: str | None = None,
        with_description: bool = False,
    ) -> list[Any]:
        """Type names (or ``{resource_type, description}``) matching the filters; hidden types never."""
        return self.registry.list_types(
            name=type_name,
            support_status=support_status,
            version=heat_version,
            with_description=with_description,
        )

    @expose
    async def resource_schema(
        self, ctxt: RequestContext, type_name: str, with_description: bool = False
    ) -> dict[str, Any]:
        """Properties, attributes and support status; ResourceTypeNotFound / NotSupported (hidden)."""
        return self.registry.schema(type_name, with_description=with_description)

    @expose
    async def generate_template(
        self, ctxt: RequestContext, type_name: str, template_type: str = "cfn"
    ) -> dict[str, Any]:
        """A template wrapping one resource of the type (``cfn`` by default, as Heat)."""
        return self.registry.template(type_name, template_type)
