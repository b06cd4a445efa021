"""Target addressing and API version parsing/compatibility."""

from __future__ import annotations

import pytest

from shared.rpc.target import Target, parse_version, version_is_compatible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.0", (1, 0)),
        ("1.36", (1, 36)),
        ("2", (2, 0)),
        ("1.", (1, 0)),
        ("10.200", (10, 200)),
        ("0.1", (0, 1)),
    ],
)
def test_parse_version(text: str, expected: tuple[int, int]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "banana", "1.x", "x.1", "1.2.3", "1.0-beta", "."])
def test_parse_version_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_version(text)


@pytest.mark.parametrize(
    ("implemented", "requested", "compatible"),
    [
        ("1.3", "1.0", True),
        ("1.3", "1.3", True),
        ("1.3", "1.4", False),
        ("1.3", "2.0", False),
        ("2.0", "1.9", False),
        ("1.36", "1.4", True),  # minors compare as numbers, not text
        ("1.4", "1.36", False),
        ("1", "1.0", True),
    ],
)
def test_version_compatibility(implemented: str, requested: str, compatible: bool) -> None:
    assert version_is_compatible(implemented, requested) is compatible


def test_routing_key_is_topic_or_topic_dot_server() -> None:
    assert Target(topic="engine").routing_key == "engine"
    assert Target(topic="engine", server="e1").routing_key == "engine.e1"


def test_routing_key_needs_a_topic() -> None:
    with pytest.raises(ValueError):
        _ = Target(server="e1").routing_key


def test_with_changes_only_what_is_given() -> None:
    base = Target(topic="engine", version="1.2", namespace="ns")
    changed = base.with_(server="e1", version=None, topic=None)
    assert changed == Target(topic="engine", server="e1", version="1.2", namespace="ns")
    assert base.server is None  # frozen: the original is untouched
