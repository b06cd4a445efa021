"""``--wait``'s views: a delete keeps the resources it has removed in the live table."""

from __future__ import annotations

import pytest

from services.cli.watch import Progress, _merge, _Seen, event_line, watch_list


def test_a_deleted_resource_stays_in_view_as_delete_complete() -> None:
    seen = _Seen()
    _merge(seen, [{"resource_name": "a", "resource_status": "DELETE_IN_PROGRESS"}], deleting=True)
    rows = _merge(seen, [], deleting=True)
    assert rows == [
        {"resource_name": "a", "resource_status": "DELETE_COMPLETE", "resource_status_reason": ""}
    ]


def test_outside_a_delete_the_view_is_what_the_gateway_says() -> None:
    seen = _Seen()
    _merge(seen, [{"resource_name": "a", "resource_status": "CREATE_COMPLETE"}], deleting=False)
    assert _merge(seen, [], deleting=False) == []


def test_an_event_line_names_stack_and_resource() -> None:
    event = {
        "event_time": "T",
        "resource_name": "a",
        "resource_status": "CREATE_FAILED",
        "resource_status_reason": "boom",
    }
    assert event_line("web", event) == "T [web.a]: CREATE_FAILED  boom"
    assert event_line("web", {**event, "resource_name": "web"}) == "T [web]: CREATE_FAILED  boom"


def test_a_piped_list_watch_prints_one_line_per_change(capsys: pytest.CaptureFixture[str]) -> None:
    polls = iter(
        [
            [{"id": "1", "stack_name": "web", "stack_status": "CREATE_IN_PROGRESS"}],
            [{"id": "1", "stack_name": "web", "stack_status": "CREATE_IN_PROGRESS"}],
            [
                {"id": "1", "stack_name": "web", "stack_status": "CREATE_COMPLETE"},
                {"id": "2", "stack_name": "db", "stack_status": "CREATE_IN_PROGRESS"},
            ],
            [{"id": "2", "stack_name": "db", "stack_status": "CREATE_IN_PROGRESS"}],
        ]
    )
    remaining = [4]

    def done() -> bool:
        remaining[0] -= 1
        return remaining[0] == 0

    watch_list(lambda: next(polls), ["id", "stack_name"], Progress.lines, poll=0.01, done=done)
    assert capsys.readouterr().out.splitlines() == [
        "web CREATE_IN_PROGRESS",
        "web CREATE_COMPLETE",
        "db CREATE_IN_PROGRESS",
        "web GONE",
    ]
