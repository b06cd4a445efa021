"""Software config inputs/outputs, a deployment's signal outcome and structured input substitution."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.resources.builtin.software_deployment import substitute_inputs
from services.engine.resources.software_io import check_io, signal_outcome, stored_config
from shared.exceptions import StackValidationFailed

CONFIG = {"outputs": [{"name": "result"}, {"name": "oops", "error_output": True}]}


def test_io_gets_heat_defaults_and_names_a_bad_entry() -> None:
    assert check_io([{"name": "a"}], "inputs") == [{"name": "a", "type": "String"}]
    assert check_io([{"name": "a", "replace_on_change": True}], "inputs")[0]["replace_on_change"] is True
    assert check_io([{"name": "o"}], "outputs") == [{"name": "o", "type": "String", "error_output": False}]
    with pytest.raises(StackValidationFailed, match=r"outputs\[1\]\.name"):
        check_io([{"name": "o"}, {}], "outputs")
    with pytest.raises(StackValidationFailed, match="options"):
        stored_config("x", [], [], ["not", "a", "map"])


def test_outcome_of_a_clean_run_keeps_declared_and_standard_outputs() -> None:
    values, event = signal_outcome("d1", CONFIG, {}, {"deploy_stdout": "hi", "result": 42, "other": 1})
    assert values == {
        "output_values": {
            "result": 42,
            "deploy_stdout": "hi",
            "deploy_stderr": None,
            "deploy_status_code": None,
        },
        "status": "COMPLETE",
        "status_reason": "Outputs received",
    }
    assert event == "deployment d1 succeeded"


def test_outcome_of_a_failure_names_every_reason() -> None:
    values, event = signal_outcome("d1", CONFIG, {}, {"deploy_status_code": 3, "oops": "bad"})
    assert values["status"] == "FAILED"
    assert values["status_reason"] == (
        "deploy_status_code : Deployment exited with non-zero status code: 3, oops : bad"
    )
    assert event == "deployment d1 failed"


@given(
    st.one_of(
        st.none(), st.text(), st.integers(), st.lists(st.integers()), st.dictionaries(st.text(), st.text())
    )
)
def test_any_signal_body_gives_a_status(details: Any) -> None:
    values, _event = signal_outcome("d", CONFIG, {"kept": 1}, details)
    assert values["status"] in ("COMPLETE", "FAILED")
    assert values["output_values"]["kept"] == 1


def test_structured_inputs_are_substituted_everywhere() -> None:
    config = {"a": {"get_input": "x"}, "b": [{"get_input": "y"}, 3], "c": {"get_input": "x", "d": 1}}
    assert substitute_inputs(config, {"x": 1, "y": "two"}, "get_input", False) == {
        "a": 1,
        "b": ["two", 3],
        "c": {"get_input": "x", "d": 1},
    }
    assert substitute_inputs({"a": {"get_input": "z"}}, {}, "get_input", False) == {"a": None}
    with pytest.raises(StackValidationFailed, match="Unknown input z"):
        substitute_inputs({"a": {"get_input": "z"}}, {}, "get_input", True)
