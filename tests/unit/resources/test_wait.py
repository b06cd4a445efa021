"""Wait condition handles and wait conditions as plugins, against the fake host."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.lifecycle.signals import signal_reason
from services.engine.resources.builtin import (
    CfnWaitCondition,
    CfnWaitConditionHandle,
    HeatWaitCondition,
    HeatWaitConditionHandle,
)
from shared.exceptions import ResourceFailure, StackValidationFailed
from tests.unit.resources.conftest import FakeHost


async def _handle(host: FakeHost, cls: Any = HeatWaitConditionHandle, **props: Any) -> Any:
    handle = cls("handle", props, host)
    await handle.handle_create()
    host.resources["handle"] = (handle.resource_id, cls.type_name, handle.metadata)
    return handle


async def test_native_handle_fills_in_a_bare_signal_and_numbers_it(host: FakeHost) -> None:
    handle = await _handle(host)
    assert await handle.handle_signal(None) == "status:SUCCESS reason:Signal 1 received"
    assert await handle.handle_signal({"status": "FAILURE", "reason": "no", "id": "x"}) == (
        "status:FAILURE reason:no"
    )
    assert handle.metadata == {
        "1": {"status": "SUCCESS", "reason": "Signal 1 received", "data": None},
        "x": {"status": "FAILURE", "reason": "no", "data": None},
    }


async def test_handle_attributes_name_its_endpoint_and_token(host: FakeHost) -> None:
    handle = await _handle(host)
    token, endpoint = handle.get_attribute("token"), handle.get_attribute("endpoint")
    assert endpoint == host.signal_endpoint("handle") and len(token) >= 32
    assert handle.get_attribute("curl_cli") == (
        f"curl -i -X POST -H 'X-Auth-Token: {token}' -H 'Content-Type: application/json' "
        f"-H 'Accept: application/json' {endpoint}"
    )
    assert json.loads(handle.get_attribute("signal")) == {"alarm_url": endpoint, "token": token}
    assert handle.signal_token() == token
    silent = await _handle(host, signal_transport="NO_SIGNAL")
    assert silent.get_attribute("curl_cli") is None and silent.signal_token() is None


def test_cloud_only_transports_are_refused() -> None:
    with pytest.raises(StackValidationFailed, match="signal_transport: ZAQAR_SIGNAL needs a cloud"):
        HeatWaitConditionHandle.validate_properties("h", {"signal_transport": "ZAQAR_SIGNAL"})


@given(
    st.one_of(
        st.none(), st.integers(), st.text(), st.lists(st.integers()), st.dictionaries(st.text(), st.text())
    )
)
async def test_cfn_handle_takes_only_its_four_keys(details: Any) -> None:
    handle = CfnWaitConditionHandle("h", {}, FakeHost())
    await handle.handle_create()
    if details is None:
        assert await handle.handle_signal(details) is None
        return
    with pytest.raises(ValueError, match="Metadata format invalid"):
        await handle.handle_signal(details)
    assert handle.metadata == {}


async def test_wait_condition_counts_successes_and_fails_on_a_failure(host: FakeHost) -> None:
    handle = await _handle(host)
    wait = HeatWaitCondition("wait", {"handle": handle.resource_id, "count": 2, "timeout": 60}, host)
    token = await wait.handle_create()
    assert not await wait.check_create_complete(token)
    await handle.handle_signal({"data": "a"})
    assert not await wait.check_create_complete(token)
    await handle.handle_signal({"data": "b"})
    assert await wait.check_create_complete(token)
    await wait.prepare_attributes()
    assert json.loads(wait.get_attribute("data")) == {"1": "a", "2": "b"}
    await handle.handle_signal({"status": "FAILURE", "reason": "oops"})
    with pytest.raises(ResourceFailure, match=r"WaitConditionFailure: resources\.wait: oops"):
        await wait.check_create_complete(token)


async def test_deleting_a_wait_condition_clears_its_handles_signals(host: FakeHost) -> None:
    handle = await _handle(host)
    wait = HeatWaitCondition("wait", {"handle": handle.resource_id, "count": 1, "timeout": 60}, host)
    await wait.handle_create()
    await handle.handle_signal({"data": "a"})
    assert host.resources["handle"][2]
    await wait.handle_delete()
    assert host.resources["handle"][2] == {}
    host.resources.pop("handle")
    await wait.handle_delete()  # the handle gone already: nothing to clear, no error


async def test_wait_condition_refuses_what_is_not_a_handle(host: FakeHost) -> None:
    host.resources["plain"] = ("p-1", "OS::Heat::None", {})
    wait = HeatWaitCondition("wait", {"handle": "p-1", "timeout": 5}, host)
    with pytest.raises(ResourceFailure, match="plain is not a valid wait condition handle"):
        await wait.handle_create()


async def test_cfn_wait_condition_checks_the_url_is_this_stacks(host: FakeHost) -> None:
    handle = await _handle(host, CfnWaitConditionHandle)
    url = handle.get_reference_id()
    wait = CfnWaitCondition("wait", {"Handle": url, "Timeout": 5}, host)
    assert not await wait.check_create_complete(await wait.handle_create())
    foreign = CfnWaitCondition("wait", {"Handle": url.replace("/mystack/", "/other/"), "Timeout": 5}, host)
    with pytest.raises(ResourceFailure, match="WaitCondition invalid Handle stack other"):
        await foreign.handle_create()


def test_signal_event_reasons_follow_heat() -> None:
    assert signal_reason(None, None) == "No signal details provided"
    assert signal_reason("hello", None) == "hello"
    assert signal_reason({"previous": "ok", "current": "alarm", "reason": "cpu"}, None) == (
        "alarm state changed from ok to alarm (cpu)"
    )
    assert signal_reason({"x": 1}, None) == "Unknown"
    assert signal_reason({}, "status:SUCCESS reason:r") == "Signal: status:SUCCESS reason:r"
