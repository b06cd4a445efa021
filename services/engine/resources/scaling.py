"""The arithmetic of scaling: a group's new size from an adjustment (Heat's rules, our code)."""

from __future__ import annotations

import math
from typing import Final

CHANGE_IN_CAPACITY: Final = "change_in_capacity"
EXACT_CAPACITY: Final = "exact_capacity"
PERCENT_CHANGE_IN_CAPACITY: Final = "percent_change_in_capacity"
ADJUSTMENT_TYPES: Final = (CHANGE_IN_CAPACITY, EXACT_CAPACITY, PERCENT_CHANGE_IN_CAPACITY)


def new_capacity(
    current: int,
    adjustment: float,
    adjustment_type: str,
    minimum: int,
    maximum: int,
    min_adjustment_step: int | None = None,
) -> int:
    """The size after the adjustment, within [minimum, maximum].

    A percentage change is rounded towards zero, except that a change of
    less than one member moves by one (away from zero); ``min_adjustment_step``
    then enlarges a smaller percentage step to itself.
    """
    if adjustment_type == EXACT_CAPACITY:
        target = int(adjustment)
    elif adjustment_type == PERCENT_CHANGE_IN_CAPACITY:
        delta = current * adjustment / 100.0
        if abs(delta) < 1.0:
            step = math.ceil(delta) if delta > 0 else math.floor(delta)
        else:
            step = math.floor(delta) if delta > 0 else math.ceil(delta)
        if min_adjustment_step and min_adjustment_step > abs(step):
            step = min_adjustment_step if step > 0 else -min_adjustment_step
        target = current + int(step)
    else:
        target = current + int(adjustment)
    return max(minimum, min(maximum, target))
