"""Child processes for ``ember up``: start them, prefix their output, restart them, stop them in order.

Once everything is up, ``supervise`` watches each child on its own: one that
exits is started again after a back-off that doubles with each crash (from
``RestartPolicy.initial_delay`` up to ``max_delay``), and the log says so
with the restart's number. A child that crashes more than ``max_restarts``
times within ``window`` seconds is given up on, and so is everything (the
caller stops the rest): a service that cannot stay up is a fault to look
at, not to hide.

Each child runs in its own session (process group), so the Ctrl-C a terminal
sends to its foreground group reaches ``ember up`` alone; ``ember up`` then
stops the children one group at a time (api, engines, store) instead of all
of them racing each other down. On Linux each child also asks the kernel for
SIGTERM if ``ember up`` itself dies without cleaning up (killed with -9), so
no orphaned service keeps consuming from the bus.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import typer

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM this child when its parent exits (Linux; a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # best effort: ember up still stops its children on every ordinary exit


DEFAULT_MAX_RESTARTS = 5


@dataclass(frozen=True)
class RestartPolicy:
    """When a crashed child is started again, and when ``ember up`` gives up on it."""

    max_restarts: int = DEFAULT_MAX_RESTARTS  # crashes allowed within ``window``; 0: never restart
    initial_delay: float = 1.0
    max_delay: float = 30.0
    window: float = 60.0

    def delay(self, crashes: int) -> float:
        """Seconds before restart number ``crashes`` (1, 2, ...) within the window."""
        return float(min(self.initial_delay * 2 ** max(crashes - 1, 0), self.max_delay))


@dataclass
class Child:
    """One service process and the task copying its output to ours with a prefix."""

    name: str
    argv: list[str]
    colour: str = "white"
    env: dict[str, str] = field(default_factory=dict)  # this child's own settings over the common ones
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    crashes: list[float] = field(default_factory=list, repr=False)  # monotonic times within the window
    _pump: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, env: dict[str, str], width: int, echo: Callable[[str], None]) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**env, **self.env},
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        prefix = typer.style(f"{self.name:<{width}} |", fg=self.colour)
        self._pump = asyncio.create_task(self._copy_output(prefix, echo), name=f"output-{self.name}")

    async def _copy_output(self, prefix: str, echo: Callable[[str], None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        while True:
            try:
                line = await self.process.stdout.readline()
            except ValueError:  # a line longer than the stream's limit: take what is there
                line = await self.process.stdout.read(64 * 1024)
            if not line:
                return
            try:
                echo(f"{prefix} {line.decode(errors='replace').rstrip()}")
            except (OSError, UnicodeError):
                # Our own output is gone (a closed pipe): keep draining the child's,
                # or it blocks on a full pipe and never stops.
                echo = _discard

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        if self._pump is not None:
            try:  # the last lines a child wrote before exiting are worth seeing
                await asyncio.wait_for(self._pump, 5)
            except TimeoutError:
                self._pump.cancel()
            except Exception:  # the output copy broke; the child's exit code still counts
                pass
        return code

    async def stop(self, timeout: float) -> int:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                return await asyncio.wait_for(self.wait(), timeout)
            except TimeoutError:
                try:
                    self.process.kill()
                except ProcessLookupError:
                    pass
        return await self.wait()


class Supervisor:
    """Children started in groups; restarted one by one; stopped group by group in the reverse order."""

    def __init__(
        self,
        env: dict[str, str],
        echo: Callable[[str], None] = typer.echo,
        restart: RestartPolicy | None = None,
    ) -> None:
        self.env = env
        self.echo = echo
        self.restart = restart or RestartPolicy()
        self.groups: list[list[Child]] = []
        self.width = 8

    def _say(self, text: str) -> None:
        self.echo(f"{'up':<{self.width}} | {text}")

    @property
    def children(self) -> list[Child]:
        return [child for group in self.groups for child in group]

    async def start_group(
        self, specs: Sequence[tuple[str, list[str]]], envs: Mapping[str, dict[str, str]] | None = None
    ) -> list[Child]:
        """Start these children (``envs``: extra environment by child name, kept across restarts)."""
        group: list[Child] = []
        for name, argv in specs:
            colour = COLOURS[len(self.children) % len(COLOURS)]
            child = Child(name, argv, colour, env=dict((envs or {}).get(name, {})))
            self.width = max(self.width, len(name))
            await child.start(self.env, self.width, self.echo)
            self.echo(f"{'up':<{self.width}} | started {name} (pid {child.pid})")
            group.append(child)
        self.groups.append(group)
        return group

    async def supervise(self) -> Child:
        """Keep every child running (see the module's docstring); returns the first one given up on.

        Cancelling it (a stop signal) stops the watching and the pending
        restarts; the children themselves are left to ``stop_all``.
        """
        gave_up: asyncio.Future[Child] = asyncio.get_running_loop().create_future()
        watchers = [
            asyncio.create_task(self._keep(child, gave_up), name=f"keep-{child.name}")
            for child in self.children
        ]
        try:
            return await gave_up
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)

    async def _keep(self, child: Child, gave_up: asyncio.Future[Child]) -> None:
        policy = self.restart
        while True:
            code = await child.wait()
            now = time.monotonic()
            child.crashes = [t for t in child.crashes if now - t < policy.window] + [now]
            if len(child.crashes) > policy.max_restarts:
                self._say(
                    f"{child.name} exited (code {code}), {len(child.crashes)} time(s) in "
                    f"{policy.window:g}s; not restarting it"
                )
                if not gave_up.done():
                    gave_up.set_result(child)
                return
            delay = policy.delay(len(child.crashes))
            self._say(f"{child.name} exited (code {code}); restarting it in {delay:g}s")
            await asyncio.sleep(delay)
            await child.start(self.env, self.width, self.echo)
            child.restarts += 1
            self._say(f"restarted {child.name} (pid {child.pid}, restart {child.restarts})")

    def kill_all(self) -> None:
        """SIGKILL every running child at once (a second Ctrl-C)."""
        for child in self.children:
            if child.running and child.process is not None:
                try:
                    child.process.kill()
                except ProcessLookupError:
                    pass

    async def stop_all(self, timeout: float) -> dict[str, int]:
        """Stop the newest group first (api, then engines, then store); returns exit codes by name."""
        codes: dict[str, int] = {}
        for group in reversed(self.groups):
            running = [child for child in group if child.running]
            for child in running:
                self.echo(f"{'up':<{self.width}} | stopping {child.name} (pid {child.pid})")
            results = await asyncio.gather(*(child.stop(timeout) for child in group), return_exceptions=True)
            for child, result in zip(group, results, strict=True):
                codes[child.name] = result if isinstance(result, int) else -1
        return codes


def _discard(_line: str) -> None:
    """An echo that drops output once ours can no longer be written."""
