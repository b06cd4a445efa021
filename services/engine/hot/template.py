"""Reading a HOT template: text or mapping -> checked sections.

This module only checks the *shape* of a template (sections, resource and
output keys, value types of structural fields); values are parsed into
function trees elsewhere. Everything it rejects raises an EmberError:
InvalidTemplate for bad documents, InvalidTemplateVersion for the version,
TemplateTooLarge (400, as Heat) for documents over the size limit.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from shared.exceptions import InvalidTemplate, InvalidTemplateVersion, TemplateTooLarge

from .cfn_template import cfn_version, is_cfn, to_hot
from .paths import type_name
from .versions import TemplateVersion, get_version

DEFAULT_MAX_TEMPLATE_SIZE = 512 * 1024


# libyaml's parser is ~10x faster than the pure-Python one; the constructor
# (where our checks live) is Python either way.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc]
    """A safe YAML loader that rejects duplicate keys and keeps dates as text.

    Plain YAML silently keeps the last of two equal keys, hiding mistakes;
    and ``heat_template_version: 2016-10-14`` must stay a string, not a date.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable key", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _timestamp_as_text(loader: Any, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def load_document(
    template: str | bytes | Mapping[str, Any], *, max_size: int = DEFAULT_MAX_TEMPLATE_SIZE
) -> dict[str, Any]:
    """Parse YAML or JSON text (or take a parsed mapping) into a dict.

    Raises TemplateTooLarge when the document exceeds ``max_size`` bytes
    (a parsed mapping is measured as its JSON text, as it travels), and
    InvalidTemplate when it is not a mapping, has duplicate keys or does not parse.
    """
    if isinstance(template, Mapping):
        try:
            # default=str: a caller that parsed YAML itself may hand us dates.
            size = len(json.dumps(template, default=_date_only).encode())
        except (TypeError, ValueError) as exc:
            raise InvalidTemplate(reason=f"The template is not JSON-serialisable: {exc}") from None
        except RecursionError:
            raise InvalidTemplate(reason="The template is nested too deeply.") from None
        if size > max_size:
            raise TemplateTooLarge(size=size, limit=max_size)
        return dict(template)
    if isinstance(template, str):
        raw = template.encode("utf-8", errors="surrogatepass")
        text = template
    elif isinstance(template, bytes):
        raw = template
        text = template.decode("utf-8", errors="replace")
    else:
        raise InvalidTemplate(reason=f"The template must be text or a mapping, not {type_name(template)}.")
    if len(raw) > max_size:
        raise TemplateTooLarge(size=len(raw), limit=max_size)
    try:
        if text.lstrip().startswith("{"):
            data = json.loads(text, object_pairs_hook=_no_duplicate_pairs)
        else:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except RecursionError:
        raise InvalidTemplate(reason="The template is nested too deeply.") from None
    except (yaml.YAMLError, ValueError, TypeError, UnicodeError) as exc:
        raise InvalidTemplate(reason=f"The template does not parse: {_short(exc)}") from None
    if not isinstance(data, dict):
        raise InvalidTemplate(reason="The template is not a JSON object or YAML mapping.")
    # Without YAML aliases a document has fewer values than bytes; aliases can
    # expand a small text into billions of values ("billion laughs").
    _check_expansion(data, budget=2 * max(len(raw), 1024))
    return data


