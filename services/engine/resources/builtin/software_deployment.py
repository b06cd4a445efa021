"""Software deployments: OS::Heat::SoftwareDeployment and OS::Heat::StructuredDeployment.

A deployment applies a config to a ``server`` (any id: Ember runs no
servers, whatever runs the config reports back). For each of its
``actions`` it stores a *derived* config — the config with the input values
and Heat's ``deploy_*`` inputs (server id, action, stack, resource, how to
signal) — and a deployment row IN_PROGRESS, then waits until it is
signalled with the outputs (``deploy_stdout``, ``deploy_stderr``,
``deploy_status_code`` and the declared ones): a signal to the resource
(``resource_signal``, its ``deploy_signal_id`` URL with its token) or
``PUT /software_deployments/<id>`` with a status. With ``signal_transport:
NO_SIGNAL`` it is COMPLETE at once. A non-zero status code or an
``error_output`` fails it with Heat's reasons.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from shared.exceptions import NotFound, StackValidationFailed

from ..attributes import Attribute
from ..base import Resource
from ..constraints import AllowedValues
from ..properties import LIST, MAP, STRING, Property
from ..software_io import COMPLETE, FAILED, IN_PROGRESS, STANDARD_OUTPUTS, signal_outcome
from ..support import SupportStatus
from .wait_handle import presigned_url, refuse_cloud_transport

ACTIONS = ("CREATE", "UPDATE", "DELETE", "SUSPEND", "RESUME")
TRANSPORTS = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "NO_SIGNAL", "ZAQAR_SIGNAL")

DEPLOYMENT_PROPERTIES: Mapping[str, Property] = {
    "config": Property(
        STRING,
        "ID of software configuration resource to execute when applying to the server.",
        update_allowed=True,
    ),
    "input_values": Property(
        MAP,
        "Input values to apply to the software configuration on this server.",
        default={},
        update_allowed=True,
    ),
    "actions": Property(
        LIST,
        "Which lifecycle actions of the deployment resource will result in this deployment being triggered.",
        default=["CREATE", "UPDATE"],
        update_allowed=True,
        schema=Property(STRING, constraints=(AllowedValues(allowed=ACTIONS),)),
    ),
    "signal_transport": Property(
        STRING,
        "How the server should signal to heat with the deployment output values: CFN_SIGNAL (POST to a "
        "pre-signed URL), HEAT_SIGNAL (the resource-signal API, with the deployment's token), NO_SIGNAL "
        "(complete at once). TEMP_URL_SIGNAL and ZAQAR_SIGNAL need Swift or Zaqar.",
        default="CFN_SIGNAL",
        constraints=(AllowedValues(allowed=TRANSPORTS),),
    ),
    "name": Property(
        STRING, "Name of the derived config associated with this deployment.", update_allowed=True
    ),
}


class SoftwareDeployment(Resource):
    type_name: ClassVar[str] = "OS::Heat::SoftwareDeployment"
    description: ClassVar[str] = (
        "Applies a software config to a server and waits for the server to report the outputs."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    #: It waits for its signal during DELETE and SUSPEND too (when they are among its actions).
    no_signal_actions: ClassVar[tuple[str, ...]] = ()
    properties_schema: ClassVar[Mapping[str, Property]] = {
        **DEPLOYMENT_PROPERTIES,
        "server": Property(STRING, "ID of resource to apply configuration to.", required=True),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "deploy_stdout": Attribute("Captured stdout from the configuration execution."),
        "deploy_stderr": Attribute("Captured stderr from the configuration execution."),
        "deploy_status_code": Attribute("Returned status code from the configuration execution."),
    }

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        refuse_cloud_transport(properties, path, TRANSPORTS)

    @classmethod
    def has_attribute(cls, name: str) -> bool:
        return True  # a config's declared outputs are attributes too

    # --- the derived config -------------------------------------------------------

    async def _source_config(self) -> dict[str, Any]:
        config_id = self.properties.get("config")
        if not config_id:
            return {}
        try:
            record = await self.host.software.get_config(str(config_id))
        except NotFound:
            raise self.failure(f"Software config with id {config_id} not found", "NotFound") from None
        return {"name": record.get("name"), "group": record.get("group"), **(record.get("config") or {})}

    def _transport(self) -> str:
        return str(self.properties.get("signal_transport") or "CFN_SIGNAL")

    def _deploy_inputs(self, action: str) -> list[dict[str, Any]]:
        transport = self._transport()
        values: list[tuple[str, Any, str]] = [
            ("deploy_server_id", self.properties["server"], "ID of the server being deployed to"),
            ("deploy_action", action, "Name of the current action being deployed"),
            (
                "deploy_stack_id",
                f"{self.host.stack_name}/{self.host.stack_id}",
                "ID of the stack this deployment belongs to",
            ),
            ("deploy_resource_name", self.name, "Name of this deployment resource in the stack"),
            (
                "deploy_signal_transport",
                transport,
                "How the server should signal to heat with the deployment output values.",
            ),
        ]
        if transport == "CFN_SIGNAL":
            values.append(
                (
                    "deploy_signal_id",
                    presigned_url(self.data),
                    "ID of signal to use for signaling output values",
                )
            )
            values.append(("deploy_signal_verb", "POST", "HTTP verb to use for signaling outputvalues"))
        elif transport == "HEAT_SIGNAL":
            values.append(
                (
                    "deploy_signal_id",
                    self.data.get("endpoint"),
                    "ID of signal to use for signaling output values",
                )
            )
            values.append(("deploy_signal_verb", "POST", "HTTP verb to use for signaling outputvalues"))
            values.append(("deploy_auth_token", self.data.get("token"), "Token that signals this deployment"))
        return [{"name": n, "description": d, "type": "String", "value": v} for n, v, d in values]

    def derive(self, source: dict[str, Any], action: str) -> dict[str, Any]:
        """The config row this deployment deploys: the source with every input's value."""
        given = self.properties.get("input_values") or {}
        inputs = []
        for item in source.get("inputs") or []:
            entry = dict(item)
            entry["value"] = given.get(entry["name"], entry.get("default"))
            inputs.append(entry)
        inputs.extend(self._deploy_inputs(action))
        return {
            "name": self.properties.get("name") or source.get("name") or self.physical_resource_name(),
            "group": source.get("group") or "Heat::Ungrouped",
            "config": {
                "config": self.derived_content(source.get("config"), inputs),
                "inputs": inputs,
                "outputs": list(source.get("outputs") or []),
                "options": dict(source.get("options") or {}),
            },
        }

    def derived_content(self, config: Any, inputs: list[dict[str, Any]]) -> Any:
        """The config text as deployed (a StructuredDeployment substitutes its inputs)."""
        return config

    # --- actions ----------------------------------------------------------------------

    async def _deploy(self, action: str) -> dict[str, Any] | None:
        """Store the derived config and the deployment IN_PROGRESS for ``action`` (None: not one of its
        actions)."""
        if action not in (self.properties.get("actions") or []):
            return None
        source = await self._source_config()
        derived = await self.host.software.create_config(self.derive(source, action))
        old_derived = self.data.get("derived_config_id")
        waits = self._transport() != "NO_SIGNAL"
        values = {
            "config_id": derived["id"],
            "action": action,
            "status": IN_PROGRESS if waits else COMPLETE,
            "status_reason": "Deploy data available" if waits else "Not waiting for outputs signal",
        }
        if self.resource_id is None:
            self.resource_id = str(uuid.uuid4())
            await self.host.software.create_deployment(
                {
                    "id": self.resource_id,
                    "server_id": str(self.properties["server"]),
                    "input_values": dict(self.properties.get("input_values") or {}),
                    **values,
                }
            )
        else:
            await self.host.software.update_deployment(
                self.resource_id, {"input_values": dict(self.properties.get("input_values") or {}), **values}
            )
        self.data["derived_config_id"] = derived["id"]
        if old_derived:
            await self._forget_config(str(old_derived))
        return {"action": action}

    async def _forget_config(self, config_id: str) -> None:
        try:
            await self.host.software.delete_config(config_id)
        except NotFound:
            pass

    async def _complete(self, token: Any) -> bool:
        if token is None or self.resource_id is None:
            return True
        deployment = await self.host.software.get_deployment(self.resource_id)
        status = deployment.get("status")
        if status == FAILED:
            raise self.failure(f"Deployment to server failed: {deployment.get('status_reason')}")
        if status == COMPLETE:
            self.data["output_values"] = dict(deployment.get("output_values") or {})
            return True
        return False

    async def handle_create(self) -> Any:
        if self._transport() != "NO_SIGNAL":
            self.draw_signal_secret()
        token = await self._deploy("CREATE")
        if token is None:  # no CREATE action: an idle deployment row all the same, as Heat keeps one
            self.resource_id = str(uuid.uuid4())
        return token

    async def check_create_complete(self, token: Any) -> bool:
        return await self._complete(token)

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        self.properties = new_properties
        return await self._deploy("UPDATE")

    async def check_update_complete(self, token: Any) -> bool:
        return await self._complete(token)

    async def handle_suspend(self) -> Any:
        return await self._deploy("SUSPEND")

    async def check_suspend_complete(self, token: Any) -> bool:
        return await self._complete(token)

    async def handle_resume(self) -> Any:
        return await self._deploy("RESUME")

    async def check_resume_complete(self, token: Any) -> bool:
        return await self._complete(token)

    async def handle_delete(self) -> Any:
        if self.resource_id is None:
            return None
        try:
            token = await self._deploy("DELETE")
        except NotFound:
            token = None  # the deployment is gone already
        return {"delete": True, "wait": token is not None}

    async def check_delete_complete(self, token: Any) -> bool:
        if token is None:
            return True
        if token.get("wait") and not await self._complete(token):
            return False
        if self.resource_id is not None:
            try:
                await self.host.software.delete_deployment(self.resource_id)
            except NotFound:
                pass
        derived = self.data.pop("derived_config_id", None)
        if derived:
            await self._forget_config(str(derived))
        return True

    # --- signals and attributes ---------------------------------------------------------

    async def handle_signal(self, details: Any) -> str | None:
        if self.resource_id is None:
            raise ValueError("the deployment was never created")
        deployment = await self.host.software.get_deployment(self.resource_id)
        if deployment.get("status") != IN_PROGRESS:
            return None  # outputs are only expected while it runs
        config = await self.host.software.get_config(str(deployment["config_id"]))
        _values, event = signal_outcome(self.resource_id, config.get("config") or {}, {}, details)
        return event

    async def after_signal(self, details: Any) -> None:
        assert self.resource_id is not None
        deployment = await self.host.software.get_deployment(self.resource_id)
        if deployment.get("status") != IN_PROGRESS:
            return
        config = await self.host.software.get_config(str(deployment["config_id"]))
        values, _event = signal_outcome(
            self.resource_id, config.get("config") or {}, deployment.get("output_values") or {}, details
        )
        await self.host.software.update_deployment(self.resource_id, values)

    async def prepare_attributes(self) -> None:
        if self.resource_id is None:
            return
        try:
            deployment = await self.host.software.get_deployment(self.resource_id)
        except NotFound:
            return
        self.data["output_values"] = dict(deployment.get("output_values") or {})

    def resolve_attribute(self, name: str) -> Any:
        outputs = self.data.get("output_values") or {}
        return outputs.get(name)

    def all_attributes(self) -> dict[str, Any]:
        outputs = dict(self.data.get("output_values") or {})
        return {**{k: outputs.get(k) for k in STANDARD_OUTPUTS}, **outputs}


