"""Stored software configs: OS::Heat::SoftwareConfig, StructuredConfig, CloudConfig, MultipartMime.

Each stores one immutable config (the same row ``POST /software_configs``
makes) and is that config's id; any property change replaces it, as in
Heat. Deployments read the config by id to derive what they deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import Parser
from typing import Any, ClassVar

import yaml

from shared.exceptions import NotFound

from ..attributes import Attribute
from ..base import Resource
from ..constraints import AllowedValues
from ..properties import LIST, MAP, STRING, Property
from ..software_io import DEFAULT_GROUP, INPUTS_PROPERTY, OUTPUTS_PROPERTY, stored_config
from ..support import SupportStatus

_CONFIG_ATTRIBUTE = Attribute("The config value of the software config.")


class SoftwareConfig(Resource):
    type_name: ClassVar[str] = "OS::Heat::SoftwareConfig"
    description: ClassVar[str] = (
        "A stored configuration script (or other text) with declared inputs and outputs, which "
        "deployments apply to servers."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "group": Property(
            STRING,
            "Namespace to group this software config by when delivered to a server (the tool that applies it).",
            default=DEFAULT_GROUP,
        ),
        "config": Property(
            STRING, "Configuration script or manifest which specifies what actually gets configured."
        ),
        "options": Property(MAP, "Map containing options specific to the configuration management tool."),
        "inputs": INPUTS_PROPERTY,
        "outputs": OUTPUTS_PROPERTY,
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {"config": _CONFIG_ATTRIBUTE}

    async def config_text(self) -> Any:
        """What the config row's ``config`` holds (overridden by the generated kinds)."""
        return self.properties.get("config")

    async def handle_create(self) -> Any:
        config = await self.config_text()
        values = {
            "name": self.physical_resource_name(),
            "group": self.properties.get("group") or DEFAULT_GROUP,
            "config": stored_config(
                config,
                self.properties.get("inputs"),
                self.properties.get("outputs"),
                self.properties.get("options"),
            ),
        }
        record = await self.host.software.create_config(values)
        self.resource_id = str(record["id"])
        self.data["config"] = config
        return None

    async def handle_delete(self) -> Any:
        if self.resource_id is not None:
            try:
                await self.host.software.delete_config(self.resource_id)
            except NotFound:
                pass  # already gone
        return None

    def resolve_attribute(self, name: str) -> Any:
        return self.data.get("config") if name == "config" else None


class StructuredConfig(SoftwareConfig):
    type_name: ClassVar[str] = "OS::Heat::StructuredConfig"
    description: ClassVar[str] = (
        "A software config whose config is a map (for tools that take structured data); a "
        "StructuredDeployment replaces its get_input markers with the input values."
    )
    properties_schema: ClassVar[Mapping[str, Property]] = {
        **SoftwareConfig.properties_schema,
        "config": Property(MAP, "Map representing the configuration data structure."),
    }


class CloudConfig(SoftwareConfig):
    type_name: ClassVar[str] = "OS::Heat::CloudConfig"
    description: ClassVar[str] = "A cloud-init #cloud-config document, stored as a software config."
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "cloud_config": Property(MAP, "Map representing the cloud-config data structure."),
    }

    async def config_text(self) -> Any:
        body = yaml.safe_dump(self.properties.get("cloud_config") or {}, default_flow_style=False)
        return f"#cloud-config\n{body}"


class MultipartMime(SoftwareConfig):
    type_name: ClassVar[str] = "OS::Heat::MultipartMime"
    description: ClassVar[str] = (
        "A multipart MIME message assembled from other configs (by id) or literal text, as cloud-init "
        "takes user data."
    )
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "parts": Property(
            LIST,
            "Parts belonging to this message.",
            default=[],
            schema=Property(
                MAP,
                schema={
                    "config": Property(
                        STRING,
                        "Content of part to attach, either inline or by referencing the ID of another config.",
                        required=True,
                    ),
                    "filename": Property(STRING, "Optional filename to associate with part."),
                    "type": Property(
                        STRING,
                        "Whether the part content is text or multipart.",
                        default="text",
                        constraints=(AllowedValues(allowed=("text", "multipart")),),
                    ),
                    "subtype": Property(STRING, "Optional subtype to specify with the type."),
                },
            ),
        ),
        "group": SoftwareConfig.properties_schema["group"],
    }

    async def _part_content(self, reference: str) -> str:
        try:
            record = await self.host.software.get_config(reference)
        except NotFound:
            return reference  # not a config id: the text itself
        content = (record.get("config") or {}).get("config")
        return content if isinstance(content, str) else yaml.safe_dump(content)

    async def config_text(self) -> Any:
        message = MIMEMultipart()
        for part in self.properties.get("parts") or []:
            content = await self._part_content(str(part["config"]))
            if part.get("type") == "multipart":
                for sub in Parser().parsestr(content).walk():
                    if not sub.is_multipart():
                        message.attach(sub)
                continue
            subtype = part.get("subtype") or ("x-shellscript" if content.startswith("#!") else "plain")
            # ASCII text stays readable (7bit), as cloud-init is usually given it; other text is base64.
            mime = MIMEText(content, subtype, "us-ascii" if content.isascii() else "utf-8")
            if part.get("filename"):
                mime.add_header("Content-Disposition", "attachment", filename=part["filename"])
            message.attach(mime)
        return message.as_string()
