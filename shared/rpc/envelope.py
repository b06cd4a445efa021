"""Bytes <-> requests and replies, in oslo.messaging's rabbit wire format (envelope 2.0).

A body is ``{"oslo.version": "2.0", "oslo.message": "<JSON string>"}``. The
inner request carries ``method``, ``args``, optional ``namespace`` /
``version``, one ``_context_<key>`` per context entry, ``_unique_id`` and, for
calls, ``_msg_id``, ``_reply_q`` and ``_timeout``. A reply carries ``result``,
``failure`` (a JSON string, see ``shared.exceptions.serialize_failure``),
``ending``, ``_msg_id`` and ``_unique_id``. docs/wire-format.md is the full
description. Everything that arrives is checked here, so the layers above
only ever see well-formed values.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from shared.exceptions import InvalidInput, MalformedMessage
from shared.rpc.serializer import json_default

OSLO_VERSION = "2.0"
_CONTEXT_PREFIX = "_context_"
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=json_default).encode


@dataclass(slots=True)
class RpcRequest:
    method: str
    args: dict[str, Any]
    context: dict[str, Any]
    namespace: str | None = None
    version: str = "1.0"
    msg_id: str | None = None
    reply_q: str | None = None
    timeout: float | None = None
    unique_id: str | None = None

    @property
    def is_call(self) -> bool:
        return self.msg_id is not None and self.reply_q is not None


@dataclass(slots=True)
class RpcReply:
    msg_id: str
    result: Any = None
    failure: str | None = None
    ending: bool = True


def _wrap(inner: dict[str, Any]) -> bytes:
    try:
        return _dumps({"oslo.version": OSLO_VERSION, "oslo.message": _dumps(inner)}).encode()
    except UnicodeEncodeError:
        # Text JSON allows (\ud800) but UTF-8 cannot carry: refuse it here, by name.
        raise InvalidInput(
            field="message", reason="text holds an unpaired surrogate (not valid Unicode)"
        ) from None


def _unwrap(body: bytes) -> dict[str, Any]:
    try:
        outer = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: nesting deeper than the interpreter's stack allows.
        raise MalformedMessage(reason=f"body is not JSON ({exc})") from None
    if not isinstance(outer, dict):
        raise MalformedMessage(reason="body is not a JSON object")
    if "oslo.version" not in outer:
        return outer  # oslo also accepts unwrapped messages
    if outer["oslo.version"] != OSLO_VERSION:
        raise MalformedMessage(reason=f"unsupported envelope version {outer['oslo.version']!r}")
    inner_text = outer.get("oslo.message")
    if not isinstance(inner_text, str):
        raise MalformedMessage(reason='"oslo.message" must be a JSON string')
    try:
        inner = json.loads(inner_text)
    except (ValueError, RecursionError) as exc:
        raise MalformedMessage(reason=f'"oslo.message" is not JSON ({exc})') from None
    if not isinstance(inner, dict):
        raise MalformedMessage(reason='"oslo.message" is not a JSON object')
    return inner


def encode_request(
    method: str,
    args: dict[str, Any],
    context: dict[str, Any],
    *,
    namespace: str | None = None,
    version: str | None = None,
    msg_id: str | None = None,
    reply_q: str | None = None,
) -> bytes:
    inner: dict[str, Any] = {"method": method, "args": args}
    if namespace is not None:
        inner["namespace"] = namespace
    if version is not None:
        inner["version"] = version
    for key, value in context.items():
        inner[_CONTEXT_PREFIX + key] = value
    if msg_id is not None:
        inner["_msg_id"] = msg_id
        inner["_reply_q"] = reply_q
        # oslo sends its call-monitor timeout here; None means "no heartbeats".
        inner["_timeout"] = None
    inner["_unique_id"] = uuid.uuid4().hex
    return _wrap(inner)


def decode_request(body: bytes) -> RpcRequest:
    """Parse and check a request; raises MalformedMessage naming the bad field."""
    inner = _unwrap(body)
    method = inner.get("method")
    if not isinstance(method, str) or not method:
        raise MalformedMessage(reason='"method" must be a non-empty string')
    args = inner.get("args", {})
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise MalformedMessage(reason='"args" must be an object')
    namespace = inner.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise MalformedMessage(reason='"namespace" must be a string')
    version = inner.get("version", "1.0")
    if not isinstance(version, str):
        raise MalformedMessage(reason='"version" must be a string such as "1.0"')
    msg_id = inner.get("_msg_id")
    reply_q = inner.get("_reply_q")
    if msg_id is not None and not isinstance(msg_id, str):
        raise MalformedMessage(reason='"_msg_id" must be a string')
    if reply_q is not None and not isinstance(reply_q, str):
        raise MalformedMessage(reason='"_reply_q" must be a string')
    timeout = inner.get("_timeout")
    if timeout is not None and not isinstance(timeout, (int, float)):
        timeout = None
    context = {
        key[len(_CONTEXT_PREFIX) :]: value for key, value in inner.items() if key.startswith(_CONTEXT_PREFIX)
    }
    unique_id = inner.get("_unique_id")
    return RpcRequest(
        method=method,
        args=args,
        context=context,
        namespace=namespace,
        version=version,
        msg_id=msg_id,
        reply_q=reply_q,
        timeout=timeout,
        unique_id=unique_id if isinstance(unique_id, str) else None,
    )


def encode_reply(msg_id: str, result: Any = None, failure: str | None = None) -> bytes:
    return _wrap(
        {
            "result": result,
            "failure": failure,
            "ending": True,
            "_msg_id": msg_id,
            "_unique_id": uuid.uuid4().hex,
        }
    )


def decode_reply(body: bytes) -> RpcReply:
    inner = _unwrap(body)
    msg_id = inner.get("_msg_id")
    if not isinstance(msg_id, str):
        raise MalformedMessage(reason='reply without "_msg_id"')
    failure = inner.get("failure")
    if failure is not None and not isinstance(failure, str):
        failure = json.dumps(failure)
    return RpcReply(
        msg_id=msg_id,
        result=inner.get("result"),
        failure=failure,
        ending=bool(inner.get("ending", True)),
    )


def encode_json(value: Any) -> bytes:
    """Raises TypeError/ValueError for values that are not JSON-able."""
    return _dumps(value).encode()


def notification_body(message: dict[str, Any], context: dict[str, Any]) -> bytes:
    """A notification (``message``) with its ``_context_*`` keys and ``_unique_id``, enveloped.

    Raises TypeError/ValueError for values that are not JSON-able.
    """
    inner = dict(message)
    for key, value in context.items():
        inner[_CONTEXT_PREFIX + key] = value
    inner["_unique_id"] = uuid.uuid4().hex
    return _wrap(inner)
