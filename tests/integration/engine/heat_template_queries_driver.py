"""Calls the template RPC methods with OpenStack Heat's own RPC client (heat.rpc.client.EngineClient).

A separate process for the same reason as heat_client_driver.py (Heat's
client stack must not share the test's event loop). Prints one JSON object.

    python heat_template_queries_driver.py AMQP_URL CONTROL_EXCHANGE
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

from oslo_config import cfg


def main() -> None:
    url, exchange = sys.argv[1:3]
    url = url.replace("amqp://", "rabbit://", 1)
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(f"[DEFAULT]\ntransport_url = {url}\ncontrol_exchange = {exchange}\n")
    cfg.CONF(["--config-file", conf.name], project="heat")
    from heat.common import context, messaging

    messaging.setup()
    from heat.rpc import client

    engine = client.EngineClient()
    ctxt = context.RequestContext(project_id="p", user_id="u", is_admin=False, auth_token="tok")
    out: dict[str, Any] = {
        "versions": engine.list_template_versions(ctxt),
        "functions": engine.list_template_functions(ctxt, "heat_template_version.2016-10-14"),
        "with_condition": engine.list_template_functions(
            ctxt, "heat_template_version.2016-10-14", with_condition=True
        ),
        "revision": engine.get_revision(ctxt),
    }
    try:
        engine.list_template_functions(ctxt, "heat_template_version.1999-01-01")
    except Exception as exc:  # Heat's client re-raises the remote error; its text is what we check
        out["missing"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
