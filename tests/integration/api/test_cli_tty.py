"""``ember stack create --wait`` on a real terminal (a pseudo-terminal): the live table is drawn in
place, shows resources moving, and the final line stands on its own line after it.

CliRunner is no terminal, so this runs the installed ``ember`` as a process on a pty against the
live gateway (and the real engine), reading everything it draws.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.integration.api.conftest import TENANT, EngineBackend, unique_name

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
BOX = "┃│┏┓┗┛┡┩└┘┌┐━─╇╈┳┻╋"


def run_on_a_terminal(argv: list[str], env: dict[str, str], timeout: float = 90) -> tuple[int, str]:
    """Run ``argv`` with a pty as its stdin/stdout/stderr; its exit code and everything it wrote."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


async def test_wait_on_a_terminal_draws_a_live_table_then_the_result(
    live_server: str, engine_backend: EngineBackend, tmp_path: Path
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "first": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.6}},
            "second": {
                "type": "OS::Heat::TestResource",
                "properties": {"wait_secs": 0.3},
                "depends_on": ["first"],
            },
        },
    }
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(template))
    name = unique_name("tty")
    env = {
        **os.environ,
        "EMBER_URL": live_server,
        "EMBER_TOKEN": "demo-token",
        "EMBER_PROJECT": TENANT,
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
    }
    env.pop("NO_COLOR", None)
    ember = str(Path(sys.executable).with_name("ember"))
    argv = [ember, "stack", "create", name, "-t", str(path), "--wait", "--poll", "0.1"]
    code, raw = await asyncio.to_thread(run_on_a_terminal, argv, env)
    text = ANSI.sub("", raw)
    assert code == 0, raw
    assert "\x1b[?25l" in raw and re.search(r"\x1b\[\d*A", raw), "drawn in place (cursor hidden, moved up)"
    assert any(ch in text for ch in BOX), "a table"
    assert "CREATE_IN_PROGRESS" in text and "first" in text and "second" in text
    lines = [line for line in text.splitlines() if line.strip()]
    last = lines[-1]
    assert "CREATE_COMPLETE" in last and name in last, last
    assert not any(ch in last for ch in BOX), f"the result glued to the table: {last!r}"
