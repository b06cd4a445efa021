"""Request/reply RPC over RabbitMQ, wire-compatible with oslo.messaging's rabbit driver.

Layers, each knowing only the one below: ``transport`` (aio-pika, topology)
-> ``envelope`` (bytes <-> requests and replies) -> ``dispatcher``
(namespace + version -> exposed endpoint method) -> ``server`` / ``client``.
Beside them, replies never expected: ``notify`` (oslo notifications),
``fanout`` (JSON to every subscribed process), both through ``outbox``
(never making the sender wait).
"""

from shared.rpc.client import RPCClient
from shared.rpc.dispatcher import RpcDispatcher
from shared.rpc.serializer import Serializer
from shared.rpc.server import RPCServer
from shared.rpc.target import Target, expose
from shared.rpc.transport import Transport

__all__ = ["RPCClient", "RPCServer", "RpcDispatcher", "Serializer", "Target", "Transport", "expose"]
