"""python-heatclient's software_configs and software_deployments against the gateway and the real engine."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from heatclient import exc as heat_exc

from tests.integration.api.conftest import TENANT, unique_name
from tests.integration.api.test_heatclient import heat, run


@pytest.fixture
def hc(live_server: str, engine_backend: Any) -> Any:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    return heat(live_server)


async def test_heatclient_software_configs(hc: Any) -> None:
    name = unique_name("cfg")
    config = await run(
        hc.software_configs.create,
        name=name,
        group="script",
        config="#!/bin/sh\necho $foo",
        inputs=[{"name": "foo", "default": "x"}],
        outputs=[{"name": "result", "error_output": True}],
        options={"retries": 2},
    )
    shown = await run(hc.software_configs.get, config.id)
    assert (shown.name, shown.group, shown.config) == (name, "script", "#!/bin/sh\necho $foo")
    assert shown.inputs == [{"name": "foo", "default": "x", "type": "String"}]
    assert shown.outputs == [{"name": "result", "error_output": True, "type": "String"}]
    assert shown.options == {"retries": 2}
    assert config.id in [c.id for c in await run(hc.software_configs.list, limit=1000)]
    await run(hc.software_configs.delete, config.id)
    with pytest.raises(heat_exc.HTTPNotFound):
        await run(hc.software_configs.get, config.id)


async def test_heatclient_software_deployments(hc: Any) -> None:
    server = unique_name("srv")
    config = await run(hc.software_configs.create, name="z-cfg", group="script", config="true")
    deployment = await run(
        hc.software_deployments.create,
        config_id=config.id,
        server_id=server,
        input_values={"a": 1},
        action="CREATE",
        status="IN_PROGRESS",
        status_reason="Deploy data available",
    )
    assert [d.id for d in await run(hc.software_deployments.list, server_id=server)] == [deployment.id]
    metadata = await run(hc.software_deployments.metadata, server_id=server)
    assert [(c["name"], c["group"]) for c in metadata] == [("z-cfg", "script")]
    updated = await run(
        hc.software_deployments.update,
        deployment.id,
        status="COMPLETE",
        status_reason="Outputs received",
        output_values={"deploy_stdout": "done"},
    )
    assert (updated.status, updated.output_values) == ("COMPLETE", {"deploy_stdout": "done"})
    assert (await run(hc.software_deployments.get, deployment.id)).status_reason == "Outputs received"
    with pytest.raises(heat_exc.HTTPConflict):  # still referenced
        await run(hc.software_configs.delete, config.id)
    await run(hc.software_deployments.delete, deployment.id)
    await run(hc.software_configs.delete, config.id)


async def test_a_bad_config_is_a_400_naming_the_field(client: httpx.AsyncClient, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    resp = await client.post(
        f"/v1/{TENANT}/software_configs", json={"name": "x", "outputs": [{"type": "String"}]}
    )
    assert resp.status_code == 400, resp.text
    assert "outputs[0].name" in resp.json()["error"]["message"]
    missing = await client.post(f"/v1/{TENANT}/software_deployments", json={"config_id": "nope"})
    assert missing.status_code == 400 and "server_id" in missing.json()["error"]["message"]
