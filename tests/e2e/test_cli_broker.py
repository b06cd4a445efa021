"""What ``ember up`` and ``ember rpc`` say when the real RabbitMQ will not have them (issue 17)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import AMQP_URL
from tests.e2e.conftest import EXAMPLES, ROOT, free_port, isolated_env

pytestmark = pytest.mark.slow


def with_url(url: str, user: str | None = None, password: str | None = None, vhost: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user or parts.username}:{password or parts.password}@{host}:{parts.port or 5672}"
    return urlunsplit((parts.scheme, netloc, f"/{vhost}" if vhost else parts.path, "", ""))


def ember(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from services.cli.main import app; app()", *args],
        cwd=ROOT,
        env=isolated_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_up_names_a_missing_vhost_and_how_to_add_it(tmp_path: Path) -> None:
    url = with_url(AMQP_URL, vhost="no-such-vhost-e2e")
    result = ember("up", "--data-dir", str(tmp_path), "--transport-url", url)
    assert result.returncode == 1, result
    assert "has no vhost 'no-such-vhost-e2e'" in result.stderr, result.stderr
    assert "rabbitmqctl add_vhost no-such-vhost-e2e" in result.stderr
    assert "set_permissions -p no-such-vhost-e2e" in result.stderr
    assert "object at 0x" not in result.stderr and "Start RabbitMQ" not in result.stderr


def test_up_says_wrong_credentials_are_wrong(tmp_path: Path) -> None:
    result = ember(
        "up", "--data-dir", str(tmp_path), EMBER_RPC__TRANSPORT_URL=with_url(AMQP_URL, password="wrong")
    )
    assert result.returncode == 1, result
    assert "refused the login of user" in result.stderr, result.stderr
    assert "wrong" not in result.stderr.split("refused", 1)[0]  # the password is not echoed


def test_rpc_create_stack_without_a_broker_prints_one_clear_error() -> None:
    result = ember(
        "rpc", "create-stack", "x", "-t", str(EXAMPLES / "outputs.yaml"),
        EMBER_RPC__TRANSPORT_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/",
    )  # fmt: skip
    assert result.returncode == 1, result
    assert result.stderr.startswith("ERROR: RabbitMQ is not reachable"), result.stderr
    assert "error when creating transport" not in result.stderr
