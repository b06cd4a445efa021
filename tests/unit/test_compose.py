"""compose.yaml and the Dockerfile checked against the code, without Docker.

Docker is not available where these tests run, so nothing here starts a
container; instead each promise compose.yaml makes is checked against what it
names: commands are runnable modules, EMBER_* variables are real settings
(the settings model rejects unknown keys), healthchecks exist and call real
commands, dependencies wait for health, and the image installs the project
itself rather than a hand-copied list of packages.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import Settings
from shared.rpc.permissions import definitions, password_hash

ROOT = Path(__file__).resolve().parents[2]
EMBER_SERVICES = ("store", "engine", "api")
# ${NAME:-default} / ${NAME-default} / ${NAME}: compose's interpolation; unset names take the default.
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def services() -> dict[str, Any]:
    result: dict[str, Any] = compose()["services"]
    return result


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    env = env or {}
    return INTERPOLATION.sub(lambda m: env.get(m["name"], m["default"] or ""), value)


def environment(service: str, env: dict[str, str] | None = None) -> dict[str, str]:
    raw = services()[service].get("environment") or {}
    assert isinstance(raw, dict), f"{service}: write environment as a mapping"
    return {key: interpolate(str(value), env) for key, value in raw.items()}


def settings_from(variables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings built the way a container builds them: from its environment alone."""
    for key in [k for k in os.environ if k.startswith("EMBER_")]:
        monkeypatch.delenv(key)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_services_are_the_expected_ones() -> None:
    assert set(services()) == {"rabbitmq", "postgres", "store", "engine", "api", "api-proxy", "prometheus"}
    assert services()["rabbitmq"]["image"].startswith("rabbitmq:3-management")
    assert services()["postgres"]["profiles"] == ["postgres", "cluster"]
    assert services()["api-proxy"]["profiles"] == ["cluster"]
    assert services()["prometheus"]["profiles"] == ["observability"]
    assert all("profiles" not in services()[name] for name in ("rabbitmq", *EMBER_SERVICES))