def _check_expansion(data: Any, budget: int) -> None:
    """Raise InvalidTemplate when ``data`` holds more than ``budget`` values (stops early)."""
    stack = [data]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > budget:
            raise InvalidTemplate(reason="The template expands to too many values (YAML aliases?).")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _date_only(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a template value")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


NO_DESCRIPTION = "No description"


@dataclass
class Template:
    """A template whose sections have the right shapes for its version.

    Sections keep their raw values (functions unparsed); ``files`` is the
    request's ``files`` map (name -> content) used by get_file and the registry.
    """

    raw: dict[str, Any]
    version: TemplateVersion
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_groups: list[Any] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        template: str | bytes | Mapping[str, Any],
        files: Mapping[str, Any] | None = None,
        *,
        max_size: int = DEFAULT_MAX_TEMPLATE_SIZE,
    ) -> Template:
        """Load and shape-check a template. Raises InvalidTemplate and its subclasses."""
        return cls.from_dict(load_document(template, max_size=max_size), files)

    @classmethod
    def from_dict(cls, data: dict[str, Any], files: Mapping[str, Any] | None = None) -> Template:
        version: TemplateVersion
        original = data  # what is stored and shown: the template as written
        if "heat_template_version" not in data and is_cfn(data):
            # A CloudFormation-format template is read as the HOT it means (cfn_template.py).
            version = cfn_version(data)
            data = to_hot(data)
        elif "heat_template_version" not in data:
            raise InvalidTemplateVersion(explanation="heat_template_version is missing")
        else:
            raw_version = data["heat_template_version"]
            if isinstance(raw_version, datetime.date):  # parsed by a plain YAML loader
                raw_version = raw_version.isoformat()
            version = get_version(raw_version)
        for key in data:
            if key not in version.sections:
                hint = ""
                if key == "conditions":
                    hint = " (conditions need heat_template_version 2016-10-14 or later)"
                raise InvalidTemplate(reason=f"The template section is invalid: {key}{hint}")
        tmpl = cls(raw=original, version=version, files=check_files(files))
        # Heat shows a template without a description (or an empty one) as "No description".
        tmpl.description = _description(data.get("description"), "description") or NO_DESCRIPTION
        tmpl.parameters = _mapping_section(data, "parameters")
        tmpl.parameter_groups = _list_section(data, "parameter_groups")
        tmpl.conditions = _mapping_section(data, "conditions")
        tmpl.resources = {}
        for name, body in _mapping_section(data, "resources").items():
            tmpl.resources[name] = _check_resource(version, name, body)
        tmpl.outputs = {}
        for name, body in _mapping_section(data, "outputs").items():
            tmpl.outputs[name] = _check_output(version, name, body)
        return tmpl


def check_files(files: Mapping[str, Any] | None) -> dict[str, str]:
    if files is None:
        return {}
    if not isinstance(files, Mapping):
        raise InvalidTemplate(reason="files must be a map of name to content.")
    result: dict[str, str] = {}
    for name, content in files.items():
        if not isinstance(name, str) or not isinstance(content, str):
            raise InvalidTemplate(reason=f"files: the content of {name!r} must be a string.")
        result[name] = content
    return result


def _description(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise InvalidTemplate(reason=f"{where} must be a string, not a {type_name(value)}.")
    return str(value)


def _mapping_section(data: dict[str, Any], section: str) -> dict[str, Any]:
    value = data.get(section)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidTemplate(reason=f"The {section} section must be a map, not a {type_name(value)}.")
    for name in value:
        if not isinstance(name, str) or not name:
            raise InvalidTemplate(reason=f"{section}: the name {name!r} must be a non-empty string.")
    return value


def _list_section(data: dict[str, Any], section: str) -> list[Any]:
    value = data.get(section)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidTemplate(reason=f"The {section} section must be a list, not a {type_name(value)}.")
    return value


def _check_resource(version: TemplateVersion, name: str, body: Any) -> dict[str, Any]:
    where = f"resources.{name}"
    if not isinstance(body, dict):
        raise InvalidTemplate(reason=f"{where}: a resource must be a map, not a {type_name(body)}.")
    for key in body:
        if key not in version.resource_keys:
            hint = ""
            if key in ("condition", "external_id"):
                hint = " (it needs heat_template_version 2016-10-14 or later)"
            raise InvalidTemplate(reason=f'{where}: unknown key "{key}"{hint}')
    rtype = body.get("type")
    if not isinstance(rtype, str) or not rtype:
        raise InvalidTemplate(reason=f'{where}: "type" must be a non-empty string.')
    for key in ("properties", "metadata", "update_policy"):
        value = body.get(key)
        if value is not None and not isinstance(value, dict):
            raise InvalidTemplate(reason=f"{where}.{key}: must be a map, not a {type_name(value)}.")
    deps = body.get("depends_on")
    if deps is not None:
        items = deps if isinstance(deps, list) else [deps]
        for item in items:
            if not isinstance(item, str) or not item:
                raise InvalidTemplate(
                    reason=f"{where}.depends_on: must be a resource name or a list of resource names."
                )
    _description(body.get("description"), f"{where}.description")
    return body


def _check_output(version: TemplateVersion, name: str, body: Any) -> dict[str, Any]:
    where = f"outputs.{name}"
    if not isinstance(body, dict):
        raise InvalidTemplate(reason=f"{where}: an output must be a map, not a {type_name(body)}.")
    for key in body:
        if key not in version.output_keys:
            raise InvalidTemplate(reason=f'{where}: unknown key "{key}"')
    if "value" not in body:
        raise InvalidTemplate(reason=f'{where}: an output must have a "value".')
    _description(body.get("description"), f"{where}.description")
    return body