class StructuredDeployment(SoftwareDeployment):
    type_name: ClassVar[str] = "OS::Heat::StructuredDeployment"
    description: ClassVar[str] = (
        "A deployment of a StructuredConfig: every {get_input: name} in the config map is replaced by that "
        "input's value before it reaches the server."
    )
    properties_schema: ClassVar[Mapping[str, Property]] = {
        **SoftwareDeployment.properties_schema,
        "input_key": Property(
            STRING, "Name of key to use for substituting inputs during deployment.", default="get_input"
        ),
        "input_values_validate": Property(
            STRING,
            "Perform a check on the input values passed to verify that each required input has a "
            "corresponding value. When the property is set to STRICT and no value is passed, an exception "
            "is raised.",
            default="LAX",
            constraints=(AllowedValues(allowed=("LAX", "STRICT")),),
        ),
    }

    def derived_content(self, config: Any, inputs: list[dict[str, Any]]) -> Any:
        values = {i["name"]: i.get("value") for i in inputs}
        key = str(self.properties.get("input_key") or "get_input")
        strict = self.properties.get("input_values_validate") == "STRICT"
        return substitute_inputs(config, values, key, strict)


def substitute_inputs(config: Any, values: Mapping[str, Any], key: str, strict: bool) -> Any:
    """``config`` with every ``{key: name}`` replaced by ``values[name]`` (Heat's structured parse);
    STRICT refuses a name without a value."""
    if isinstance(config, Mapping):
        if len(config) == 1 and key in config:
            name = config[key]
            if isinstance(name, str):
                if name not in values and strict:
                    raise StackValidationFailed(message=f"Unknown input {name}")
                return values.get(name)
        return {k: substitute_inputs(v, values, key, strict) for k, v in config.items()}
    if isinstance(config, list):
        return [substitute_inputs(v, values, key, strict) for v in config]
    return config
