"""Which callers may call which engine methods.

A caller holding only a resource's signal token (a wait condition handle's
``curl_cli``, as the gateway passes it on without a user) may signal, and
nothing else: the engine refuses every other method itself, so the token
stays confined to its one route even for a caller that reaches the bus
directly, as Heat's policy denies its stack-user role everything but
signals.
"""

from __future__ import annotations

from typing import Final

from shared.context import RequestContext
from shared.exceptions import Forbidden

#: The methods a signal token's holder may call (the engine then checks the token itself).
SIGNAL_METHODS: Final = frozenset({"resource_signal"})


def admit(ctxt: RequestContext, method: str) -> None:
    if ctxt.signal_only and method not in SIGNAL_METHODS:
        raise Forbidden(action=f"{method} with a resource's signal token")
