"""The README's run command, ``scripts/up`` (-> ``ember up``), as a newcomer runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import EXAMPLES, ROOT, free_port, isolated_env, pid_exists, wait_for

pytestmark = pytest.mark.slow

STARTED = re.compile(r"started (?P<name>[\w-]+) \(pid (?P<pid>\d+)\)")


class Output:
    """A process's output lines, collected by a thread so reading never blocks the test."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def join(self) -> None:
        self._thread.join(10)


def test_scripts_up_runs_ember_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    env = isolated_env()
    del env["EMBER_API__BIND_PORT"]  # given on the command line, as a user would
    process = subprocess.Popen(
        [
            str(ROOT / "scripts" / "up"),
            "--engines",
            "2",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = Output(process)
    try:
        # Up to two minutes: on a fresh clone scripts/up installs Ember first.
        wait_for(
            "ember up to say it is up", lambda: "Ember is up" in out.text or process.poll() is not None, 180
        )
        assert process.poll() is None, out.text
        assert f"API: http://127.0.0.1:{port}/v1/<project>" in out.text
        assert "ember --url" in out.text and "stack create" in out.text  # a first command to try
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert (tmp_path / "data" / "ember.sqlite").exists()
        for name in ("store", "engine-1", "engine-2", "api"):
            assert re.search(rf"^{name}\s+\| ", out.text, re.MULTILINE), f"no prefixed log line of {name}"
        children = {m["name"]: int(m["pid"]) for m in STARTED.finditer(out.text)}
        assert set(children) == {"store", "engine-1", "engine-2", "api"}, out.text

        process.send_signal(signal.SIGINT)
        code = process.wait(90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        out.join()
    assert code == 0, out.text
    order = [m["name"] for m in re.finditer(r"stopping (?P<name>[\w-]+) \(pid", out.text)]
    assert order[0] == "api" and order[-1] == "store" and set(order[1:3]) == {"engine-1", "engine-2"}, order
    assert "ember up: stopped" in out.text
    assert not [name for name, pid in children.items() if pid_exists(pid)], out.text


def test_ember_up_without_a_broker_says_how_to_start_one(tmp_path: Path) -> None:
    env = isolated_env(EMBER_RPC__TRANSPORT_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    result = subprocess.run(
        [sys.executable, "-c", "from services.cli.main import app; app()", "up", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # never hangs: it gives up on the broker by itself
    )
    assert result.returncode == 1, result
    assert "RabbitMQ is not reachable" in result.stderr
    for hint in (
        "rabbitmq-server -detached",
        "systemctl start rabbitmq-server",
        "docker compose up -d rabbitmq",
    ):
        assert hint in result.stderr
    assert "started" not in result.stdout


def _ember(*args: str, url: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed ``ember`` command, as a shell script runs it."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "ember"), "--url", url, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ember_up_restarts_a_crashed_engine_and_a_script_deletes_stacks_through_a_pipe(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = isolated_env()
    process = subprocess.Popen(
        [sys.executable, "-c", "from services.cli.main import app; app()", "up", "--engines", "2",
         "--port", str(port), "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    out = Output(process)
    try:
        wait_for("ember up", lambda: "Ember is up" in out.text or process.poll() is not None, 120)
        assert process.poll() is None, out.text
        children = {m["name"]: int(m["pid"]) for m in STARTED.finditer(out.text)}

        # One engine killed: only it comes back; the store, the api and the other engine stay.
        os.kill(children["engine-1"], signal.SIGKILL)
        wait_for("the engine's restart", lambda: "restarted engine-1 (pid" in out.text, 60)
        assert "engine-1 exited (code -9); restarting it in 1s" in out.text, out.text
        for name in ("store", "engine-2", "api"):
            assert pid_exists(children[name]), f"{name} went down with the engine\n{out.text}"

        # The script: list ids, pipe them into a delete that asks nothing.
        names = [f"pipe-{i}" for i in range(3)]
        for name in names:
            created = _ember("stack", "create", name, "-t", str(EXAMPLES / "outputs.yaml"), "--wait", url=url)
            assert created.returncode == 0, created.stdout + created.stderr
        listed = _ember("stack", "list", "-f", "value", "-c", "id", url=url)
        assert len(listed.stdout.split()) == 3, listed
        pipeline = subprocess.run(
            f"{Path(sys.executable).parent / 'ember'} --url {url} stack list -f value -c id"
            f" | xargs {Path(sys.executable).parent / 'ember'} --url {url} stack delete --yes --wait",
            shell=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert pipeline.returncode == 0, pipeline.stdout + pipeline.stderr
        assert pipeline.stdout.count("DELETE_COMPLETE:") == 3, pipeline.stdout
        assert _ember("stack", "list", "-f", "value", url=url).stdout.strip() == ""

        process.send_signal(signal.SIGINT)
        code = process.wait(90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        out.join()
    assert code == 0, out.text
    # One 'serving topic' line per start of the store and of an engine (engine-1 started twice).
    assert out.text.count("serving topic") == 4, out.text


def test_ember_up_with_two_engines_gives_each_its_own_metrics_port(tmp_path: Path) -> None:
    """Else the second engine cannot listen and a scrape sees the first engine only."""
    port, base, store_port = free_port(), free_port(), free_port()
    env = isolated_env(
        EMBER_METRICS__ENABLED="true",
        EMBER_METRICS__ENGINE_PORT=str(base),
        EMBER_METRICS__STORE_PORT=str(store_port),
    )
    del env["EMBER_API__BIND_PORT"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from services.cli.main import app; app()", *_up_args(port, tmp_path)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = Output(process)
    try:
        wait_for(
            "ember up to say it is up", lambda: "Ember is up" in out.text or process.poll() is not None, 180
        )
        assert process.poll() is None, out.text
        second = base + 1 if base + 1 != store_port else base + 2
        assert (
            f"engine-1 http://127.0.0.1:{base}/metrics, engine-2 http://127.0.0.1:{second}/metrics"
            in out.text
        )
        for engine_port in (base, second):
            wait_for(
                f"metrics on {engine_port}",
                lambda p=engine_port: f"metrics on http://127.0.0.1:{p}/metrics" in out.text,
                30,
            )
            scraped = httpx.get(f"http://127.0.0.1:{engine_port}/metrics", timeout=10)
            assert scraped.status_code == 200 and "ember_rpc_server_requests_total" in scraped.text
        assert "cannot listen" not in out.text, out.text
        process.send_signal(signal.SIGINT)
        process.wait(90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        out.join()


def _up_args(port: int, data_dir: Path) -> list[str]:
    return ["up", "-n", "2", "--port", str(port), "--data-dir", str(data_dir)]
