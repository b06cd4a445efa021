"""Rolling updates of a group's nested stack: the child moves to a new member definition in steps.

A group (ResourceGroup's ``rolling_update`` policy, AutoScalingGroup's
``rolling_updates`` property) computes the child template of every step up
front; ``RollingNestedStack`` then runs them one nested update at a time,
``pause`` seconds apart, and reports the update complete after the last one.

``batches`` is the arithmetic of Heat's batched replacement: each step
renews up to ``batch_size`` members, and while ``min_in_service`` members
must stay in service the group grows beyond its size for a while (the new
members are created before old ones go), shrinking back at the end.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from shared.exceptions import StackValidationFailed

from .nested import NestedStackResource


def batches(target: int, current: int, batch_size: int, min_in_service: int) -> list[tuple[int, int]]:
    """The steps of a rolling replacement: (the group's size after the step, members renewed in it).

    The renewed count includes members created in that step. ``target`` is the
    size to end at, ``current`` the size now; nothing is renewed yet.
    """
    batch_size = max(batch_size, 1)
    steps: list[tuple[int, int]] = []
    size, renewed = current, 0
    while not (renewed >= size == target):
        keep = min(min_in_service, target, size)
        step = min(batch_size, max(target - renewed, 0))
        size = step + max(min(size, target - step), keep)
        steps.append((size, step))
        renewed += step
    return steps


def renew(members: list[tuple[str, bool]], size: int, renewed: int, new_name: Any) -> list[tuple[str, bool]]:
    """The members after one step, oldest first, each as (name, has the new definition).

    The oldest go when the group is too big; new members (with the new
    definition) make up a shortfall and count towards ``renewed``; the rest of
    ``renewed`` goes to the oldest members still on the old definition, which
    then count as the newest (as a replaced member does).
    """
    kept = members[-size:] if size < len(members) else list(members)
    created = [(str(new_name()), True) for _ in range(size - len(kept))]
    to_renew = max(renewed - len(created), 0)
    stayed: list[tuple[str, bool]] = []
    moved: list[tuple[str, bool]] = []
    for name, is_new in kept:
        if not is_new and to_renew > 0:
            to_renew -= 1
            moved.append((name, True))
        else:
            stayed.append((name, is_new))
    return stayed + moved + created


def pause_seconds(value: Any, path: str = "update_policy.rolling_update.pause_time") -> float:
    """A pause as seconds: a number, or an ISO 8601 duration such as ``PT1M30S`` (as CFN)."""
    if value in (None, ""):
        return 0.0
    if isinstance(value, (int, float)):
        return max(float(value), 0.0)
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", str(value).strip().upper())
    if match is None:
        try:
            return max(float(value), 0.0)
        except ValueError:
            raise StackValidationFailed(path=path, reason=f"{value!r} is not a duration") from None
    hours, minutes, secs = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + secs)


@dataclass
class Rolling:
    """A rolling update in progress: the child template of each step and which one runs."""

    templates: list[dict[str, Any]]
    pause: float
    index: int = 0
    resume_at: float | None = None


class RollingNestedStack(NestedStackResource):
    """A nested-stack resource that can update its child a step at a time."""

    async def start_rolling(self, templates: list[dict[str, Any]], pause: float) -> Rolling:
        rolling = Rolling(templates=templates, pause=pause)
        await self._run_step(rolling)
        return rolling

    async def _run_step(self, rolling: Rolling) -> None:
        if self.resource_id is None:
            raise self.failure("the nested stack was never created")
        await self.host.update_nested_stack(
            self.resource_id, rolling.templates[rolling.index], self.child_params(), self.child_files()
        )

    async def check_update_complete(self, token: Any) -> bool:
        if not isinstance(token, Rolling):
            return await super().check_update_complete(token)
        rolling = token
        if rolling.resume_at is not None:
            if time.monotonic() < rolling.resume_at:
                return False
            rolling.resume_at = None
            rolling.index += 1
            await self._run_step(rolling)
            return False
        if not await super().check_update_complete(self.resource_id):
            return False
        if rolling.index == len(rolling.templates) - 1:
            return True
        rolling.resume_at = time.monotonic() + rolling.pause
        return False
