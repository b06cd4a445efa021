"""Local template and environment files -> the ``template``/``environment``/``files`` of a request.

As heatclient does, files a template refers to are read on the user's
machine and sent along in ``files``: ``get_file`` arguments, and resource
types (or environment ``resource_registry`` entries) that name a local
template file. Each is keyed by the reference exactly as written (a relative
path is read relative to the file that names it), so the engine finds it
under the same string the template uses. Nested templates are scanned too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")


class _Loader(yaml.SafeLoader):
    """Safe YAML where timestamps stay strings (as heatclient's loader): an unquoted
    ``heat_template_version: 2018-08-31`` is the text, not a date JSON cannot carry."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class TemplateFileError(Exception):
    pass


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateFileError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateFileError(f"cannot read {path}: it is not UTF-8 text") from None


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.load(_read_text(path), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise TemplateFileError(f"{path} is not valid YAML: {exc}") from None


def _local_path(ref: str, base_dir: Path) -> Path | None:
    """The local file a reference names (relative path, absolute path or file:// URL), else None."""
    parsed = urlparse(ref)
    if parsed.scheme == "file":
        return Path(parsed.path)
    if parsed.scheme:
        return None  # http(s) and the like are the engine's business
    return (base_dir / ref).resolve()


def _walk(node: Any, base_dir: Path, files: dict[str, str], seen: set[Path]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "get_file" and isinstance(value, str):
                _add_file(value, base_dir, files, seen, nested=False)
            elif key == "type" and isinstance(value, str) and value.endswith(TEMPLATE_SUFFIXES):
                _add_file(value, base_dir, files, seen, nested=True)
            else:
                _walk(value, base_dir, files, seen)
    elif isinstance(node, list):
        for item in node:
            _walk(item, base_dir, files, seen)


def _add_file(ref: str, base_dir: Path, files: dict[str, str], seen: set[Path], nested: bool) -> None:
    path = _local_path(ref, base_dir)
    if path is None or ref in files:
        return
    if not path.is_file():
        if nested:
            return  # not a local file: perhaps a registry name the engine knows
        raise TemplateFileError(f"get_file: {ref} not found (looked for {path})")
    files[ref] = _read_text(path)
    if nested and path not in seen:
        seen.add(path)
        _walk(_load_yaml(path), path.parent, files, seen)


def load_template(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The parsed template and the ``files`` it needs."""
    template_path = Path(path).resolve()
    template = _load_yaml(template_path)
    if not isinstance(template, dict):
        raise TemplateFileError(f"{path} does not hold a template (a YAML mapping)")
    files: dict[str, str] = {}
    _walk(template, template_path.parent, files, {template_path})
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
        env_path = Path(name).resolve()
        data = _load_yaml(env_path) or {}
        if not isinstance(data, dict):
            raise TemplateFileError(f"{name} does not hold an environment (a YAML mapping)")
        registry = data.get("resource_registry") or {}
        if isinstance(registry, dict):
            for value in registry.values():
                if isinstance(value, str) and value.endswith(TEMPLATE_SUFFIXES):
                    _add_file(value, env_path.parent, files, set(), nested=True)
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


def request_body(template_file: str, env_files: list[str], params: list[str]) -> dict[str, Any]:
    """The template, files, environment and parameters of a create or validate request."""
    template, files = load_template(template_file)
    body: dict[str, Any] = {"template": template, "files": files}
    if env_files:
        body["environment"] = load_environments(env_files, files)
    if params:
        body["parameters"] = parse_parameters(params)
    return body
