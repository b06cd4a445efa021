"""Template and environment files -> the ``template``/``environment``/``files`` of a request.

As heatclient does, files a template refers to are read on the user's
machine and sent along in ``files``: ``get_file`` arguments, and resource
types (or environment ``resource_registry`` entries) that name a template
file. Each is keyed by the reference exactly as written, so the engine finds
it under the same string the template uses; a relative reference is read
relative to the file that names it. Nested templates are scanned too.

A template (or environment, or referenced file) may be an http(s) URL, as
``openstack stack create -t URL``; relative references inside it are then
relative to that URL. A download is capped at MAX_DOWNLOAD bytes (the
engine's default template size limit) and fails with a clear message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import yaml

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")
MAX_DOWNLOAD = 512 * 1024
DOWNLOAD_TIMEOUT = 30.0
URL_SCHEMES = ("http", "https")

# Where a file is: a local path, or an http(s) URL (kept as text).
Location = Path | str


class _Loader(yaml.SafeLoader):
    """Safe YAML where timestamps stay strings (as heatclient's loader): an unquoted
    ``heat_template_version: 2018-08-31`` is the text, not a date JSON cannot carry."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class TemplateFileError(Exception):
    pass


def _is_url(ref: str) -> bool:
    return urlparse(ref).scheme in URL_SCHEMES


def _download(url: str) -> str:
    """The text at ``url``; TemplateFileError on any failure or beyond MAX_DOWNLOAD bytes."""
    try:
        with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True) as resp:
            if resp.status_code >= 400:
                raise TemplateFileError(f"cannot fetch {url}: HTTP {resp.status_code} {resp.reason_phrase}")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise TemplateFileError(f"cannot fetch {url}: it is larger than {MAX_DOWNLOAD} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise TemplateFileError(f"cannot fetch {url}: {exc}") from None
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateFileError(f"cannot read {url}: it is not UTF-8 text") from None


def _read_text(where: Location) -> str:
    if isinstance(where, str):
        return _download(where)
    try:
        return where.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateFileError(f"cannot read {where}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateFileError(f"cannot read {where}: it is not UTF-8 text") from None


def _parse(text: str, where: Location) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise TemplateFileError(f"{where} is not valid YAML: {exc}") from None


def _load_yaml(where: Location) -> Any:
    return _parse(_read_text(where), where)


def _location(ref: str, base: Location) -> Location | None:
    """The file a reference names, relative to ``base`` (the folder or URL of the file naming it).

    A relative path, an absolute path, a file:// URL or an http(s) URL; None
    for any other scheme (the engine's business).
    """
    parsed = urlparse(ref)
    if parsed.scheme == "file":
        return Path(parsed.path)
    if parsed.scheme in URL_SCHEMES:
        return ref
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter is a Windows drive, not a scheme
        return None
    if isinstance(base, str):
        return urljoin(base, ref)
    return (base / ref).resolve()


def _base_of(where: Location) -> Location:
    """What references inside ``where`` are relative to."""
    return where if isinstance(where, str) else where.parent


def _exists(where: Location) -> bool:
    return isinstance(where, str) or where.is_file()


def _open(name: str) -> Location:
    """A command-line file argument: an http(s) URL, or a local path."""
    return name if _is_url(name) else Path(name).resolve()


def _walk(node: Any, base: Location, files: dict[str, str], seen: set[Location]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "get_file" and isinstance(value, str):
                _add_file(value, base, files, seen, nested=False)
            elif key == "type" and isinstance(value, str) and value.endswith(TEMPLATE_SUFFIXES):
                _add_file(value, base, files, seen, nested=True)
            else:
                _walk(value, base, files, seen)
    elif isinstance(node, list):
        for item in node:
            _walk(item, base, files, seen)


def _add_file(ref: str, base: Location, files: dict[str, str], seen: set[Location], nested: bool) -> None:
    where = _location(ref, base)
    if where is None or ref in files:
        return
    if not _exists(where):
        if nested:
            return  # not a local file: perhaps a registry name the engine knows
        raise TemplateFileError(f"get_file: {ref} not found (looked for {where})")
    try:
        files[ref] = _read_text(where)
    except TemplateFileError:
        if nested and isinstance(where, str) and not _is_url(ref):
            return  # a relative type name that is no file next to a URL template: a registry name
        raise
    if nested and where not in seen:
        seen.add(where)
        _walk(_parse(files[ref], where), _base_of(where), files, seen)


def load_template(name: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The parsed template (a file or an http(s) URL) and the ``files`` it needs."""
    where = _open(str(name))
    template = _load_yaml(where)
    if not isinstance(template, dict):
        raise TemplateFileError(f"{name} does not hold a template (a YAML mapping)")
    files: dict[str, str] = {}
    _walk(template, _base_of(where), files, {where})
    return template, files


def _merge(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def load_environments(paths: list[str], files: dict[str, str]) -> dict[str, Any]:
    """Several environment files merged in order (later wins), their registry files added to ``files``."""
    env: dict[str, Any] = {}
    for name in paths:
        env_path = _open(name)
        data = _load_yaml(env_path) or {}
        if not isinstance(data, dict):
            raise TemplateFileError(f"{name} does not hold an environment (a YAML mapping)")
        registry = data.get("resource_registry") or {}
        if isinstance(registry, dict):
            for value in registry.values():
                if isinstance(value, str) and value.endswith(TEMPLATE_SUFFIXES):
                    _add_file(value, _base_of(env_path), files, set(), nested=True)
        _merge(env, data)
    return env


def parse_parameters(pairs: list[str]) -> dict[str, str]:
    """``-P key=value`` (also ``key=value;key2=value2`` as heatclient) -> a mapping."""
    params: dict[str, str] = {}
    for pair in pairs:
        for item in pair.split(";") if ";" in pair and "=" in pair.split(";", 1)[1] else [pair]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise TemplateFileError(f"parameter {item!r} is not key=value")
            params[key.strip()] = value
    return params


def request_body_without_template(env_files: list[str], params: list[str]) -> dict[str, Any]:
    """The environment and parameters of a PATCH update that keeps the stack's template."""
    files: dict[str, str] = {}
    body: dict[str, Any] = {}
    if env_files:
        body["environment"] = load_environments(env_files, files)
        if files:
            body["files"] = files
    if params:
        body["parameters"] = parse_parameters(params)
    return body


def request_body(template_file: str, env_files: list[str], params: list[str]) -> dict[str, Any]:
    """The template, files, environment and parameters of a create or validate request."""
    template, files = load_template(template_file)
    body: dict[str, Any] = {"template": template, "files": files}
    if env_files:
        body["environment"] = load_environments(env_files, files)
    if params:
        body["parameters"] = parse_parameters(params)
    return body
