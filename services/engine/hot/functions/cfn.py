"""The CloudFormation functions HOT 2013-05-23 still accepts (Fn::Select up to 2015-04-30).

Old templates use them; Heat resolves them as below, so Ember does too.
Fn::GetAZs and Fn::ResourceFacade need a cloud or a parent stack and are
reported as not supported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..resolver import Resolver
from .base import (
    Function,
    NotSupportedFunction,
    ParseContext,
    Reference,
    is_function,
    register,
)
from .logic import ResourceFacade


@register
class Ref(Function):
    """``Ref: name``: a parameter's value if ``name`` is a parameter, else a resource's reference."""

    name = "Ref"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, str) or not self.args:
            raise self.invalid("the argument must be a parameter or resource name")
        known = ctx.param_names or frozenset()
        self.is_parameter = self.args in known

    def compute(self, args: Any, resolver: Resolver) -> Any:
        if self.is_parameter:
            return resolver.get_param(args)
        return resolver.get_resource_reference(args)

    def references(self) -> Iterator[Reference]:
        if not self.is_parameter:
            yield Reference(self.args, self.path, "get_resource")


@register
class Select(Function):
    """``Fn::Select: [index, collection]``; a missing item gives an empty string."""

    name = "Fn::Select"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [index, collection]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        index, collection = args
        if collection == "" or collection is None:
            return ""
        if isinstance(collection, str):
            try:
                collection = json.loads(collection)
            except ValueError:
                raise self.invalid("the collection must be a list or a map") from None
        if isinstance(collection, list):
            if isinstance(index, str) and index.isdigit():
                index = int(index)
            if not isinstance(index, int) or isinstance(index, bool):
                raise self.invalid("a list index must be an integer")
            return collection[index] if 0 <= index < len(collection) else ""
        if isinstance(collection, dict):
            if not isinstance(index, str):
                raise self.invalid("a map key must be a string")
            return collection.get(index, "")
        raise self.invalid("the collection must be a list or a map")


@register
class Join(Function):
    """``Fn::Join: [delimiter, [strings]]``."""

    name = "Fn::Join"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [delimiter, list]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        delimiter, values = args
        if not isinstance(delimiter, str) or not isinstance(values, list):
            raise self.invalid("must be a list [delimiter, list]")
        if not all(isinstance(v, str) or v is None for v in values):
            raise self.invalid("the items to join must be strings")
        return delimiter.join(v or "" for v in values)


@register
class Split(Function):
    """``Fn::Split: [delimiter, string]``."""

    name = "Fn::Split"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [delimiter, string]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        delimiter, text = args
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            raise self.invalid("must be a list [delimiter, string] of strings")
        return text.split(delimiter)


@register
class Replace(Function):
    """``Fn::Replace: [{placeholder: value}, template]``."""

    name = "Fn::Replace"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [{placeholder: value}, template]")
        if not is_function(self.args[0]) and not isinstance(self.args[0], dict):
            raise self.invalid("the first item must be a map")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        mapping, template = args
        if not isinstance(mapping, dict) or not isinstance(template, str):
            raise self.invalid("must be a list [{placeholder: value}, template]")
        pairs = {}
        for key, value in mapping.items():
            if (
                not isinstance(key, str)
                or not isinstance(value, (str, int, float))
                or isinstance(value, bool)
            ):
                raise self.invalid("placeholders and values must be strings or numbers")
            if key:
                pairs[key] = str(value)
        if not pairs:
            return template
        pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
        return pattern.sub(lambda m: pairs[m.group(0)], template)


@register
class Base64(Function):
    """``Fn::Base64: string``: returns the string unchanged, as Heat does."""

    name = "Fn::Base64"

    def compute(self, args: Any, resolver: Resolver) -> Any:
        if not isinstance(args, str):
            raise self.invalid("the argument must be a string")
        return args


@register
class MemberListToMap(Function):
    """``Fn::MemberListToMap: [key_name, value_name, ['.member.0.Key=k', '.member.0.Value=v', ...]]``."""

    name = "Fn::MemberListToMap"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 3:
            raise self.invalid("must be a list [key_name, value_name, member_list]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        key_name, value_name, members = args
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise self.invalid("the member list must be a list of strings")
        groups: dict[str, dict[str, str]] = {}
        for member in members:
            match = re.fullmatch(r"(?:.*\.)?member\.([0-9]+)\.([^=]+)=(.*)", member, re.DOTALL)
            if match is None:
                raise self.invalid(f'"{member}" is not of the form .member.N.Name=value')
            groups.setdefault(match.group(1), {})[match.group(2)] = match.group(3)
        result = {}
        for group in groups.values():
            if key_name in group and value_name in group:
                result[group[key_name]] = group[value_name]
        return result


@register
class GetAZs(NotSupportedFunction):
    name = "Fn::GetAZs"
    why = " (Ember manages no availability zones)"


@register
class CfnResourceFacade(ResourceFacade):
    """``Fn::ResourceFacade: Metadata|DeletionPolicy|UpdatePolicy`` (the CloudFormation spelling)."""

    name = "Fn::ResourceFacade"
    _SECTIONS = {"Metadata": "metadata", "DeletionPolicy": "deletion_policy", "UpdatePolicy": "update_policy"}

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        Function.__init__(self, raw_args, path, ctx)
        if self.args not in self._SECTIONS:
            raise self.invalid(
                f'Incorrect arguments to "{self.name}" should be: {self.name}: ({"|".join(self._SECTIONS)})'
            )

    def compute(self, args: Any, resolver: Resolver) -> Any:
        return super().compute(self._SECTIONS[args], resolver)
