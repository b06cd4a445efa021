"""String functions: str_replace (+ strict variants), list_join, digest, str_split, make_url."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from ..resolver import Resolver
from .base import Function, ParseContext, is_function, register


def _to_text(value: Any, sort_keys: bool = False) -> str:
    """How non-string values are written into strings from 2015-10-15: JSON, null as empty."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=sort_keys)
    return str(value)


@register
class StrReplace(Function):
    """``str_replace: {template: text, params: {placeholder: value}}``.

    Placeholders are replaced in one pass, longest first, so a replacement
    is never itself searched and ``$var`` never clobbers ``$var1``.
    """

    name = "str_replace"
    strict: ClassVar[bool] = False
    very_strict: ClassVar[bool] = False

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.json_values = ctx.version.str_replace_json
        if not isinstance(self.args, dict) or set(self.args) != {"template", "params"}:
            raise self.invalid('must be a map with "template" and "params"')
        params, template = self.args["params"], self.args["template"]
        if not is_function(params) and not isinstance(params, dict):
            raise self.invalid('"params" must be a map')
        if not is_function(template) and not isinstance(template, str):
            raise self.invalid('"template" must be a string')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        template, params = args["template"], args["params"]
        if not isinstance(template, str):
            raise self.invalid('"template" must be a string')
        if not isinstance(params, dict):
            raise self.invalid('"params" must be a map')
        mapping: dict[str, str] = {}
        for key, value in params.items():
            if not isinstance(key, str):
                raise self.invalid(f'the placeholder "{key}" must be a string')
            if not self.json_values and isinstance(value, (dict, list)):
                raise self.invalid(f'the value of "{key}" must be a string or a number')
            if self.very_strict and (value is None or (isinstance(value, (str, dict, list)) and not value)):
                raise self.invalid(f'the value of "{key}" is empty')
            if self.strict and key not in template:
                raise self.invalid(f'the placeholder "{key}" is not in the template')
            if key:
                mapping[key] = _to_text(value, sort_keys=True)
        if not mapping:
            return template
        pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
        return pattern.sub(lambda m: mapping[m.group(0)], template)


@register
class StrReplaceStrict(StrReplace):
    """str_replace where every placeholder must occur in the template."""

    name = "str_replace_strict"
    strict = True


@register
class StrReplaceVeryStrict(StrReplace):
    """str_replace_strict where no value may be empty."""

    name = "str_replace_vstrict"
    strict = True
    very_strict = True


@register
class ListJoin(Function):
    """``list_join: [delimiter, list, ...]`` (several lists from 2015-10-15)."""

    name = "list_join"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        self.multiple = ctx.version.list_join_multiple
        if (
            not isinstance(self.args, list)
            or len(self.args) < 2
            or (not self.multiple and len(self.args) != 2)
        ):
            shape = "[delimiter, list, ...]" if self.multiple else "[delimiter, list]"
            raise self.invalid(f"must be a list {shape}")
        if not is_function(self.args[0]) and not isinstance(self.args[0], str):
            raise self.invalid("the delimiter must be a string")
        for item in self.args[1:]:
            if not is_function(item) and not isinstance(item, list):
                raise self.invalid("the values to join must be lists")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        delimiter, *lists = args
        if not isinstance(delimiter, str):
            raise self.invalid("the delimiter must be a string")
        items: list[str] = []
        for values in lists:
            if values is None:
                continue
            if not isinstance(values, list):
                raise self.invalid("the values to join must be lists")
            for value in values:
                if not self.multiple and not isinstance(value, str) and value is not None:
                    raise self.invalid("the items to join must be strings")
                items.append(_to_text(value))
        return delimiter.join(items)


_DIGESTS = sorted(a for a in hashlib.algorithms_available if not a.startswith("shake"))


@register
class Digest(Function):
    """``digest: [algorithm, value]`` -> hex digest (md5, sha1, sha256, sha512, ...)."""

    name = "digest"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) != 2:
            raise self.invalid("must be a list [algorithm, value]")
        algorithm = self.args[0]
        if not is_function(algorithm):
            self._check_algorithm(algorithm)

    def _check_algorithm(self, algorithm: Any) -> str:
        if not isinstance(algorithm, str) or algorithm.lower() not in _DIGESTS:
            raise self.invalid(f'unknown algorithm "{algorithm}"; use one of {", ".join(_DIGESTS)}')
        return algorithm.lower()

    def compute(self, args: Any, resolver: Resolver) -> Any:
        algorithm = self._check_algorithm(args[0])
        value = args[1]
        if not isinstance(value, str):
            raise self.invalid("the value to digest must be a string")
        return hashlib.new(algorithm, value.encode()).hexdigest()


@register
class StrSplit(Function):
    """``str_split: [delimiter, string]`` or ``[delimiter, string, index]``."""

    name = "str_split"

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, list) or len(self.args) not in (2, 3):
            raise self.invalid("must be a list [delimiter, string] or [delimiter, string, index]")

    def compute(self, args: Any, resolver: Resolver) -> Any:
        delimiter, text = args[0], args[1]
        if not isinstance(delimiter, str) or not delimiter:
            raise self.invalid("the delimiter must be a non-empty string")
        if not isinstance(text, str):
            raise self.invalid("the value to split must be a string")
        parts = text.split(delimiter)
        if len(args) == 2:
            return parts
        index = args[2]
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool):
            raise self.invalid("the index must be an integer")
        if not 0 <= index < len(parts):
            raise self.invalid(f"index {index} is out of range for {len(parts)} items")
        return parts[index]


@register
class MakeUrl(Function):
    """``make_url: {scheme, username, password, host, port, path, query, fragment}``."""

    name = "make_url"
    KEYS = ("scheme", "username", "password", "host", "port", "path", "query", "fragment")

    def __init__(self, raw_args: Any, path: str, ctx: ParseContext) -> None:
        super().__init__(raw_args, path, ctx)
        if not isinstance(self.args, dict):
            raise self.invalid("must be a map")
        for key in self.args:
            if key not in self.KEYS:
                raise self.invalid(f'unknown key "{key}"')

    def compute(self, args: Any, resolver: Resolver) -> Any:
        def text(key: str) -> str:
            value = args.get(key)
            if isinstance(value, (dict, list)):
                raise self.invalid(f'"{key}" must be a string')
            return "" if value is None else str(value)

        host = text("host")
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 literal
        url = f"{text('scheme')}://" if args.get("scheme") else ""
        if args.get("username"):
            url += quote(text("username"), safe="")
            if args.get("password"):
                url += ":" + quote(text("password"), safe="")
            url += "@"
        url += host
        if args.get("port") is not None:
            port = args["port"]
            if isinstance(port, str) and port.isdigit():
                port = int(port)
            if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
                raise self.invalid(f'"port" must be an integer between 1 and 65535, not {port!r}')
            url += f":{port}"
        url += "/" + quote(text("path").lstrip("/"), safe="/")
        query = args.get("query")
        if query:
            if not isinstance(query, dict):
                raise self.invalid('"query" must be a map')
            url += "?" + urlencode({str(k): _to_text(v) for k, v in query.items()})
        if args.get("fragment"):
            url += "#" + quote(text("fragment"), safe="")
        return url
