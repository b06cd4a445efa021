"""CloudFormation-format templates, read as the HOT they mean.

``AWSTemplateFormatVersion: 2010-09-09`` and ``HeatTemplateFormatVersion:
2012-12-12`` templates are translated once, when loaded, into a HOT document
(``heat_template_version`` 2016-10-14, the first with conditions) that the
rest of the template language handles as any other: sections and keys get
their HOT names, parameter schemas become HOT schemas with constraints,
``Ref`` becomes ``get_param`` or ``get_resource``, ``Fn::GetAtt`` ``get_attr``,
``Fn::Join`` ``list_join``, ``Fn::Split`` ``str_split``, ``Fn::FindInMap``
looks the mapping up, the condition functions become HOT's, and the pseudo
parameters (``AWS::StackName``, ``AWS::StackId``, ``AWS::Region``) the
stack's own values. ``Fn::Select``, ``Fn::Replace``, ``Fn::Base64``,
``Fn::MemberListToMap`` and ``Fn::ResourceFacade`` stay as they are: the
version object ``CfnVersion`` allows them. A mistake is reported with the
path in the template as written (``Resources.web.Properties...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.exceptions import InvalidTemplate, InvalidTemplateVersion, StackValidationFailed

from .versions import TemplateVersion

AWS_VERSION_KEY = "AWSTemplateFormatVersion"
HEAT_VERSION_KEY = "HeatTemplateFormatVersion"
VERSIONS = {AWS_VERSION_KEY: "2010-09-09", HEAT_VERSION_KEY: "2012-12-12"}
HOT_DATE = "2016-10-14"
#: Heat's answer for AWS::Region (it has no AWS regions either).
REGION = "ap-southeast-1"
AVAILABILITY_ZONES = ["nova"]

_KEPT = frozenset({"Fn::Select", "Fn::Replace", "Fn::Base64", "Fn::MemberListToMap", "Fn::ResourceFacade"})
_PARAM_TYPES = {
    "String": "string",
    "Number": "number",
    "CommaDelimitedList": "comma_delimited_list",
    "Json": "json",
    "Boolean": "boolean",
}
_PARAM_KEYS = frozenset(
    {
        "Type", "Default", "NoEcho", "Description", "AllowedValues", "AllowedPattern",
        "MinLength", "MaxLength", "MinValue", "MaxValue", "ConstraintDescription", "Label",
    }
)  # fmt: skip
_RESOURCE_KEYS = {
    "Type": "type",
    "Properties": "properties",
    "Metadata": "metadata",
    "DependsOn": "depends_on",
    "DeletionPolicy": "deletion_policy",
    "UpdatePolicy": "update_policy",
    "Description": "description",
    "Condition": "condition",
}
_OUTPUT_KEYS = {"Value": "value", "Description": "description", "Condition": "condition"}
_BASE_SECTIONS = frozenset({"Description", "Mappings", "Parameters", "Resources", "Outputs"})


@dataclass(frozen=True)
class CfnVersion(TemplateVersion):
    """A CloudFormation format read as HOT ``HOT_DATE``, with the CloudFormation functions kept."""

    @property
    def functions(self) -> frozenset[str]:
        return super().functions | _KEPT


def is_cfn(data: Mapping[str, Any]) -> bool:
    return AWS_VERSION_KEY in data or HEAT_VERSION_KEY in data


def cfn_version(data: Mapping[str, Any]) -> CfnVersion:
    """The version a CloudFormation template names; InvalidTemplateVersion for another value."""
    key = AWS_VERSION_KEY if AWS_VERSION_KEY in data else HEAT_VERSION_KEY
    value = data[key]
    value = value.isoformat() if hasattr(value, "isoformat") else value
    if value != VERSIONS[key]:
        raise InvalidTemplateVersion(
            explanation=f"{key}: {value!s:.80} is not a known version; it should be {VERSIONS[key]}"
        )
    return CfnVersion(name=f"{key}.{value}", date=HOT_DATE)


def to_hot(data: Mapping[str, Any]) -> dict[str, Any]:
    """The HOT document a CloudFormation template means. Raises InvalidTemplate, StackValidationFailed."""
    aws = AWS_VERSION_KEY in data
    allowed = (
        _BASE_SECTIONS | {AWS_VERSION_KEY if aws else HEAT_VERSION_KEY} | ({"Conditions"} if aws else set())
    )
    for key in data:
        if key not in allowed:
            raise InvalidTemplate(reason=f"The template section is invalid: {key}")
    mappings = _section(data, "Mappings")
    params = _section(data, "Parameters")
    translator = _Translator(frozenset(params), mappings, aws)
    doc: dict[str, Any] = {"heat_template_version": HOT_DATE}
    if data.get("Description") is not None:
        doc["description"] = data["Description"]
    doc["parameters"] = {name: _parameter(name, body) for name, body in params.items()}
    if aws:
        doc["conditions"] = {
            name: translator.condition(body, f"Conditions.{name}")
            for name, body in _section(data, "Conditions").items()
        }
    doc["resources"] = {
        name: _keyed(translator, body, _RESOURCE_KEYS, f"Resources.{name}", aws)
        for name, body in _section(data, "Resources").items()
    }
    doc["outputs"] = {
        name: _keyed(translator, body, _OUTPUT_KEYS, f"Outputs.{name}", aws)
        for name, body in _section(data, "Outputs").items()
    }
    return doc


def _section(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidTemplate(reason=f"The {name} section must be a map")
    return dict(value)


def _parameter(name: str, body: Any) -> dict[str, Any]:
    path = f"Parameters.{name}"
    if not isinstance(body, Mapping):
        raise StackValidationFailed(path=path, reason="a parameter must be a map")
    for key in body:
        if key not in _PARAM_KEYS:
            raise StackValidationFailed(path=path, reason=f'Invalid key "{key}" for parameter {name}')
    kind = body.get("Type")
    if kind not in _PARAM_TYPES:
        raise StackValidationFailed(
            path=f"{path}.Type",
            reason=f"Invalid type ({kind}); it should be one of {', '.join(_PARAM_TYPES)}",
        )
    schema: dict[str, Any] = {"type": _PARAM_TYPES[kind]}
    for cfn, hot in (("Default", "default"), ("Description", "description"), ("Label", "label")):
        if cfn in body:
            schema[hot] = body[cfn]
    if "NoEcho" in body:
        schema["hidden"] = str(body["NoEcho"]).lower() == "true"
    constraints = _constraints(body)
    if constraints:
        schema["constraints"] = constraints
    return schema


def _constraints(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if "AllowedValues" in body:
        found.append({"allowed_values": body["AllowedValues"]})
    if "AllowedPattern" in body:
        found.append({"allowed_pattern": body["AllowedPattern"]})
    for low, high, kind in (("MinLength", "MaxLength", "length"), ("MinValue", "MaxValue", "range")):
        bounds = {k: _number(body[c]) for c, k in ((low, "min"), (high, "max")) if c in body}
        if bounds:
            found.append({kind: bounds})
    if body.get("ConstraintDescription"):
        for item in found:
            item["description"] = body["ConstraintDescription"]
    return found


def _number(value: Any) -> Any:
    """CloudFormation writes bounds as strings ("8"); HOT wants numbers."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _keyed(
    translator: _Translator, body: Any, keys: Mapping[str, str], path: str, aws: bool
) -> dict[str, Any]:
    """A resource or output with HOT keys and translated values."""
    if not isinstance(body, Mapping):
        raise StackValidationFailed(path=path, reason="must be a map")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key not in keys or (key == "Condition" and not aws):
            raise StackValidationFailed(path=path, reason=f'"{key}" is not a valid keyword here')
        if key == "DependsOn":
            out["depends_on"] = value
        elif key in ("Type", "Condition", "DeletionPolicy", "Description"):
            out[keys[key]] = value
        else:
            out[keys[key]] = translator.value(value, f"{path}.{key}")
    return out


