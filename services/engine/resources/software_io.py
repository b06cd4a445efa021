"""Software configs' inputs and outputs, and what a deployment's signal means (Heat's rules).

Shared by the software-config RPC methods (``endpoints/software.py``) and the
config and deployment plugins, so a config made through the API and one made
by a template are checked alike, and a deployment signalled through
``resource_signal`` or ``signal_software_deployment`` ends the same way.
Also the ``SoftwareStore`` a plugin reaches stored configs and deployments
through (the host's ``software``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol

from shared.exceptions import StackValidationFailed

from .constraints import AllowedValues
from .properties import ANY, BOOLEAN, LIST, MAP, STRING, Property, validate_properties

IO_TYPES: Final = ("String", "Number", "CommaDelimitedList", "Json", "Boolean")
IN_PROGRESS: Final = "IN_PROGRESS"
COMPLETE: Final = "COMPLETE"
FAILED: Final = "FAILED"
#: The outputs every deployment reports, beside those its config declares.
STANDARD_OUTPUTS: Final = ("deploy_stdout", "deploy_stderr", "deploy_status_code")
DEFAULT_GROUP: Final = "Heat::Ungrouped"


def _io_schema(kind: str, extra: Mapping[str, Property]) -> dict[str, Property]:
    return {
        "name": Property(STRING, f"Name of the {kind}.", required=True),
        "description": Property(STRING, f"Description of the {kind}."),
        "type": Property(
            STRING,
            f"Type of the value of the {kind}.",
            default="String",
            constraints=(AllowedValues(allowed=IO_TYPES),),
        ),
        **extra,
    }


INPUT_SCHEMA: Final[Mapping[str, Property]] = _io_schema(
    "input",
    {
        "default": Property(ANY, "Default value for the input if none is specified."),
        "replace_on_change": Property(
            BOOLEAN,
            "Replace the deployment instead of updating it when the input value changes.",
            default=False,
        ),
    },
)
OUTPUT_SCHEMA: Final[Mapping[str, Property]] = _io_schema(
    "output",
    {
        "error_output": Property(
            BOOLEAN,
            "Denotes that the deployment is in an error state if this output has a value.",
            default=False,
        ),
    },
)
#: The ``inputs`` / ``outputs`` properties of config resources.
INPUTS_PROPERTY: Final = Property(
    LIST, "Schema for the configuration inputs.", schema=Property(MAP, schema=INPUT_SCHEMA)
)
OUTPUTS_PROPERTY: Final = Property(
    LIST, "Schema for the configuration outputs.", schema=Property(MAP, schema=OUTPUT_SCHEMA)
)


def check_io(items: Any, kind: str) -> list[dict[str, Any]]:
    """``inputs`` or ``outputs`` of a config, checked and with defaults, as stored.

    Raises StackValidationFailed naming ``<kind>[<index>].<key>``.
    """
    if items is None:
        return []
    if not isinstance(items, list):
        raise StackValidationFailed(path=kind, reason="must be a list of maps")
    schema = INPUT_SCHEMA if kind == "inputs" else OUTPUT_SCHEMA
    checked = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise StackValidationFailed(path=f"{kind}[{index}]", reason="must be a map")
        values = validate_properties(schema, item, f"{kind}[{index}]")
        if kind == "inputs" and not values.get("replace_on_change"):
            values.pop("replace_on_change", None)
        if "value" in item and kind == "inputs":
            values["value"] = item["value"]
        checked.append({k: v for k, v in values.items() if v is not None})
    return checked


def stored_config(config: Any, inputs: Any, outputs: Any, options: Any) -> dict[str, Any]:
    """The ``config`` column of a software config: Heat's {config, inputs, outputs, options}."""
    if options is not None and not isinstance(options, Mapping):
        raise StackValidationFailed(path="options", reason="must be a map")
    return {
        "config": config,
        "inputs": check_io(inputs, "inputs"),
        "outputs": check_io(outputs, "outputs"),
        "options": dict(options or {}),
    }


def signal_outcome(
    deployment_id: str, config: Mapping[str, Any], output_values: Mapping[str, Any], details: Any
) -> tuple[dict[str, Any], str]:
    """What a deployment becomes when signalled with ``details`` (the server's outputs):
    the values to store (output_values, status, status_reason) and the event's reason."""
    details = details if isinstance(details, Mapping) else {}
    values = dict(output_values)
    reasons: dict[str, str] = {}
    status = COMPLETE
    code = details.get("deploy_status_code")
    if code and str(code) != "0":
        status = FAILED
        reasons["deploy_status_code"] = f"Deployment exited with non-zero status code: {code}"
        event = f"deployment {deployment_id} failed ({code})"
    else:
        event = f"deployment {deployment_id} succeeded"
    for output in config.get("outputs") or []:
        key = output.get("name")
        if key in details:
            values[key] = details[key]
            if output.get("error_output"):
                status = FAILED
                reasons[key] = str(details[key])
                event = f"deployment {deployment_id} failed"
    for key in STANDARD_OUTPUTS:
        values[key] = details.get(key)
    reason = ", ".join(f"{k} : {v}" for k, v in reasons.items()) if status == FAILED else "Outputs received"
    return {"output_values": values, "status": status, "status_reason": reason}, event


class SoftwareStore(Protocol):
    """Stored configs and deployments as plugins use them (records as JSON-able dicts).

    Missing rows raise NotFound; deleting a config a deployment uses raises Conflict.
    """

    async def create_config(self, values: dict[str, Any]) -> dict[str, Any]: ...

    async def get_config(self, config_id: str) -> dict[str, Any]: ...

    async def delete_config(self, config_id: str) -> None: ...

    async def create_deployment(self, values: dict[str, Any]) -> dict[str, Any]: ...

    async def get_deployment(self, deployment_id: str) -> dict[str, Any]: ...

    async def update_deployment(self, deployment_id: str, values: dict[str, Any]) -> dict[str, Any]: ...

    async def delete_deployment(self, deployment_id: str) -> None: ...
