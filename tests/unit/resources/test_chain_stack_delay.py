"""ResourceChain's members, OS::Heat::Stack's checks and Delay's wait, against the fake host."""

from __future__ import annotations

import pytest

from services.engine.resources.builtin import Delay, HeatStack, ResourceChain
from shared.exceptions import StackValidationFailed
from tests.unit.resources.conftest import FakeHost, run_create


def test_a_chain_orders_its_members_unless_concurrent(host: FakeHost) -> None:
    chain = ResourceChain("c", {"resources": ["A::B", "C::D"], "resource_properties": {"x": 1}}, host)
    assert chain.child_template()["resources"] == {
        "0": {"type": "A::B", "properties": {"x": 1}},
        "1": {"type": "C::D", "properties": {"x": 1}, "depends_on": ["0"]},
    }
    together = ResourceChain("c", {"resources": ["A::B", "C::D"], "concurrent": True}, host)
    assert "depends_on" not in together.child_template()["resources"]["1"]
    with pytest.raises(StackValidationFailed, match=r"resources\[1\]: must be a type name"):
        ResourceChain.validate_properties("c", {"resources": ["A::B", ""]})


def test_a_stack_refuses_a_remote_context_and_a_bad_template() -> None:
    with pytest.raises(StackValidationFailed, match=r"context\.region_name"):
        HeatStack.validate_properties("s", {"template": "{}", "context": {"region_name": "far"}})
    with pytest.raises(StackValidationFailed, match=r"properties\.template: the template must be a map"):
        HeatStack.validate_properties("s", {"template": "- a list"})


async def test_a_delay_waits_only_during_its_actions(host: FakeHost) -> None:
    delay = Delay("d", {"min_wait": 0.05, "actions": ["DELETE"]}, host)
    token = await delay.handle_create()
    assert await delay.check_create_complete(token)  # CREATE is not one of its actions
    waiting = await delay.handle_delete()
    assert waiting["deadline"] > token["deadline"]
    await run_create(Delay("e", {"min_wait": 0.05}, host))
