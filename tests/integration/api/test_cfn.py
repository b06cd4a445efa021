"""A CloudFormation-format template through python-heatclient: validate, create, outputs, template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.conftest import unique_name
from tests.integration.api.test_heatclient import heat, run
from tests.integration.api.test_update import _wait as wait_until

CFN = (Path(__file__).resolve().parents[3] / "examples" / "cloudformation.yaml").read_text()


async def test_heatclient_runs_a_cloudformation_template(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    hc = heat(live_server)
    validated = await run(hc.stacks.validate, template=CFN)
    assert set(validated["Parameters"]) == {"Environment", "Replicas"}
    name = unique_name("cfn")
    await run(hc.stacks.create, stack_name=name, template=CFN, parameters={"Environment": "prod"})
    stack = await wait_until(hc, name, ("CREATE_COMPLETE", "CREATE_FAILED"))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert outputs["Monitored"] == "yes" and outputs["Summary"].startswith(f"{name}/large/")
    assert (await run(hc.stacks.template, stack.id))["AWSTemplateFormatVersion"] == "2010-09-09"
