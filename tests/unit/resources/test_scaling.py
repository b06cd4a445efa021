"""The new size of a group after an adjustment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.resources.scaling import ADJUSTMENT_TYPES, new_capacity


@pytest.mark.parametrize(
    ("current", "adjustment", "kind", "step", "expected"),
    [
        (2, 1, "change_in_capacity", None, 3),
        (2, -5, "change_in_capacity", None, 1),
        (2, 9, "exact_capacity", None, 5),
        (4, 50, "percent_change_in_capacity", None, 5),  # +2, capped at max 5
        (3, 10, "percent_change_in_capacity", None, 4),  # +0.3 moves by one
        (3, -10, "percent_change_in_capacity", None, 2),
        (4, 60, "percent_change_in_capacity", None, 5),
        (2, 10, "percent_change_in_capacity", 2, 4),  # +0.2 -> 1, then min_adjustment_step 2
    ],
)
def test_new_capacity(current: int, adjustment: float, kind: str, step: int | None, expected: int) -> None:
    assert new_capacity(current, adjustment, kind, 1, 5, step) == expected


@given(
    st.integers(0, 50),
    st.floats(-500, 500, allow_nan=False),
    st.sampled_from(ADJUSTMENT_TYPES),
    st.integers(0, 20),
    st.integers(0, 30),
    st.one_of(st.none(), st.integers(0, 10)),
)
def test_new_capacity_stays_within_bounds(
    current: int, adjustment: float, kind: str, low: int, extra: int, step: int | None
) -> None:
    size = new_capacity(current, adjustment, kind, low, low + extra, step)
    assert low <= size <= low + extra
