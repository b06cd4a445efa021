"""The template ``/resource_types/{type}/template`` returns for a type.

It wraps one resource of the type in a template whose parameters are the
type's properties and whose outputs are its attributes, the starting point
a user edits (or uses as a provider template). HOT and CFN forms are served,
with the keys Heat's generator writes, so tools that post-process Heat's
output (or diff against it) read ours the same way: the resource is named
after the plugin class, CFN uses ``HeatTemplateFormatVersion`` 2012-12-12
with flat parameter constraints, and both end with an ``OS::stack_id`` output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from shared.exceptions import InvalidInput

from .base import Resource
from .constraints import AllowedPattern, AllowedValues, Constraint, Length, Range
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
CFN_VERSION = "2012-12-12"
# A CFN Boolean parameter is text; these are the spellings Heat accepts for it.
_CFN_BOOLEANS = ["True", "true", "False", "false"]


def _hot_constraint(constraint: Constraint) -> dict[str, Any] | None:
    """HOT's form of a constraint, without its description (a parameter has its own)."""
    if isinstance(constraint, (Length, Range, AllowedValues, AllowedPattern)):
        return {constraint.key: constraint.to_dict()[constraint.key]}
    return None  # custom constraints name plugin checks a parameter cannot carry


def _cfn_constraints(constraint: Constraint) -> Iterator[tuple[str, Any]]:
    """CFN spreads each constraint over flat keys (MinLength, MaxValue, ...)."""
    if isinstance(constraint, Length):
        if constraint.min is not None:
            yield "MinLength", constraint.min
        if constraint.max is not None:
            yield "MaxLength", constraint.max
    elif isinstance(constraint, Range):
        if constraint.min is not None:
            yield "MinValue", constraint.min
        if constraint.max is not None:
            yield "MaxValue", constraint.max
    elif isinstance(constraint, AllowedValues):
        yield "AllowedValues", list(constraint.allowed)
    elif isinstance(constraint, AllowedPattern):
        yield "AllowedPattern", constraint.pattern


def _hot_parameter(prop: Property) -> dict[str, Any]:
    param: dict[str, Any] = {"type": _HOT_TYPES[prop.type]}
    if prop.description:
        param["description"] = prop.description
    if prop.default is not None:
        param["default"] = prop.default
    constraints = [c for c in (_hot_constraint(c) for c in prop.constraints) if c is not None]
    if constraints:
        param["constraints"] = constraints
    return param


def _cfn_parameter(prop: Property) -> dict[str, Any]:
    param: dict[str, Any] = {"Type": _CFN_TYPES[prop.type]}
    if prop.description:
        param["Description"] = prop.description
    if prop.default is not None:
        param["Default"] = prop.default
    for constraint in prop.constraints:
        param.update(_cfn_constraints(constraint))
    if prop.type == BOOLEAN:
        param["AllowedValues"] = list(_CFN_BOOLEANS)
    return param


def _cfn_property(name: str, prop: Property) -> dict[str, Any]:
    # A CommaDelimitedList parameter is one string; the property wants the list back.
    if prop.type == LIST:
        return {"Fn::Split": [",", {"Ref": name}]}
    return {"Ref": name}


def resource_template(plugin: type[Resource], template_type: str = "hot") -> dict[str, Any]:
    """A template exposing ``plugin``'s properties as parameters and attributes as outputs.

    Raises ``InvalidInput`` for a template_type other than ``hot`` or ``cfn``.
    """
    if template_type not in ("hot", "cfn"):
        raise InvalidInput(field="template_type", reason=f"{template_type!r} is not one of hot, cfn")
    name = plugin.__name__
    props: Mapping[str, Property] = {k: p for k, p in plugin.properties_schema.items() if not p.hidden}
    attrs = plugin.full_attributes_schema()
    description = f"Initial template of {name}"
    if template_type == "cfn":
        outputs: dict[str, Any] = {
            k: {"Value": {"Fn::GetAtt": [name, k]}, "Description": a.description} for k, a in attrs.items()
        }
        outputs["OS::stack_id"] = {"Value": {"Ref": name}}
        return {
            "HeatTemplateFormatVersion": CFN_VERSION,
            "Description": description,
            "Parameters": {k: _cfn_parameter(p) for k, p in props.items()},
            "Resources": {
                name: {
                    "Type": plugin.type_name,
                    "Properties": {k: _cfn_property(k, p) for k, p in props.items()},
                }
            },
            "Outputs": outputs,
        }
    hot_outputs: dict[str, Any] = {
        k: {"value": {"get_attr": [name, k]}, "description": a.description} for k, a in attrs.items()
    }
    hot_outputs["OS::stack_id"] = {"value": {"get_resource": name}}
    return {
        "heat_template_version": HOT_VERSION,
        "description": description,
        "parameters": {k: _hot_parameter(p) for k, p in props.items()},
        "resources": {name: {"type": plugin.type_name, "properties": {k: {"get_param": k} for k in props}}},
        "outputs": hot_outputs,
    }
