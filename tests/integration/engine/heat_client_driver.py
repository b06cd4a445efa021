"""Drives an engine with OpenStack Heat's own RPC client (heat.rpc.client.EngineClient).

Run as a separate process (Heat's client stack imports eventlet-era
modules that must not share the test's event loop). Prints one JSON
object with what each call returned, for the test to check.

    python heat_client_driver.py AMQP_URL CONTROL_EXCHANGE PROJECT_ID
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from typing import Any

from oslo_config import cfg

TEMPLATE = {
    "heat_template_version": "2021-04-16",
    "parameters": {"word": {"type": "string", "default": "hi"}},
    "resources": {
        "a": {"type": "OS::Heat::None"},
        "b": {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "word"}}, "depends_on": "a"},
    },
    "outputs": {"word": {"value": {"get_attr": ["b", "value"]}}},
}


def main() -> None:
    url, exchange, project = sys.argv[1:4]
    url = url.replace("amqp://", "rabbit://", 1)
    # As a Heat deployment does it: heat.conf names the broker and the exchange.
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(f"[DEFAULT]\ntransport_url = {url}\ncontrol_exchange = {exchange}\n")
    cfg.CONF(["--config-file", conf.name], project="heat")
    from heat.common import context, messaging

    messaging.setup()
    from heat.rpc import client

    engine = client.EngineClient()
    ctxt = context.RequestContext(project_id=project, user_id="heat-user", is_admin=False, auth_token="tok")
    out: dict[str, Any] = {}
    out["validate"] = engine.validate_template(ctxt, TEMPLATE, params={"parameters": {}}, files={})
    identity = engine.create_stack(
        ctxt,
        "from-heat",
        TEMPLATE,
        params={
            "parameters": {"word": "hello"},
            "resource_registry": {},
            "parameter_defaults": {},
            "encrypted_param_names": [],
            "event_sinks": [],
        },
        files={},
        args={"timeout_mins": 10, "disable_rollback": True},
    )
    out["identity"] = identity
    for _ in range(300):
        shown = engine.show_stack(ctxt, identity, resolve_outputs=True)
        if shown[0]["stack_status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    out["show"] = shown
    out["identify"] = engine.identify_stack(ctxt, "from-heat")
    out["list"] = engine.list_stacks(ctxt)
    out["resources"] = engine.list_stack_resources(ctxt, identity)
    out["events"] = engine.list_events(ctxt, identity)
    changed = {
        "parameters": {"word": "changed"},
        "resource_registry": {},
        "parameter_defaults": {},
        "encrypted_param_names": [],
        "event_sinks": [],
    }
    out["preview_update"] = engine.preview_update_stack(ctxt, identity, TEMPLATE, changed, {}, {})
    engine.update_stack(ctxt, identity, TEMPLATE, changed, {}, {"timeout_mins": 10})
    for _ in range(300):
        shown = engine.show_stack(ctxt, identity, resolve_outputs=True)
        if shown[0]["stack_status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    out["updated"] = shown
    try:
        engine.stack_cancel_update(ctxt, identity, cancel_with_rollback=True)
        out["cancel"] = "no error"
    except Exception as exc:
        out["cancel"] = f"{type(exc).__name__}: {exc}"
    try:
        engine.create_stack(ctxt, "from-heat", TEMPLATE, params={}, files={}, args={})
        out["duplicate"] = "no error"
    except Exception as exc:  # Heat's client re-raises the remote error
        out["duplicate"] = f"{type(exc).__name__}: {exc}"
    config = engine.create_software_config(
        ctxt, group="script", name="from-heat", config="echo hi", inputs=[], outputs=[], options={}
    )
    deployment = engine.create_software_deployment(
        ctxt, server_id="heat-server", config_id=config["id"], action="CREATE", status="COMPLETE"
    )
    out["checked_deployment"] = engine.check_software_deployment(ctxt, deployment["id"], 5)
    engine.delete_software_deployment(ctxt, deployment["id"])
    engine.delete_software_config(ctxt, config["id"])
    engine.delete_stack(ctxt, identity)
    for _ in range(300):
        shown = engine.show_stack(ctxt, identity, resolve_outputs=False)
        if shown[0]["stack_status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    out["deleted"] = shown
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
