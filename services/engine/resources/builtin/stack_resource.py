"""OS::Heat::Stack: a nested stack from a template given inline (Heat's RemoteStack, locally).

Heat's type can create the stack in another region or cloud; Ember has one
place, so a ``context`` naming a region, credentials or certificates is
refused. The child gets ``parameters`` and the parent's files; its outputs
are the ``outputs`` attribute (``get_attr: [res, outputs, key]``) and its name
``stack_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import yaml

from shared.exceptions import StackValidationFailed

from ..attributes import MAP, STRING, Attribute
from ..nested import NestedStackResource
from ..properties import BOOLEAN, NUMBER, Property, contains_unresolved
from ..properties import MAP as PMAP
from ..properties import STRING as PSTRING
from ..support import SupportStatus


class HeatStack(NestedStackResource):
    type_name: ClassVar[str] = "OS::Heat::Stack"
    description: ClassVar[str] = "A nested stack made from the template given in the template property."
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.2")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "context": Property(
            PMAP,
            "Context for this stack (Ember has one region: region_name, credential_secret_id and ca_cert are "
            "refused).",
            update_allowed=True,
            schema={
                "region_name": Property(PSTRING, "Region name in which this stack will be created."),
                "credential_secret_id": Property(PSTRING, "A Barbican secret ID with a remote cloud's credential."),
                "ca_cert": Property(PSTRING, "CA Cert for SSL."),
                "insecure": Property(BOOLEAN, "If set, then the server's certificate will not be verified.",
                                     default=False),
            },
        ),
        "template": Property(
            PSTRING, "Template that specifies the stack to be created as a resource.", required=True,
            update_allowed=True,
        ),
        "timeout": Property(NUMBER, "Number of minutes to wait for this stack creation.", update_allowed=True),
        "parameters": Property(PMAP, "Set of parameters passed to this stack.", default={}, update_allowed=True),
    }  # fmt: skip
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "stack_name": Attribute("Name of the stack.", STRING),
        "outputs": Attribute("A dict of key-value pairs output from the stack.", MAP),
    }

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        context = properties.get("context") or {}
        if isinstance(context, Mapping) and not contains_unresolved(context):
            for key in ("region_name", "credential_secret_id", "ca_cert"):
                if context.get(key):
                    raise StackValidationFailed(
                        path=f"{path}.context.{key}",
                        reason="Ember creates stacks in its own place only; a remote context is not supported",
                    )
        template = properties.get("template")
        if isinstance(template, str) and not contains_unresolved(template):
            parse_template(template, f"{path}.template")

    def child_template(self) -> dict[str, Any]:
        return parse_template(str(self.properties["template"]), f"resources.{self.name}.properties.template")

    def child_params(self) -> dict[str, Any]:
        return dict(self.properties.get("parameters") or {})

    def resolve_attribute(self, name: str) -> Any:
        if name == "outputs":
            return dict(self.outputs)
        if name == "stack_name":
            return self.data.get("stack_name")
        return None

    async def prepare_attributes(self) -> None:
        await super().prepare_attributes()
        if self.resource_id is not None and "stack_name" not in self.data:
            self.data["stack_name"] = f"{self.host.stack_name}-{self.name}"


def parse_template(text: str, path: str) -> dict[str, Any]:
    """The template property's text (YAML or JSON) as a map; StackValidationFailed naming ``path``."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StackValidationFailed(
            path=path, reason=f"the template is not valid YAML or JSON: {exc}"
        ) from None
    if not isinstance(parsed, dict):
        raise StackValidationFailed(path=path, reason="the template must be a map")
    return parsed
