"""The steps of a rolling replacement: sizes, renewed members, who goes first."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.resources.rolling import batches, pause_seconds, renew
from shared.exceptions import StackValidationFailed


@pytest.mark.parametrize(
    ("size", "batch", "in_service", "expected"),
    [
        (3, 1, 0, [(3, 1), (3, 1), (3, 1)]),
        (5, 2, 0, [(5, 2), (5, 2), (5, 1)]),
        # Keeping all three in service: one new member first, the group back to 3 at the end.
        (3, 1, 3, [(4, 1), (4, 1), (4, 1), (3, 0)]),
        (4, 10, 0, [(4, 4)]),
        (0, 1, 0, []),
    ],
)
def test_batches(size: int, batch: int, in_service: int, expected: list[tuple[int, int]]) -> None:
    assert batches(size, size, batch, in_service) == expected


def _names() -> itertools.count[int]:
    return itertools.count(100)


@given(st.integers(0, 12), st.integers(1, 5), st.integers(0, 14))
def test_a_rolling_replacement_ends_with_every_member_renewed(size: int, batch: int, in_service: int) -> None:
    counter = _names()
    members = [(f"m{i}", False) for i in range(size)]
    for total, renewed in batches(size, size, batch, in_service):
        before = members
        members = renew(members, total, renewed, lambda: f"n{next(counter)}")
        assert len(members) == total
        # Never fewer old-or-new members in service than asked (nor than the group has).
        assert len(members) >= min(in_service, size)
        # At most one batch's worth of members changes definition or arrives per step.
        changed = {n for n, new in members if new} - {n for n, new in before if new}
        assert len(changed) <= batch
    assert len(members) == size
    assert all(new for _, new in members)


def test_renew_drops_the_oldest_and_moves_renewed_members_to_the_end() -> None:
    members = [("a", False), ("b", False), ("c", True)]
    assert renew(members, 2, 1, lambda: "x") == [("c", True), ("b", True)]
    assert renew(members, 4, 2, lambda: "x") == [("b", False), ("c", True), ("a", True), ("x", True)]


def test_pause_seconds() -> None:
    assert pause_seconds("PT1M30S") == 90.0
    assert pause_seconds(2) == 2.0
    assert pause_seconds(None) == 0.0
    with pytest.raises(StackValidationFailed, match=r"rolling_updates\.pause_time"):
        pause_seconds("soon", "rolling_updates.pause_time")
