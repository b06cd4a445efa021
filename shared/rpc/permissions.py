"""Least privilege on RabbitMQ: what each Ember service may touch, as a definitions document.

The names come from the bus settings (control exchange, engine and store
topics), so one vhost can hold one deployment with its own users:

- the api publishes requests only to an exchange of its own,
  ``<control>.api``, which the broker binds into the control exchange for
  the engines' routing keys (``<engine>``, ``<engine>.<server>``) alone; it
  configures and reads only its own reply queues (``reply_api_<hex>``), may not touch the control
  exchange (so cannot delete it), nor publish through the default exchange.
  Whatever it publishes, or dead-letters from its reply queues, reaches the
  engines or nothing: never the store;
- an engine serves its topic, calls the stores and other engines, publishes
  notifications, and answers through the default exchange;
- a store serves its topic and answers; on the control exchange it may
  publish only to its own topic (a container's health ``ping``). Engines and
  stores answer through the default exchange, which reaches any queue by
  name: they are the trusted side.

Topic permissions (routing keys on the control exchange) do the fine part;
RabbitMQ checks them for publishing and for binding queues. With the
engines' user in ``store.trusted_broker_users`` the store honours admin
claims from that user only (the AMQP ``user_id``, which RabbitMQ checks
against the sender's login). ``definitions`` builds the document
``rabbitmqctl import_definitions`` and RabbitMQ's ``load_definitions`` read;
``password_hash`` follows RabbitMQ's documented salted SHA-256 scheme.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any

from shared.config import RpcSettings

SERVICES = ("api", "engine", "store")
DEFAULT_EXCHANGE = "amq\\.default"
NOTIFICATIONS = "notifications\\..+"


@dataclass(frozen=True)
class Grant:
    """One user's rights on the vhost: resource regexes, and routing-key regexes on the exchange
    it publishes to (``topic_exchange``)."""

    configure: str
    write: str
    read: str
    topic_write: str
    topic_read: str
    topic_exchange: str


def reply_queues(service: str) -> str:
    """The reply queues of one service's processes (``Transport`` names them after the service):
    no service can declare, read or delete another's."""
    return f"reply_{re.escape(service)}_[0-9a-fA-F]+"


def api_exchange(rpc: RpcSettings) -> str:
    """The api's own request exchange (its ``rpc.publish_exchange`` under least privilege)."""
    return f"{rpc.control_exchange}.api"


def _any(*patterns: str) -> str:
    return "^(" + "|".join(patterns) + ")$"


def _topic(name: str) -> list[str]:
    """A server's queues and fanout exchange/queues: ``t``, ``t.<server>``, ``t_fanout``, ``t_fanout_<hex>``."""
    t = re.escape(name)
    return [t, f"{t}\\..+", f"{t}_fanout(_[0-9a-fA-F]+)?"]


def live_events_exchange(rpc: RpcSettings) -> str:
    """The fanout engines push stored events to (``events.exchange``'s default)."""
    return f"{rpc.control_exchange}_live_events"


def grants(rpc: RpcSettings) -> dict[str, Grant]:
    x = re.escape(rpc.control_exchange)
    live = re.escape(live_events_exchange(rpc))
    live_queue = f"{live}_[0-9a-fA-F]+"  # one per api process
    engine, store = _topic(rpc.engine_topic), _topic(rpc.store_topic)
    engine_keys = [re.escape(rpc.engine_topic), f"{re.escape(rpc.engine_topic)}\\..+"]
    store_keys = [re.escape(rpc.store_topic), f"{re.escape(rpc.store_topic)}\\..+"]
    return {
        "api": Grant(
            configure=_any(reply_queues("api"), live_queue),
            write=_any(re.escape(api_exchange(rpc)), live_queue),
            read=_any(reply_queues("api"), live, live_queue),
            topic_write=_any(*engine_keys),
            topic_read="^$",
            topic_exchange=api_exchange(rpc),
        ),
        "engine": Grant(
            # Notifications: oslo's notifier declares its <topic>.<priority> queue, so the engine may too.
            configure=_any(x, *engine, reply_queues("engine"), live, NOTIFICATIONS),
            write=_any(x, *engine, DEFAULT_EXCHANGE, live, NOTIFICATIONS),
            read=_any(x, *engine, reply_queues("engine")),
            topic_write=_any(*engine_keys, *store_keys, NOTIFICATIONS),
            topic_read=_any(*engine_keys, NOTIFICATIONS),
            topic_exchange=rpc.control_exchange,
        ),
        "store": Grant(
            configure=_any(x, *store, reply_queues("store")),
            write=_any(x, *store, DEFAULT_EXCHANGE),
            read=_any(x, *store, reply_queues("store")),
            topic_write=_any(*store_keys),
            topic_read=_any(*store_keys),
            topic_exchange=rpc.control_exchange,
        ),
    }


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = os.urandom(4) if salt is None else salt
    if len(salt) != 4:
        raise ValueError("the salt is 4 bytes")
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(
    rpc: RpcSettings, vhost: str, users: dict[str, tuple[str, str]], salt: bytes | None = None
) -> dict[str, Any]:
    """The definitions of ``vhost`` and one user per service: ``users`` maps a service to its
    (user name, password)."""
    unknown = set(users) - set(SERVICES)
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(sorted(unknown))}")
    rights = grants(rpc)
    durable = rpc.amqp_durable_queues or rpc.rabbit_quorum_queue  # as the services declare it
    exchange = {"vhost": vhost, "type": "topic", "durable": durable, "auto_delete": rpc.amqp_auto_delete}
    doc: dict[str, Any] = {
        "vhosts": [{"name": vhost}],
        "users": [],
        "permissions": [],
        "topic_permissions": [],
        # The api's exchange and what it may reach through it: the engines' keys, nothing else.
        "exchanges": [
            {"name": rpc.control_exchange, **exchange, "internal": False, "arguments": {}},
            {"name": api_exchange(rpc), **exchange, "internal": False, "arguments": {}},
            # As the engines declare it: a fanout that outlives its consumers.
            {
                "name": live_events_exchange(rpc),
                "vhost": vhost,
                "type": "fanout",
                "durable": False,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            },
        ],
        "bindings": [
            {
                "source": api_exchange(rpc),
                "vhost": vhost,
                "destination": rpc.control_exchange,
                "destination_type": "exchange",
                "routing_key": key,
                "arguments": {},
            }
            for key in (rpc.engine_topic, f"{rpc.engine_topic}.#")
        ],
    }
    for service, (name, password) in sorted(users.items()):
        grant = rights[service]
        doc["users"].append(
            {
                "name": name,
                "password_hash": password_hash(password, salt),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        doc["permissions"].append(
            {
                "user": name,
                "vhost": vhost,
                "configure": grant.configure,
                "write": grant.write,
                "read": grant.read,
            }
        )
        doc["topic_permissions"].append(
            {
                "user": name,
                "vhost": vhost,
                "exchange": grant.topic_exchange,
                "write": grant.topic_write,
                "read": grant.topic_read,
            }
        )
    return doc


def add_administrator(doc: dict[str, Any], vhost: str, name: str, password: str) -> None:
    """A management login with every right on ``vhost`` (development set-ups: compose's UI user)."""
    doc["users"].append(
        {
            "name": name,
            "password_hash": password_hash(password),
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": ["administrator"],
        }
    )
    doc["permissions"].append({"user": name, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"})
