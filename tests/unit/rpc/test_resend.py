"""ReplyLedger: bounded, forgets calls past their deadline, finds replies a drop may have lost."""

from __future__ import annotations

import time

from shared.rpc.resend import RESEND_WINDOW, ReplyLedger, Seen, suspect_lost
from shared.rpc.transport import Transport


def test_ledger_keeps_at_most_its_bound_of_calls() -> None:
    ledger = ReplyLedger(max_calls=10)
    for i in range(50):
        ledger.begin(f"m{i}", "reply_x", time.monotonic() + 60)
    assert len(ledger) == 10
    assert ledger.begin("m0", "reply_x", time.monotonic() + 60)[0] is Seen.NEW  # the oldest went first


def test_ledger_bounds_the_bytes_of_kept_replies() -> None:
    ledger = ReplyLedger(max_bytes=1000)
    for i in range(10):
        ledger.begin(f"m{i}", "reply_x", time.monotonic() + 60)
        ledger.answered(f"m{i}", b"x" * 300, confirmed=False)
    assert len(ledger) <= 3


def test_calls_past_their_deadline_are_forgotten() -> None:
    ledger = ReplyLedger()
    ledger.begin("old", "reply_x", time.monotonic() - 1)
    assert ledger.begin("old", "reply_x", time.monotonic() + 60)[0] is Seen.NEW


def test_only_unconfirmed_replies_sent_shortly_before_the_drop_are_suspect() -> None:
    now = time.monotonic()
    assert suspect_lost(now - 1, confirmed=False, disconnected_at=now)
    assert not suspect_lost(now - 1, confirmed=True, disconnected_at=now)
    assert not suspect_lost(now - RESEND_WINDOW - 1, confirmed=False, disconnected_at=now)
    assert not suspect_lost(now, confirmed=False, disconnected_at=None)


def test_an_outage_is_dated_by_its_first_drop_not_by_failed_reconnects() -> None:
    transport = Transport()
    transport._connection = object()  # type: ignore[assignment]  # as if started
    transport._up = True
    transport._on_connection_lost(None)
    first = transport.disconnected_at
    transport._on_connection_lost(None)  # a reconnect attempt failing
    assert transport.disconnected_at == first and transport.epoch == 1
    transport._on_reconnected(None)
    transport._on_connection_lost(None)
    assert transport.epoch == 2
