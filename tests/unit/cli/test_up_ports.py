"""``ember up -n N``: each engine gets a metrics port of its own (else only the first is scraped)."""

from __future__ import annotations

from services.cli.up import engine_metrics_ports
from shared.config import Settings


def test_engines_get_consecutive_metrics_ports_around_the_store_s() -> None:
    settings = Settings()  # engine_port 9180, store_port 9181
    names = ["engine-1", "engine-2", "engine-3"]
    assert engine_metrics_ports(settings, names) == {"engine-1": 9180, "engine-2": 9182, "engine-3": 9183}
    assert engine_metrics_ports(settings, ["engine"]) == {"engine": 9180}


def test_configured_ports_are_the_base_and_0_means_any_free_port_for_each() -> None:
    moved = Settings(metrics={"engine_port": 9300, "store_port": 9400})
    assert engine_metrics_ports(moved, ["engine-1", "engine-2"]) == {"engine-1": 9300, "engine-2": 9301}
    anywhere = Settings(metrics={"engine_port": 0})
    assert engine_metrics_ports(anywhere, ["engine-1", "engine-2"]) == {"engine-1": 0, "engine-2": 0}
