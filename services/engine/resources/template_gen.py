"""The template ``/resource_types/{type}/template`` returns for a type.

It wraps one resource of the type in a template whose parameters are the
type's properties and whose outputs are its attributes, the starting point
a user edits (or uses as a provider template). HOT and CFN forms are served.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.exceptions import InvalidInput

from .base import Resource
from .properties import ANY, BOOLEAN, INTEGER, LIST, MAP, NUMBER, STRING, Property

_HOT_TYPES = {
    STRING: "string",
    INTEGER: "number",
    NUMBER: "number",
    BOOLEAN: "boolean",
    MAP: "json",
    LIST: "comma_delimited_list",
    ANY: "json",
}
_CFN_TYPES = {
    STRING: "String",
    INTEGER: "Number",
    NUMBER: "Number",
    BOOLEAN: "Boolean",
    MAP: "Json",
    LIST: "CommaDelimitedList",
    ANY: "Json",
}
HOT_VERSION = "2016-10-14"
CFN_VERSION = "2010-09-09"


def _parameter(prop: Property, types: Mapping[str, str], cfn: bool) -> dict[str, Any]:
    keys = (
        ("Type", "Description", "Default", "Constraints")
        if cfn
        else ("type", "description", "default", "constraints")
    )
    param: dict[str, Any] = {keys[0]: types[prop.type]}
    if prop.description:
        param[keys[1]] = prop.description
    if prop.default is not None:
        param[keys[2]] = prop.default
    if prop.constraints:
        param[keys[3]] = [c.to_dict() for c in prop.constraints]
    return param


def resource_template(plugin: type[Resource], template_type: str = "hot") -> dict[str, Any]:
    """A template exposing ``plugin``'s properties as parameters and attributes as outputs.

    Raises ``InvalidInput`` for a template_type other than ``hot`` or ``cfn``.
    """
    if template_type not in ("hot", "cfn"):
        raise InvalidInput(field="template_type", reason=f"{template_type!r} is not one of hot, cfn")
    cfn = template_type == "cfn"
    name = plugin.type_name.split("::")[-1] or "resource"
    props = {k: p for k, p in plugin.properties_schema.items() if not p.hidden}
    attrs = plugin.full_attributes_schema()
    params = {k: _parameter(p, _CFN_TYPES if cfn else _HOT_TYPES, cfn) for k, p in props.items()}
    if cfn:
        return {
            "AWSTemplateFormatVersion": CFN_VERSION,
            "Description": f"Initial template of {name}",
            "Parameters": params,
            "Resources": {
                name: {"Type": plugin.type_name, "Properties": {k: {"Ref": k} for k in props}},
            },
            "Outputs": {
                k: {"Description": a.description, "Value": {"Fn::GetAtt": [name, k]}}
                for k, a in attrs.items()
            },
        }
    return {
        "heat_template_version": HOT_VERSION,
        "description": f"Initial template of {name}",
        "parameters": params,
        "resources": {
            name: {"type": plugin.type_name, "properties": {k: {"get_param": k} for k in props}},
        },
        "outputs": {
            k: {"description": a.description, "value": {"get_attr": [name, k]}} for k, a in attrs.items()
        },
    }
