"""Proof that a request comes from a holder of ``rpc.signing_key`` (HMAC-SHA256).

Anyone who may publish on a vhost can put ``"_context_is_admin": true`` in a
request. A server that must not take that on faith (the store: admin lifts
the tenant scoping of every query) trusts it only from a request signed with
the key that the engines and the stores share, and nobody else holds.

The signature travels as the AMQP header ``x-ember-signature`` =
``v1:<unix seconds>:<hex HMAC-SHA256(key, "v1:<unix seconds>:" + body)>``:
it covers every byte of the body (method, arguments, context, ``_msg_id``,
``_reply_q``), so nothing in a signed request can be changed, and its time,
so a captured request is worth replaying for ``MAX_AGE`` seconds at most. In
that window a server accepts each signature once (``ReplayGuard``); a client
that re-publishes after a connection drop signs again. Oslo peers neither
send nor read the header: to them requests look as before, and their admin
claims are not trusted where signatures are required.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

HEADER = "x-ember-signature"
VERSION = "v1"
# Seconds a signature is valid, either side of the server's clock.
MAX_AGE = 120.0
MAX_REMEMBERED = 65536


def sign(key: str, body: bytes, now: float | None = None) -> str:
    """The header value for ``body``."""
    stamp = f"{VERSION}:{int(time.time() if now is None else now)}:"
    mac = hmac.new(key.encode(), stamp.encode() + body, hashlib.sha256).hexdigest()
    return stamp + mac


def verify(key: str, body: bytes, value: object, now: float | None = None) -> bool:
    """Whether ``value`` is a valid, fresh signature of ``body`` under ``key``."""
    if not isinstance(value, (str, bytes)):
        return False
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    parts = text.split(":")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1].isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(parts[1])) > MAX_AGE:
        return False
    expected = hmac.new(key.encode(), f"{VERSION}:{parts[1]}:".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts[2])


class ReplayGuard:
    """Checks signatures and accepts each valid one once while it is fresh (bounded)."""

    def __init__(self, key: str, max_remembered: int = MAX_REMEMBERED) -> None:
        self._key = key
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max = max_remembered

    def trusted(self, body: bytes, headers: Mapping[str, Any]) -> bool:
        """True for a valid, fresh signature not seen before; remembers it."""
        value = headers.get(HEADER)
        now = time.time()
        if not verify(self._key, body, value, now):
            return False
        signature = value.decode() if isinstance(value, bytes) else str(value)
        while self._seen:
            oldest, seen_at = next(iter(self._seen.items()))
            if seen_at > now - 2 * MAX_AGE and len(self._seen) < self._max:
                break
            del self._seen[oldest]
        if signature in self._seen:
            return False
        self._seen[signature] = now
        return True
