"""Request signatures: what verifies, what does not, and replays."""

from __future__ import annotations

import time

from shared.rpc.signing import HEADER, MAX_AGE, ReplayGuard, sign, verify

KEY = "k" * 32
BODY = b'{"oslo.version":"2.0","oslo.message":"{}"}'


def test_a_signature_verifies_with_the_same_key_and_body() -> None:
    assert verify(KEY, BODY, sign(KEY, BODY))


def test_a_changed_body_or_another_key_does_not_verify() -> None:
    value = sign(KEY, BODY)
    assert not verify(KEY, BODY + b" ", value)
    assert not verify("other" * 8, BODY, value)


def test_a_stale_or_future_signature_does_not_verify() -> None:
    now = time.time()
    assert not verify(KEY, BODY, sign(KEY, BODY, now - MAX_AGE - 5), now)
    assert not verify(KEY, BODY, sign(KEY, BODY, now + MAX_AGE + 5), now)


def test_malformed_signatures_do_not_verify() -> None:
    for value in (None, 7, "", "v1", "v2:1:ab", "v1:x:ab", "v1:1:zz", b"\xff"):
        assert not verify(KEY, BODY, value)


def test_each_signature_is_accepted_once() -> None:
    guard = ReplayGuard(KEY)
    headers = {HEADER: sign(KEY, BODY)}
    assert guard.trusted(BODY, headers)
    assert not guard.trusted(BODY, headers)  # a replay of the same bytes
    assert not guard.trusted(BODY, {})


def test_the_replay_guard_is_bounded() -> None:
    guard = ReplayGuard(KEY, max_remembered=10)
    for i in range(50):
        assert guard.trusted(BODY + str(i).encode(), {HEADER: sign(KEY, BODY + str(i).encode())})
    assert len(guard._seen) <= 10
