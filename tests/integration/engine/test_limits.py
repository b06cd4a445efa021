"""Heat's per-project stack limit (engine.max_stacks_per_tenant), over the bus."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.clients.engine import API_VERSION
from shared.context import RequestContext
from shared.exceptions import RequestLimitExceeded
from shared.rpc import RPCClient, Target
from tests.integration.engine.conftest import EngineServices

QUICK = {"heat_template_version": "2021-04-16", "resources": {"n": {"type": "OS::Heat::None"}}}


async def test_a_project_at_its_stack_limit_is_refused_until_it_deletes_one(
    engine_services: EngineServices,
) -> None:
    limited = await engine_services.start_engine(max_stacks_per_tenant=2)
    on_it = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=limited.engine_id, version=API_VERSION),
        timeout=30,
    )
    project = RequestContext(project_id=f"limited-{uuid.uuid4().hex[:6]}", user_id="u")

    async def create(ctxt: RequestContext, name: str) -> dict[str, Any]:
        identity: dict[str, Any] = await on_it.call(
            ctxt, "create_stack", stack_name=name, template=QUICK, params={}, files={}, args={}
        )
        return identity

    try:
        first = await create(project, "one")
        await create(project, "two")
        with pytest.raises(
            RequestLimitExceeded, match=r"maximum stacks per tenant, 2\..*max_stacks_per_tenant"
        ):
            await create(project, "three")
        assert await engine_services.store.stack_count_all(project) == 2  # nothing half-made
        await engine_services.wait_for_status(project, first, {"CREATE_COMPLETE"})
        await engine_services.client.delete_stack(project, first)
        await engine_services.wait_for_status(project, first, {"DELETE_COMPLETE"})
        await create(project, "three")  # room again
        await create(
            RequestContext.admin(project_id=project.project_id), "by-admin"
        )  # admins are not limited
        assert await engine_services.store.stack_count_all(project) == 3
        other = RequestContext(project_id=f"other-{uuid.uuid4().hex[:6]}", user_id="u")
        await create(other, "elsewhere")  # the limit is per project
    finally:
        await limited.stop()