@pytest.mark.parametrize("service", EMBER_SERVICES)
def test_command_is_a_runnable_module(service: str) -> None:
    command = services()[service]["command"]
    assert command[:2] == ["python", "-m"], command
    assert command[2] == f"services.{service}"
    result = subprocess.run(
        [sys.executable, "-m", command[2], *command[3:], "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", EMBER_SERVICES)
def test_every_ember_variable_is_a_setting(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    variables = environment(service)
    assert variables, f"{service} is configured by EMBER_* variables"
    assert all(key.startswith("EMBER_") for key in variables), variables
    settings = settings_from(variables, monkeypatch)  # extra="forbid": an unknown key fails here
    assert settings.rpc.transport_url == f"amqp://ember-{service}:ember-{service}-dev@rabbitmq:5672/ember"
    # Each variable landed on the field it names, so none is silently ignored.
    for key, value in variables.items():
        path = key.removeprefix("EMBER_").lower().split("__")
        field: Any = settings
        for part in path:
            field = getattr(field, part)
        shown = json.dumps(field) if isinstance(field, list) else str(field)
        assert shown.lower() == value.lower(), (key, field)


def test_the_broker_starts_with_one_least_privilege_user_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """etc/rabbitmq/definitions.json is what shared.rpc.permissions makes for compose's settings."""
    check_broker_definitions({}, "etc/rabbitmq/definitions.json", monkeypatch)
    api = settings_from(environment("api"), monkeypatch).rpc
    assert (api.publish_exchange, api.declare_exchanges) == ("ember.api", False)
    store = settings_from(environment("store"), monkeypatch).store
    assert store.trusted_broker_users == ["ember-engine"]


def check_broker_definitions(env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The definitions the broker loads under ``env`` are ``expected``, and what
    shared.rpc.permissions makes for the services' settings under ``env``."""
    mounts = [interpolate(m, env) for m in services()["rabbitmq"]["volumes"]]
    assert f"./{expected}:/etc/rabbitmq/definitions.json:ro" in mounts
    conf = next(m for m in mounts if m.startswith("./etc/rabbitmq/20-ember.conf:/etc/rabbitmq/conf.d/"))
    assert "load_definitions = /etc/rabbitmq/definitions.json" in (ROOT / conf.split(":")[0]).read_text()
    doc = json.loads((ROOT / expected).read_text())
    rpc = settings_from(environment("api", env), monkeypatch).rpc
    logins = {s: (f"ember-{s}", f"ember-{s}-dev") for s in EMBER_SERVICES}
    expected_doc = definitions(rpc, "ember", logins)
    for user in doc["users"]:  # each hash checked with its own salt
        salt = base64.b64decode(user["password_hash"])[:4]
        assert user["password_hash"] == password_hash(f"{user['name']}-dev", salt), user["name"]
    assert [p for p in doc["permissions"] if p["user"] != "ember-admin"] == expected_doc["permissions"]
    for key in ("topic_permissions", "exchanges", "bindings", "vhosts"):
        assert doc[key] == expected_doc[key], f"{key}: run ember broker-users --dev > {expected}"
    assert [u["name"] for u in doc["users"] if u["tags"]] == ["ember-admin"]


def test_store_database_defaults_to_sqlite_on_its_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    url = settings_from(environment("store"), monkeypatch).database.url
    assert url.startswith("sqlite+aiosqlite:////var/lib/ember/")
    volumes = services()["store"]["volumes"]
    assert "ember-data:/var/lib/ember" in volumes
    assert "ember-data" in compose()["volumes"]


def test_postgres_profile_points_the_store_at_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    pg = services()["postgres"]
    user = pg["environment"]["POSTGRES_USER"]
    password = pg["environment"]["POSTGRES_PASSWORD"]
    db = pg["environment"]["POSTGRES_DB"]
    documented = f"postgresql+asyncpg://{user}:{password}@postgres:5432/{db}"
    # The command the header comment (and the README) gives for the profile:
    assert f"EMBER_DB_URL={documented}" in (ROOT / "compose.yaml").read_text()
    url = settings_from(environment("store", {"EMBER_DB_URL": documented}), monkeypatch).database.url
    assert url == documented
    dependency = services()["store"]["depends_on"]["postgres"]
    assert dependency == {"condition": "service_healthy", "required": False}


def replicas(service: str, env: dict[str, str] | None = None) -> int:
    return int(interpolate(str(services()[service]["deploy"]["replicas"]), env))


def test_engine_runs_two_replicas_and_one_store_and_api() -> None:
    assert (replicas("engine"), replicas("store"), replicas("api")) == (2, 1, 1)


def test_api_publishes_8004_on_all_interfaces_of_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    api = services()["api"]
    assert "8004:8004" in [interpolate(p) for p in api["ports"]]
    settings = settings_from(environment("api"), monkeypatch)
    assert (settings.api.bind_host, settings.api.bind_port) == ("0.0.0.0", 8004)
    assert all("ports" not in services()[name] for name in ("store", "engine"))


@pytest.mark.parametrize("service", ["rabbitmq", "postgres", "api-proxy", *EMBER_SERVICES])
def test_every_service_has_a_healthcheck_and_restarts_on_failure(service: str) -> None:
    spec = services()[service]
    test = spec["healthcheck"]["test"]
    assert test[0] == "CMD" and len(test) > 1, test
    assert spec["restart"] == "on-failure"


def test_infrastructure_healthchecks() -> None:
    assert services()["rabbitmq"]["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
    assert services()["postgres"]["healthcheck"]["test"][1] == "pg_isready"


def test_ember_healthchecks_are_the_healthcheck_module() -> None:
    for service in EMBER_SERVICES:
        test = services()[service]["healthcheck"]["test"]
        assert test[1:5] == ["python", "-m", "services.healthcheck", service], test
    result = subprocess.run(
        [sys.executable, "-m", "services.healthcheck", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "{store,engine,api}" in result.stdout


def test_healthcheck_fails_fast_without_a_broker() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.healthcheck", "store", "--timeout", "3"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "EMBER_RPC__TRANSPORT_URL": "amqp://guest:guest@127.0.0.1:1/"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unhealthy: store" in result.stderr


@pytest.mark.parametrize(
    ("service", "needs"),
    [
        ("store", {"rabbitmq"}),
        ("engine", {"rabbitmq", "store"}),
        ("api", {"rabbitmq", "engine"}),
    ],
)
def test_services_wait_for_healthy_dependencies(service: str, needs: set[str]) -> None:
    depends = services()[service]["depends_on"]
    assert needs <= set(depends)
    for name, spec in depends.items():
        assert spec["condition"] == "service_healthy", (service, name)
        assert "healthcheck" in services()[name], f"{service} waits on {name}, which has no healthcheck"


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_image_installs_the_project_itself() -> None:
    lines = dockerfile()
    assert lines[0].startswith("FROM python:3.11-slim")
    copied = " ".join(line for line in lines if line.startswith("COPY"))
    for path in ("pyproject.toml", "shared", "services"):
        assert path in copied
    installs = [line for line in lines if "pip install" in line]
    assert len(installs) == 1, installs
    # `pip install .`: the dependencies are pyproject.toml's, with no extras, no editable
    # install and no package named by hand.
    after = installs[0].split("pip install", 1)[1].split("&&", 1)[0].split()
    assert after == ["."], after
    requirements = [line for line in lines if "requirements" in line]
    assert not requirements


def test_image_has_no_test_tools() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    text = " ".join(dockerfile())
    assert "[test]" not in text
    for requirement in extras["test"]:
        name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0]
        assert not re.search(rf"pip install[^&]*\b{re.escape(name)}\b", text), name


def test_image_runs_as_non_root() -> None:
    users = [line.split()[1] for line in dockerfile() if line.startswith("USER ")]
    assert users, "the Dockerfile sets USER"
    assert users[-1] not in ("root", "0"), users[-1]


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".git", "data"):
        assert path in ignored


def test_prometheus_scrapes_every_service_where_its_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    prometheus = services()["prometheus"]
    mounted = {v.split(":")[0]: v.split(":")[1] for v in prometheus["volumes"]}
    config_file = ROOT / "etc" / "prometheus.yml"
    assert mounted["./etc/prometheus.yml"] == "/etc/prometheus/prometheus.yml"
    assert f"--config.file={mounted['./etc/prometheus.yml']}" in prometheus["command"]
    jobs = {job["job_name"]: job for job in yaml.safe_load(config_file.read_text())["scrape_configs"]}
    assert set(jobs) == {"ember-api", "ember-engine", "ember-store"}
    api = settings_from(environment("api"), monkeypatch)
    assert jobs["ember-api"]["static_configs"][0]["targets"] == [f"api:{api.api.bind_port}"]
    assert jobs["ember-api"].get("metrics_path", "/metrics") == "/metrics"
    for service, job in (("engine", "ember-engine"), ("store", "ember-store")):
        settings = settings_from(environment(service), monkeypatch)
        assert settings.metrics.enabled and settings.metrics.bind_host == "0.0.0.0", service
        port = settings.metrics.engine_port if service == "engine" else settings.metrics.store_port
        assert jobs[job]["dns_sd_configs"][0] == {"names": [service], "type": "A", "port": port}


# --- the cluster profile (docker compose --env-file etc/cluster.env up) ---------------------


@cache
def cluster_env() -> dict[str, str]:
    """etc/cluster.env as compose reads an env file: NAME=value lines, # comments."""
    pairs = {}
    for line in (ROOT / "etc/cluster.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            pairs[name.strip()] = value.strip()
    return pairs


def test_cluster_env_turns_the_profile_on_and_names_only_variables_compose_uses() -> None:
    env = cluster_env()
    assert env["COMPOSE_PROFILES"] == "cluster"
    used = {m["name"] for m in INTERPOLATION.finditer((ROOT / "compose.yaml").read_text())}
    assert set(env) - {"COMPOSE_PROFILES"} <= used, set(env) - used
    assert "--env-file etc/cluster.env" in (ROOT / "compose.yaml").read_text()


def test_cluster_runs_three_engines_two_stores_on_postgres_and_two_apis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = cluster_env()
    assert (replicas("engine", env), replicas("store", env), replicas("api", env)) == (3, 2, 2)
    pg = services()["postgres"]["environment"]
    url = settings_from(environment("store", env), monkeypatch).database.url
    assert url == (
        f"postgresql+asyncpg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}"
    )
    # Store replicas encrypt credentials with one key: a file on the volume they all mount.
    store = settings_from(environment("store", env), monkeypatch).store
    mounted = {v.split(":")[1] for v in services()["store"]["volumes"]}
    assert store.key_file and str(Path(store.key_file).parent) in mounted


@pytest.mark.parametrize("service", EMBER_SERVICES)
def test_cluster_services_all_use_quorum_queues(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_from(environment(service, cluster_env()), monkeypatch).rpc.rabbit_quorum_queue
    assert not settings_from(environment(service), monkeypatch).rpc.rabbit_quorum_queue


def test_cluster_broker_definitions_declare_durable_exchanges_for_quorum_queues(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = f"etc/rabbitmq/{cluster_env()['EMBER_BROKER_DEFINITIONS']}"
    check_broker_definitions(cluster_env(), name, monkeypatch)
    exchanges = json.loads((ROOT / name).read_text())["exchanges"]
    assert all(e["durable"] for e in exchanges if e["type"] == "topic")


def test_cluster_apis_sit_behind_the_proxy_on_the_one_port(monkeypatch: pytest.MonkeyPatch) -> None:
    env = cluster_env()
    proxy = services()["api-proxy"]
    assert proxy["ports"] == ["8004:8004"]
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    # Each api replica publishes a loopback port of its own, so none takes 8004 from the proxy.
    (ports,) = [interpolate(p, env) for p in services()["api"]["ports"]]
    host, published, target = ports.rsplit(":", 2)
    first, last = (int(p) for p in published.split("-"))
    assert host == "127.0.0.1" and last - first + 1 == replicas("api", env) and target == "8004"

    mounted = dict(v.rsplit(":", 1)[0].split(":", 1) for v in proxy["volumes"])
    config = haproxy_config()
    assert mounted["./etc/haproxy/haproxy.cfg"] == "/usr/local/etc/haproxy/haproxy.cfg"
    assert f"bind :{proxy['ports'][0].split(':')[1]}" in config["frontend ember"]
    api = settings_from(environment("api", env), monkeypatch).api
    backend = config["backend ember-api"]
    assert "option httpchk GET /healthz" in backend
    (template,) = [line for line in backend if line.startswith("server-template ")]
    _, _, count, address, *options = template.split()
    assert address == f"api:{api.bind_port}" and int(count) >= replicas("api", env)
    assert "check" in options and options[options.index("resolvers") + 1] == "docker"
    assert any(
        line.startswith("nameserver ") and "127.0.0.11:53" in line for line in config["resolvers docker"]
    )


def haproxy_config() -> dict[str, list[str]]:
    """etc/haproxy/haproxy.cfg as its sections ("frontend ember": [lines]), comments dropped."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in (ROOT / "etc/haproxy/haproxy.cfg").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not raw[0].isspace():
            current = sections.setdefault(line, [])
        else:
            current.append(line.strip())
    return sections


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="no haproxy here to parse the config")
def test_haproxy_accepts_the_config() -> None:
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(ROOT / "etc/haproxy/haproxy.cfg")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
