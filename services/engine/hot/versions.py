"""Template versions: which sections, keys and functions each HOT version allows.

Heat decides what a template may use from its ``heat_template_version``; a
template valid under one version can be invalid under another. Keeping that
knowledge in one table (rather than spread as ``if version >= ...`` checks)
makes the gates easy to audit against Heat's HOT specification.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.exceptions import InvalidTemplateVersion

# Dated versions in order, as Heat accepts them; release names are aliases.
DATED_VERSIONS: tuple[str, ...] = (
    "2013-05-23",
    "2014-10-16",
    "2015-04-30",
    "2015-10-15",
    "2016-04-08",
    "2016-10-14",
    "2017-02-24",
    "2017-09-01",
    "2018-03-02",
    "2018-08-31",
    "2021-04-16",
)

# Only the release names Heat registers as template versions: no HOT version
# was added for Stein to Victoria, so Heat rejects those names too.
RELEASE_NAMES: dict[str, str] = {
    "newton": "2016-10-14",
    "ocata": "2017-02-24",
    "pike": "2017-09-01",
    "queens": "2018-03-02",
    "rocky": "2018-08-31",
    "wallaby": "2021-04-16",
}

# CloudFormation functions HOT 2013-05-23 still accepted, with the last
# version that has each; later versions reject them with an explicit error.
_CFN_UNTIL: dict[str, str] = {
    "Fn::GetAZs": "2013-05-23",
    "Fn::Join": "2013-05-23",
    "Fn::Split": "2013-05-23",
    "Fn::Replace": "2013-05-23",
    "Fn::Base64": "2013-05-23",
    "Fn::MemberListToMap": "2013-05-23",
    "Fn::ResourceFacade": "2013-05-23",
    "Ref": "2013-05-23",
    "Fn::Select": "2015-04-30",
}
CFN_FUNCTIONS: frozenset[str] = frozenset(_CFN_UNTIL)

# The version each HOT function first appears in.
_FUNCTION_SINCE: dict[str, str] = {
    "get_attr": "2013-05-23",
    "get_file": "2013-05-23",
    "get_param": "2013-05-23",
    "get_resource": "2013-05-23",
    "list_join": "2013-05-23",
    "resource_facade": "2013-05-23",
    "str_replace": "2013-05-23",
    "repeat": "2015-04-30",
    "digest": "2015-04-30",
    "str_split": "2015-10-15",
    "map_merge": "2016-04-08",
    "yaql": "2016-10-14",
    "map_replace": "2016-10-14",
    "if": "2016-10-14",
    "equals": "2016-10-14",
    "not": "2016-10-14",
    "and": "2016-10-14",
    "or": "2016-10-14",
    "filter": "2017-02-24",
    "str_replace_strict": "2017-02-24",
    "make_url": "2017-09-01",
    "list_concat": "2017-09-01",
    "list_concat_unique": "2017-09-01",
    "str_replace_vstrict": "2017-09-01",
    "contains": "2017-09-01",
}

# Functions usable in the conditions section (and in condition: keys).
_CONDITION_FUNCTION_SINCE: dict[str, str] = {
    "get_param": "2016-10-14",
    "equals": "2016-10-14",
    "not": "2016-10-14",
    "and": "2016-10-14",
    "or": "2016-10-14",
    "yaql": "2017-09-01",
    "contains": "2017-09-01",
}

# equals/not/and/or are condition functions only; `if` chooses a value. Elsewhere
# Heat does not know them as functions at all (their maps are plain data).
CONDITION_ONLY: frozenset[str] = frozenset({"equals", "not", "and", "or"})

ALL_FUNCTIONS: frozenset[str] = frozenset(_FUNCTION_SINCE)


@dataclass(frozen=True)
class TemplateVersion:
    """What one ``heat_template_version`` allows.

    ``name`` is the value as written (``newton``); ``date`` the dated
    version it stands for, which every comparison uses.
    """

    name: str
    date: str

    def at_least(self, date: str) -> bool:
        return DATED_VERSIONS.index(self.date) >= DATED_VERSIONS.index(date)

    @property
    def sections(self) -> frozenset[str]:
        base = {
            "heat_template_version",
            "description",
            "parameter_groups",
            "parameters",
            "resources",
            "outputs",
        }
        if self.has_conditions:
            base.add("conditions")
        return frozenset(base)

    @property
    def has_conditions(self) -> bool:
        return self.at_least("2016-10-14")

    @property
    def resource_keys(self) -> frozenset[str]:
        keys = {"type", "properties", "metadata", "depends_on", "deletion_policy", "update_policy"}
        keys.add("description")
        if self.has_conditions:
            keys |= {"condition", "external_id"}
        return frozenset(keys)

    @property
    def output_keys(self) -> frozenset[str]:
        keys = {"description", "value"}
        if self.has_conditions:
            keys.add("condition")
        return frozenset(keys)

    @property
    def deletion_policies(self) -> dict[str, str]:
        """Accepted spellings -> canonical policy (lower case from 2016-10-14)."""
        policies = {"Delete": "Delete", "Retain": "Retain", "Snapshot": "Snapshot"}
        if self.has_conditions:
            policies.update({"delete": "Delete", "retain": "Retain", "snapshot": "Snapshot"})
        return policies

    @property
    def functions(self) -> frozenset[str]:
        """Functions usable in resources and outputs (CloudFormation ones included)."""
        hot = {n for n, since in _FUNCTION_SINCE.items() if n not in CONDITION_ONLY and self.at_least(since)}
        cfn = {n for n, until in _CFN_UNTIL.items() if not self.at_least(_next(until))}
        return frozenset(hot | cfn)

    @property
    def condition_functions(self) -> frozenset[str]:
        return frozenset(n for n, since in _CONDITION_FUNCTION_SINCE.items() if self.at_least(since))

    @property
    def parameter_keys(self) -> frozenset[str]:
        keys = {"type", "label", "description", "default", "hidden", "constraints", "immutable"}
        if self.at_least("2018-03-02"):
            keys.add("tags")
        return frozenset(keys)

    @property
    def constraint_types(self) -> frozenset[str]:
        kinds = {"length", "range", "allowed_values", "allowed_pattern", "custom_constraint"}
        if self.at_least("2017-02-24"):
            kinds.add("modulo")
        return frozenset(kinds)

    # Behaviour switches of individual functions, named for what they change.
    @property
    def get_attr_all_attributes(self) -> bool:
        """``get_attr: [name]`` returns every attribute (2015-10-15)."""
        return self.at_least("2015-10-15")

    @property
    def list_join_multiple(self) -> bool:
        """list_join takes several lists and JSON-encodes non-strings (2015-10-15)."""
        return self.at_least("2015-10-15")

    @property
    def str_replace_json(self) -> bool:
        """str_replace JSON-encodes map and list parameter values (2015-10-15)."""
        return self.at_least("2015-10-15")

    @property
    def repeat_over_maps(self) -> bool:
        """repeat's for_each may iterate the keys of a map (2016-10-14)."""
        return self.at_least("2016-10-14")

    @property
    def repeat_permutations(self) -> bool:
        """repeat accepts ``permutations: false`` (2017-09-01)."""
        return self.at_least("2017-09-01")

    @property
    def if_nullable(self) -> bool:
        """``if`` may omit its false value, which removes the key (2021-04-16)."""
        return self.at_least("2021-04-16")

    def since(self, function: str) -> str | None:
        """The first version that has ``function`` (None if Heat has no such function)."""
        return _FUNCTION_SINCE.get(function)


def _next(date: str) -> str:
    return DATED_VERSIONS[DATED_VERSIONS.index(date) + 1]


def all_version_names() -> list[str]:
    return [*DATED_VERSIONS, *RELEASE_NAMES]


def get_version(value: object) -> TemplateVersion:
    """The TemplateVersion for a ``heat_template_version`` value.

    Raises InvalidTemplateVersion naming the value and listing the valid ones.
    """
    text = value if isinstance(value, str) else None
    if text is not None:
        if text in DATED_VERSIONS:
            return TemplateVersion(name=text, date=text)
        if text in RELEASE_NAMES:
            return TemplateVersion(name=text, date=RELEASE_NAMES[text])
    allowed = ", ".join(all_version_names())
    raise InvalidTemplateVersion(
        explanation=f"heat_template_version: {value!s:.80} is not a known version; "
        f"it should be one of: {allowed}"
    )
