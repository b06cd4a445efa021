"""``ember broker-users`` without --apply: the definitions on stdout, each service's URL on stderr."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from services.cli.broker_users import service_url
from services.cli.main import app


def test_prints_definitions_and_the_url_each_service_takes() -> None:
    env = {
        "EMBER_RPC__TRANSPORT_URL": "amqp://guest:guest@broker.example:5673/",
        "EMBER_RPC__ENGINE_TOPIC": "eng",
    }
    result = CliRunner().invoke(app, ["broker-users", "--vhost", "prod", "--prefix", "p-"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [u["name"] for u in doc["users"]] == ["p-api", "p-engine", "p-store"]
    assert {p["vhost"] for p in doc["permissions"]} == {"prod"}
    api = next(p for p in doc["topic_permissions"] if p["user"] == "p-api")
    assert re.search(api["write"], "eng.e1") and not re.search(api["write"], "store")
    urls = dict(re.findall(r"(\w+): EMBER_RPC__TRANSPORT_URL=(\S+)", result.stderr))
    assert set(urls) == {"api", "engine", "store"}
    assert all(
        u.startswith(f"amqp://p-{s}:") and u.endswith("@broker.example:5673/prod") for s, u in urls.items()
    )
    assert '["p-engine"]' in result.stderr


def test_service_url_quotes_what_a_url_cannot_hold() -> None:
    assert service_url("amqps://h/", "a b", "p@ss/w", "v/1") == "amqps://a%20b:p%40ss%2Fw@h/v%2F1"
    assert (
        service_url("amqps://[::1]:5671/?cafile=/ca.pem", "u", "p", "v")
        == "amqps://u:p@[::1]:5671/v?cafile=/ca.pem"
    )
