"""``python -m services.api --config-file F`` serves the gateway on api.bind_host:bind_port."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from shared.config import RpcSettings
from tests.integration.api.conftest import TENANT, EngineBackend, free_port


async def test_python_m_services_api_serves_the_routes(
    tmp_path: Path, rpc_settings: RpcSettings, engine_backend: EngineBackend
) -> None:
    port = free_port()
    config = tmp_path / "ember.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "rpc": {
                    "transport_url": rpc_settings.transport_url,
                    "control_exchange": rpc_settings.control_exchange,
                    "engine_topic": engine_backend.topic,
                    "store_topic": engine_backend.store_topic,
                },
                "api": {"bind_port": port, "auth_strategy": "noauth"},
                "logging": {"level": "DEBUG"},  # access lines are DEBUG
            }
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.api", "--config-file", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(150):
                try:
                    health = await client.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the gateway did not start")
            assert health.status_code == 200, health.text
            resp = await client.get(f"/v1/{TENANT}/stacks")
            assert resp.status_code == 200
            request_id = resp.headers["x-openstack-request-id"]
    finally:
        proc.terminate()
        output, _ = await asyncio.to_thread(proc.communicate, timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells the signal.
    assert proc.returncode in (0, -15), output.decode()
    assert "Application shutdown complete" in output.decode()
    # The access line names the request id the caller saw.
    assert request_id in output.decode()


def test_a_bad_config_file_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("api: {bind_port: nope}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "services.api", "--config-file", str(config)], capture_output=True, timeout=60
    )
    assert proc.returncode == 2
    assert b"api.bind_port" in proc.stderr
