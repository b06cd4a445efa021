"""The README's stock-client commands (``openstack ... stack list``, ``heat ... stack-list``) run as written.

They use no Keystone and no token check, so they meet a gateway with
``auth_strategy: noauth`` (what ``ember up`` runs by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from shared.config import RpcSettings
from tests.integration.api.conftest import (
    TENANT,
    EngineBackend,
    backend_app,
    free_port,
    make_settings,
    unique_name,
)
from tests.integration.api.test_cli import ember, ok

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
async def noauth_server(rpc_settings: RpcSettings, engine_backend: EngineBackend) -> AsyncIterator[str]:
    settings = make_settings(rpc_settings, auth_strategy="noauth")
    app = backend_app(settings, engine_backend)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("program", ["openstack", "heat"])
async def test_the_readmes_stock_client_command_lists_stacks(noauth_server: str, program: str) -> None:
    if not (BIN / program).exists():
        pytest.skip(f"{program} is not installed")
    [line] = re.findall(rf"^{program} .*$", README, re.MULTILINE)
    assert f"http://127.0.0.1:8004/v1/{TENANT}" in line
    argv = shlex.split(line.replace("http://127.0.0.1:8004", noauth_server))
    name = unique_name("stock")
    template = ROOT / "examples" / "outputs.yaml"
    ok(await ember(noauth_server, "stack", "create", name, "-t", str(template), "--wait", EMBER_TOKEN=""))
    result = await asyncio.to_thread(
        subprocess.run, [str(BIN / program), *argv[1:]], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert name in result.stdout, result.stdout + result.stderr
