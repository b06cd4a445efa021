"""``ember up``'s supervisor restarts a crashed child with a back-off and gives up on one that keeps crashing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from services.cli.supervisor import RestartPolicy, Supervisor

FAST = RestartPolicy(max_restarts=2, initial_delay=0.05, max_delay=0.2, window=60)


def test_the_back_off_doubles_up_to_its_ceiling() -> None:
    policy = RestartPolicy(initial_delay=1, max_delay=5)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]


async def test_a_crashed_child_is_restarted_and_the_others_keep_running(tmp_path: Path) -> None:
    flag = tmp_path / "crashed-once"
    # Crashes the first time it runs, then stays up.
    script = f"import pathlib, sys, time\np = pathlib.Path({str(flag)!r})\nif not p.exists():\n    p.touch(); sys.exit(3)\ntime.sleep(60)"
    lines: list[str] = []
    sup = Supervisor(env={}, echo=lines.append, restart=FAST)
    await sup.start_group([("steady", [sys.executable, "-c", "import time; time.sleep(60)"])])
    [flaky] = await sup.start_group([("flaky", [sys.executable, "-c", script])])
    steady_pid = sup.children[0].pid
    watching = asyncio.create_task(sup.supervise())
    try:
        for _ in range(100):
            if flaky.restarts:
                break
            await asyncio.sleep(0.05)
        assert flaky.restarts == 1 and flaky.running, lines
        assert sup.children[0].pid == steady_pid and sup.children[0].running
        assert any("flaky exited (code 3); restarting it in 0.05s" in line for line in lines), lines
        assert any(f"restarted flaky (pid {flaky.pid}, restart 1)" in line for line in lines), lines
        assert not watching.done()
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        codes = await sup.stop_all(5)
    assert set(codes) == {"steady", "flaky"}


async def test_a_child_that_keeps_crashing_is_given_up_on() -> None:
    lines: list[str] = []
    sup = Supervisor(env={}, echo=lines.append, restart=FAST)
    await sup.start_group([("broken", [sys.executable, "-c", "import sys; sys.exit(1)"])])
    try:
        gave_up = await asyncio.wait_for(sup.supervise(), 20)
    finally:
        await sup.stop_all(5)
    assert gave_up.name == "broken" and gave_up.restarts == 2
    assert "not restarting it" in lines[-1], lines


async def test_max_restarts_0_never_restarts() -> None:
    sup = Supervisor(env={}, echo=lambda _line: None, restart=RestartPolicy(max_restarts=0))
    await sup.start_group([("once", [sys.executable, "-c", "pass"])])
    try:
        gave_up = await asyncio.wait_for(sup.supervise(), 20)
    finally:
        await sup.stop_all(5)
    assert gave_up.restarts == 0


async def test_a_child_s_own_environment_is_added_and_kept_across_restarts(tmp_path: Path) -> None:
    """``ember up -n 2`` gives each engine its own metrics port this way."""
    out = tmp_path / "seen"
    script = (
        f"import os, pathlib, sys\np = pathlib.Path({str(out)!r})\n"
        "p.write_text(p.read_text() + os.environ['MINE'] + os.environ['SHARED'] + ',' if p.exists() "
        "else os.environ['MINE'] + os.environ['SHARED'] + ',')\nsys.exit(1)"
    )
    sup = Supervisor(env={"SHARED": "s", "MINE": "common"}, echo=lambda _line: None, restart=FAST)
    await sup.start_group([("one", [sys.executable, "-c", script])], {"one": {"MINE": "own"}})
    try:
        await asyncio.wait_for(sup.supervise(), 20)  # runs 3 times, then given up on
    finally:
        await sup.stop_all(5)
    assert out.read_text() == "owns," * 3
