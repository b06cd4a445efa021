"""Settings: YAML file, EMBER_<SECTION>__<KEY> overrides, and errors that name the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.config import Settings, load_settings, settings_reference
from shared.exceptions import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No EMBER_* variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.startswith("EMBER_"):
            monkeypatch.delenv(name)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ember.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.rpc.control_exchange == "ember"
    assert settings.rpc.rpc_response_timeout == 60.0
    assert settings.engine.concurrency == 64


def test_values_come_from_the_yaml_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "rpc:\n  control_exchange: heat\n  rpc_response_timeout: 5\nengine:\n  concurrency: 8\n"
        "api:\n  tokens:\n    secret: {user_id: u1, project_id: p1, roles: [admin]}\n",
    )
    settings = load_settings(path)
    assert settings.rpc.control_exchange == "heat"
    assert settings.rpc.rpc_response_timeout == 5.0
    assert settings.rpc.heartbeat == 60  # untouched keys keep their default
    assert settings.engine.concurrency == 8
    assert settings.api.tokens["secret"].roles == ["admin"]


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "rpc:\n  control_exchange: from-file\n  heartbeat: 10\n")
    monkeypatch.setenv("EMBER_RPC__CONTROL_EXCHANGE", "from-env")
    settings = load_settings(path)
    assert settings.rpc.control_exchange == "from-env"
    assert settings.rpc.heartbeat == 10  # the file still supplies what the environment does not


def test_environment_overrides_defaults_and_is_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBER_ENGINE__CONCURRENCY", "12")
    monkeypatch.setenv("EMBER_RPC__AMQP_DURABLE_QUEUES", "true")
    monkeypatch.setenv("EMBER_MODE", "production")
    settings = load_settings()
    assert settings.engine.concurrency == 12
    assert settings.rpc.amqp_durable_queues is True
    assert settings.mode == "production"


def test_config_file_can_be_named_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBER_CONFIG_FILE", str(_write(tmp_path, "store:\n  concurrency: 3\n")))
    assert load_settings().store.concurrency == 3


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("rpc:\n  control_exchang: typo\n", "rpc.control_exchang"),
        ("rcp:\n  control_exchange: typo\n", "rcp"),
        ("api:\n  tokens:\n    t: {user_id: u, project_id: p, colour: red}\n", "api.tokens.t.colour"),
        ("rpc:\n  heartbeat: often\n", "rpc.heartbeat"),
        ("rpc:\n  rpc_response_timeout: 0\n", "rpc.rpc_response_timeout"),
        ("engine:\n  concurrency: [1, 2]\n", "engine.concurrency"),
        ("logging:\n  level: LOUD\n", "logging.level"),
        ("api:\n  bind_port: 70000\n", "api.bind_port"),
        ("rpc: 5\n", "rpc"),
        ("mode: staging\n", "mode"),
    ],
)
def test_unknown_keys_and_wrong_types_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, text))
    message = str(info.value)
    assert f"{named}:" in message
    assert str(tmp_path / "ember.yaml") in message


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("EMBER_RPC__HEARTBEAT", "often", "rpc.heartbeat"),
        ("EMBER_ENGINE__CONCURRENCY", "0", "engine.concurrency"),
        ("EMBER_RPC__BOGUS", "1", "rpc.bogus"),
    ],
)
def test_bad_environment_values_name_the_key(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert f"{named}:" in str(info.value)


def test_bad_yaml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(_write(tmp_path, "rpc:\n  control_exchange: [unclosed\n"))


def test_yaml_that_is_not_a_mapping_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(_write(tmp_path, "- rpc\n- engine\n"))


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(_write(tmp_path, "")) == Settings()


def test_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_settings(missing)
    assert "cannot read config file" in str(info.value) and str(missing) in str(info.value)


def test_reference_lists_every_key_with_its_variable() -> None:
    rows = {key: env for key, env, _, _ in settings_reference()}
    assert rows["rpc.control_exchange"] == "EMBER_RPC__CONTROL_EXCHANGE"
    assert rows["mode"] == "EMBER_MODE"