class _Translator:
    """CloudFormation functions -> HOT ones, recursively."""

    def __init__(self, params: frozenset[str], mappings: Mapping[str, Any], aws: bool) -> None:
        self.params = params
        self.mappings = mappings
        self.aws = aws

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, list):
            return [self.value(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, args),) = value.items()
            translated = self._function(key, args, f"{path}.{key}")
            if translated is not _NOT_A_FUNCTION:
                return translated
        return {k: self.value(v, f"{path}.{k}") for k, v in value.items()}

    def _function(self, key: str, args: Any, path: str) -> Any:
        if key == "Ref":
            return self.ref(args, path)
        if key == "Fn::GetAtt":
            if not isinstance(args, list) or len(args) < 2:
                raise StackValidationFailed(path=path, reason="must be a list [resource, attribute]")
            return {"get_attr": [self.value(a, path) for a in args]}
        if key == "Fn::Join":
            return {"list_join": self.value(args, path)}
        if key == "Fn::Split":
            return {"str_split": self.value(args, path)}
        if key == "Fn::FindInMap":
            return self.find_in_map(args, path)
        if key == "Fn::GetAZs":
            return list(AVAILABILITY_ZONES)
        if key == "Fn::If" and self.aws:
            if not isinstance(args, list) or len(args) != 3:
                raise StackValidationFailed(
                    path=path, reason="must be a list [condition, value if true, value if false]"
                )
            return {"if": [args[0], self.value(args[1], path), self.value(args[2], path)]}
        if key in _KEPT:
            return {key: self.value(args, path)}
        return _NOT_A_FUNCTION

    def ref(self, name: Any, path: str) -> Any:
        if name == "AWS::StackName":
            return {"get_param": "OS::stack_name"}
        if name == "AWS::StackId":
            return {
                "list_join": [
                    "",
                    [
                        "arn:openstack:heat::", {"get_param": "OS::project_id"}, ":stacks/",
                        {"get_param": "OS::stack_name"}, "/", {"get_param": "OS::stack_id"},
                    ],
                ]
            }  # fmt: skip
        if name == "AWS::Region":
            return REGION
        if isinstance(name, str) and name in self.params:
            return {"get_param": name}
        return {"get_resource": name}

    def find_in_map(self, args: Any, path: str) -> Any:
        if not isinstance(args, list) or len(args) != 3:
            raise StackValidationFailed(path=path, reason="must be a list [mapping, key, key]")
        name, first, second = args
        if not isinstance(name, str) or not isinstance(self.mappings.get(name), Mapping):
            raise StackValidationFailed(path=path, reason=f'the mapping "{name}" is not defined in Mappings')
        mapping = self.mappings[name]
        return {"Fn::Select": [self.value(second, path), {"Fn::Select": [self.value(first, path), mapping]}]}

    def condition(self, value: Any, path: str) -> Any:
        """A condition expression, with HOT's condition functions."""
        if isinstance(value, list):
            return [self.condition(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, Mapping) or len(value) != 1:
            return value
        ((key, args),) = value.items()
        where = f"{path}.{key}"
        if key == "Condition":
            return args
        if key == "Ref":
            return (
                {"get_param": self.ref(args, where).get("get_param", args)}
                if args in self.params
                else self.ref(args, where)
            )
        if key == "Fn::FindInMap":
            return self.find_in_map(args, where)
        if key == "Fn::Equals":
            return {"equals": self.condition(args, where)}
        if key in ("Fn::And", "Fn::Or"):
            return {key[4:].lower(): self.condition(args, where)}
        if key == "Fn::Not":
            inner = args[0] if isinstance(args, list) and len(args) == 1 else args
            return {"not": self.condition(inner, where)}
        return value


class _NotAFunction:
    pass


_NOT_A_FUNCTION: Any = _NotAFunction()
