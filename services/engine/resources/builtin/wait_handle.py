"""Wait condition handles: OS::Heat::WaitConditionHandle, OS::Heat::UpdateWaitConditionHandle and
AWS::CloudFormation::WaitConditionHandle.

A handle is where a server (or a script, or a person with ``curl``) reports
back: each signal is stored in the handle's metadata under its id, as Heat
keeps it, and the wait conditions that use the handle count them. Creating a
handle draws a random secret (kept in its ``data``): presented as the
``X-Auth-Token`` of a POST to the handle's own signal URL, the gateway lets it
through without a user token and the engine accepts it for this handle only.
Nothing else is made, so a handle is created and deleted at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from shared.context import SIGNAL_TOKEN_PARAM
from shared.exceptions import StackValidationFailed

from ..attributes import STRING as ATTR_STRING
from ..attributes import Attribute
from ..base import Resource
from ..constraints import AllowedValues
from ..properties import STRING, Property
from ..support import SupportStatus

SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
WAIT_STATUSES = (FAILURE, SUCCESS)
TOKEN_SIGNAL = "TOKEN_SIGNAL"
HEAT_SIGNAL = "HEAT_SIGNAL"
CFN_SIGNAL = "CFN_SIGNAL"
NO_SIGNAL = "NO_SIGNAL"
SIGNAL_TRANSPORTS = (CFN_SIGNAL, "TEMP_URL_SIGNAL", HEAT_SIGNAL, NO_SIGNAL, "ZAQAR_SIGNAL", TOKEN_SIGNAL)
#: Transports that need a service Ember does not have (Swift, Zaqar).
_CLOUD_TRANSPORTS = ("TEMP_URL_SIGNAL", "ZAQAR_SIGNAL")


class WaitHandle(Resource):
    """What every handle shares: the secret, the signal URL and the signal bookkeeping."""

    #: Its id and secret are stored before anything that waits on it starts (a wait condition
    #: looks the handle up by its id in the store).
    external_state: ClassVar[bool] = True
    #: The keys of one signal (data, reason, status, id), Heat's names for the type.
    keys: ClassVar[tuple[str, str, str, str]] = ("data", "reason", "status", "id")

    async def handle_create(self) -> Any:
        self.resource_id = str(uuid.uuid4())
        self.draw_signal_secret()
        return None

    def normalise(self, details: Any) -> Any:
        """The signal as it is stored (the native handle fills in what is missing)."""
        return details

    async def handle_signal(self, details: Any) -> str | None:
        entry = self.normalise(details)
        _data, reason_key, status_key, id_key = self.keys
        if (
            not isinstance(entry, Mapping)
            or set(entry) != set(self.keys)
            or entry[status_key] not in WAIT_STATUSES
        ):
            raise ValueError(
                "Metadata format invalid: the signal must be a map of exactly "
                f"{', '.join(sorted(self.keys))}, with {status_key} {SUCCESS} or {FAILURE}"
            )
        stored = {k: v for k, v in entry.items() if k != id_key}
        self.metadata[str(entry[id_key])] = stored
        return f"status:{entry[status_key]} reason:{entry[reason_key]}"

    @classmethod
    def statuses(cls, metadata: Mapping[str, Any]) -> list[str]:
        """The status of each signal received (metadata as a handle stores it)."""
        status_key = cls.keys[2]
        return [str(v.get(status_key)) for v in metadata.values() if isinstance(v, Mapping)]

    @classmethod
    def reasons(cls, metadata: Mapping[str, Any], status: str) -> list[str]:
        _data, reason_key, status_key, _id = cls.keys
        return [
            str(v.get(reason_key))
            for v in metadata.values()
            if isinstance(v, Mapping) and v.get(status_key) == status
        ]

    @classmethod
    def signal_data(cls, metadata: Mapping[str, Any]) -> str:
        """A wait condition's data attribute: JSON of each signal's data by id, as Heat gives it."""
        data_key = cls.keys[0]
        return json.dumps({k: v.get(data_key) for k, v in metadata.items() if isinstance(v, Mapping)})


class HeatWaitConditionHandle(WaitHandle):
    type_name: ClassVar[str] = "OS::Heat::WaitConditionHandle"
    description: ClassVar[str] = (
        "A handle a server or script signals (its curl_cli, or POST to its endpoint with its token); "
        "OS::Heat::WaitCondition waits for the signals."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.2")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "signal_transport": Property(
            STRING,
            "How the client signals the handle: TOKEN_SIGNAL (POST to the endpoint with the token), "
            "HEAT_SIGNAL (the same, or the resource-signal API with user credentials), CFN_SIGNAL (POST "
            "to a pre-signed URL), NO_SIGNAL (no credentials). TEMP_URL_SIGNAL and ZAQAR_SIGNAL need "
            "Swift or Zaqar, which Ember does not have.",
            default=TOKEN_SIGNAL,
            constraints=(AllowedValues(allowed=SIGNAL_TRANSPORTS),),
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "token": Attribute(
            "The token that signals this handle (signal_transport TOKEN_SIGNAL; else None).", ATTR_STRING
        ),
        "endpoint": Attribute(
            "The URL to POST signals to (signal_transport TOKEN_SIGNAL; else None).", ATTR_STRING
        ),
        "curl_cli": Attribute(
            'A curl command line that signals this handle: add --data-binary \'{"status": "SUCCESS"}\' '
            "(or FAILURE). signal_transport TOKEN_SIGNAL; else None.",
            ATTR_STRING,
        ),
        "signal": Attribute(
            "JSON of what a client needs to signal the handle (alarm_url, and token where one is used).",
            ATTR_STRING,
        ),
    }

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        refuse_cloud_transport(properties, path, SIGNAL_TRANSPORTS)

    def _transport(self) -> str:
        return str(self.properties.get("signal_transport") or TOKEN_SIGNAL)

    def signal_token(self) -> str | None:
        return None if self._transport() == NO_SIGNAL else super().signal_token()

    def normalise(self, details: Any) -> Any:
        # The native handle tolerates a missing body or keys: a bare POST is one SUCCESS.
        if details is not None and not isinstance(details, Mapping):
            return details
        entry = dict(details or {})
        number = len(self.metadata) + 1
        entry.setdefault("reason", f"Signal {number} received")
        entry.setdefault("data", None)
        entry.setdefault("id", number)
        entry.setdefault("status", SUCCESS)
        return entry

    def resolve_attribute(self, name: str) -> Any:
        if self.resource_id is None:
            return None
        transport = self._transport()
        token, endpoint = self.data.get("token"), self.data.get("endpoint")
        if name == "signal":
            return json.dumps(self._signal_details(transport))
        if transport != TOKEN_SIGNAL:
            return None
        if name == "token":
            return token
        if name == "endpoint":
            return endpoint
        if name == "curl_cli" and token and endpoint:
            return (
                f"curl -i -X POST -H 'X-Auth-Token: {token}' -H 'Content-Type: application/json' "
                f"-H 'Accept: application/json' {endpoint}"
            )
        return None

    def _signal_details(self, transport: str) -> dict[str, Any]:
        if transport == NO_SIGNAL:
            return {}
        if transport == CFN_SIGNAL:
            return {"alarm_url": presigned_url(self.data)}
        return {"alarm_url": self.data.get("endpoint"), "token": self.data.get("token")}


def refuse_cloud_transport(properties: Mapping[str, Any], path: str, transports: tuple[str, ...]) -> None:
    """A ``signal_transport`` that needs Swift or Zaqar is refused, naming the ones Ember has."""
    transport = properties.get("signal_transport")
    if transport in _CLOUD_TRANSPORTS:
        usable = ", ".join(t for t in transports if t not in _CLOUD_TRANSPORTS)
        raise StackValidationFailed(
            message=f"{path}.signal_transport: {transport} needs a cloud service (Swift or Zaqar) "
            f"that Ember does not have; use one of {usable}"
        )


def presigned_url(data: Mapping[str, Any]) -> str | None:
    """The handle's signal URL with its secret in the query (CloudFormation's pre-signed URL)."""
    endpoint, token = data.get("endpoint"), data.get("token")
    if not isinstance(endpoint, str) or not isinstance(token, str):
        return None
    return f"{endpoint}?{SIGNAL_TOKEN_PARAM}={quote(token, safe='')}"


class CfnWaitConditionHandle(WaitHandle):
    type_name: ClassVar[str] = "AWS::CloudFormation::WaitConditionHandle"
    description: ClassVar[str] = (
        "A CloudFormation wait condition handle: its reference is a pre-signed URL (Ember's signal URL "
        "with the handle's secret) that cfn-signal or curl POSTs {Status, Reason, UniqueId, Data} to."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    keys: ClassVar[tuple[str, str, str, str]] = ("Data", "Reason", "Status", "UniqueId")

    def get_reference_id(self) -> str:
        url = presigned_url(self.data) if self.resource_id is not None else None
        return url or self.name

    async def handle_signal(self, details: Any) -> str | None:
        if details is None:
            return None  # Heat ignores an empty signal to a CloudFormation handle
        return await super().handle_signal(details)


class UpdateWaitConditionHandle(CfnWaitConditionHandle):
    type_name: ClassVar[str] = "OS::Heat::UpdateWaitConditionHandle"
    description: ClassVar[str] = (
        "A CloudFormation-style handle that a stack update always replaces: a new URL, no signals, so "
        "senders must signal again and UPDATE_COMPLETE means they did."
    )
    replace_on_update: ClassVar[bool] = True
