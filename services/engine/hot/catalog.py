"""What the template language offers, as Heat's template_versions API lists it.

``GET /template_versions`` and ``.../{version}/functions`` let a client
(a template editor, ``openstack orchestration template function list``)
find out which versions and functions exist without reading the docs. The
answers come from the same tables that gate parsing (``versions``), so
the list names exactly the functions the parser recognises for a version;
the few Ember recognises but cannot run (yaql, Fn::GetAZs) say so
in their description rather than vanish, so the names stay Heat's.

Names are Heat's: a version is ``heat_template_version.<date>`` and an
alias ``heat_template_version.<release>``; the CloudFormation formats are
``AWSTemplateFormatVersion.2010-09-09`` and ``HeatTemplateFormatVersion.2012-12-12`` (type ``cfn``).
The descriptions are our own one-line summaries.
"""

from __future__ import annotations

from shared.exceptions import NotFound
from shared.schemas.engine import TemplateFunctionInfo, TemplateVersionInfo

from .functions.base import FUNCTIONS, NotSupportedFunction
from .versions import DATED_VERSIONS, RELEASE_NAMES, TemplateVersion, get_version

VERSION_KEY = "heat_template_version"

# One line per function: what it gives, so a user can pick the right one.
FUNCTION_DESCRIPTIONS: dict[str, str] = {
    "get_param": "The value of a template parameter, optionally a key or index inside it.",
    "get_resource": "The reference id of another resource in the stack.",
    "get_attr": "An attribute of another resource, optionally a key or index inside it.",
    "get_file": "The contents of a file sent along with the template.",
    "list_join": "Joins the items of one or more lists into a string with a delimiter.",
    "resource_facade": "A section (metadata, deletion_policy, ...) of the resource a nested stack stands for.",
    "str_replace": "Replaces placeholders in a string template with the given values.",
    "str_replace_strict": "str_replace that fails when a placeholder does not occur in the template.",
    "str_replace_vstrict": "str_replace_strict that also fails when a value is empty.",
    "repeat": "Builds a list by substituting each item of one or more lists into a template.",
    "digest": "The hex digest of a string with the named hash algorithm (md5, sha256, ...).",
    "str_split": "Splits a string on a delimiter, optionally returning one item of the result.",
    "map_merge": "Merges several maps into one; later keys win.",
    "map_replace": "Renames the keys and/or values of a map.",
    "yaql": "Evaluates a YAQL expression over the given data.",
    "if": "Chooses one of two values depending on a condition.",
    "equals": "True when its two arguments are equal.",
    "not": "The negation of a condition.",
    "and": "True when every condition given is true.",
    "or": "True when at least one condition given is true.",
    "filter": "A list without the items that occur in a list of values to drop.",
    "make_url": "Assembles a URL from its parts (scheme, host, port, path, query, fragment).",
    "list_concat": "Concatenates several lists into one.",
    "list_concat_unique": "Concatenates several lists into one, keeping the first of repeated items.",
    "contains": "True when a value occurs in a sequence.",
    "Fn::GetAZs": "The availability zones (CloudFormation syntax).",
    "Ref": "A parameter's value or a resource's reference id (CloudFormation syntax).",
    "Fn::Select": "One item of a list or map, by index or key (CloudFormation syntax).",
    "Fn::Join": "Joins a list of strings with a delimiter (CloudFormation syntax).",
    "Fn::Split": "Splits a string on a delimiter (CloudFormation syntax).",
    "Fn::Replace": "Replaces placeholders in a string (CloudFormation syntax).",
    "Fn::Base64": "Returns its string argument unchanged (CloudFormation syntax).",
    "Fn::MemberListToMap": "Turns a list of 'name=value' strings into a map (CloudFormation syntax).",
    "Fn::ResourceFacade": "A section of the resource a nested stack stands for (CloudFormation syntax).",
    "Fn::GetAtt": "An attribute of another resource (CloudFormation syntax).",
    "Fn::FindInMap": "A value from the Mappings section, by map name and two keys (CloudFormation syntax).",
    "Fn::If": "Chooses one of two values depending on a condition (CloudFormation syntax).",
    "Fn::Equals": "True when its two arguments are equal (CloudFormation syntax).",
    "Fn::And": "True when every condition given is true (CloudFormation syntax).",
    "Fn::Or": "True when at least one condition given is true (CloudFormation syntax).",
    "Fn::Not": "The negation of a condition (CloudFormation syntax).",
}

_CFN_COMMON = ("Fn::FindInMap", "Fn::GetAZs", "Ref", "Fn::GetAtt", "Fn::Select", "Fn::Join", "Fn::Split",
               "Fn::Replace", "Fn::Base64", "Fn::MemberListToMap", "Fn::ResourceFacade")  # fmt: skip
#: The CloudFormation formats (read as HOT, cfn_template.py): their functions and condition functions.
CFN_VERSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWSTemplateFormatVersion.2010-09-09": (
        (*_CFN_COMMON, "Fn::If"),
        ("Fn::Equals", "Ref", "Fn::FindInMap", "Fn::Not", "Fn::And", "Fn::Or"),
    ),
    "HeatTemplateFormatVersion.2012-12-12": (_CFN_COMMON, ()),
}


def template_versions() -> list[TemplateVersionInfo]:
    """Every HOT version in date order, each with the release names that stand for it."""
    out: list[TemplateVersionInfo] = []
    for date in DATED_VERSIONS:
        aliases = [f"{VERSION_KEY}.{name}" for name, d in RELEASE_NAMES.items() if d == date]
        out.append({"version": f"{VERSION_KEY}.{date}", "type": "hot", "aliases": aliases})
    out.extend({"version": name, "type": "cfn", "aliases": []} for name in CFN_VERSIONS)
    return out


def version_from_name(template_version: str) -> TemplateVersion:
    """``heat_template_version.<date or release>`` -> its TemplateVersion.

    Raises NotFound (404), as Heat does, for any other name.
    """
    key, _, value = template_version.partition(".")
    if key == VERSION_KEY and (value in DATED_VERSIONS or value in RELEASE_NAMES):
        return get_version(value)
    raise NotFound(f"Template with version {template_version} not found")


def template_functions(template_version: str, with_condition: bool = False) -> list[TemplateFunctionInfo]:
    """The functions a version allows in resources and outputs, sorted by name.

    With ``with_condition`` the functions of the conditions section are
    included too (Heat's ``with_condition_func``).
    """
    if template_version in CFN_VERSIONS:
        functions, conditions = CFN_VERSIONS[template_version]
        names = set(functions) | (set(conditions) if with_condition else set())
        return [{"functions": n, "description": describe(n)} for n in sorted(names)]
    version = version_from_name(template_version)
    names = set(version.functions)
    if with_condition:
        names |= version.condition_functions
    return [{"functions": n, "description": describe(n)} for n in sorted(names)]


def describe(name: str) -> str:
    """A function's one-line description; one Ember cannot run says so first."""
    text = FUNCTION_DESCRIPTIONS.get(name, "")
    cls = FUNCTIONS.get(name)
    if cls is not None and issubclass(cls, NotSupportedFunction):
        return f"Not supported by Ember{cls.why}. {text}"
    return text
