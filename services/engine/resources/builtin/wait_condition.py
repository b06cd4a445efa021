"""Wait conditions: OS::Heat::WaitCondition and AWS::CloudFormation::WaitCondition.

A wait condition's create waits until its handle has ``count`` SUCCESS
signals; one FAILURE fails it with the failure reasons, and ``timeout``
seconds without enough fails it too (Heat's WaitConditionFailure and
WaitConditionTimeout). The signals live in the handle's row, written by
whichever engine took the signal, so every poll reads them from the store
through the host. Its ``data`` attribute is the JSON of each signal's data
by signal id.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from shared.exceptions import EmberError

from ..attributes import STRING as ATTR_STRING
from ..attributes import Attribute
from ..base import Resource
from ..constraints import Range
from ..properties import INTEGER, NUMBER, STRING, Property
from ..support import SupportStatus
from .wait_handle import (
    FAILURE,
    SUCCESS,
    CfnWaitConditionHandle,
    HeatWaitConditionHandle,
    UpdateWaitConditionHandle,
    WaitHandle,
)

_HANDLE_TYPES: dict[str, type[WaitHandle]] = {
    cls.type_name: cls for cls in (HeatWaitConditionHandle, CfnWaitConditionHandle, UpdateWaitConditionHandle)
}


def _schemas(
    names: tuple[str, str, str, str], timeout_type: str
) -> tuple[dict[str, Property], dict[str, Attribute]]:
    """Heat's schema of a wait condition, under the names of its dialect (``handle`` / ``Handle``)."""
    handle, timeout, count, data = names
    properties = {
        handle: Property(
            STRING,
            "A reference to the wait condition handle used to signal this wait condition.",
            required=True,
        ),
        timeout: Property(
            timeout_type,
            "The number of seconds to wait for the correct number of signals to arrive.",
            required=True,
            constraints=(Range(min=1, max=43200),),
        ),
        count: Property(
            INTEGER,
            "The number of success signals that must be received before the stack creation continues.",
            default=1,
            update_allowed=True,
            constraints=(Range(min=1),),
        ),
    }
    attributes = {
        data: Attribute(
            "JSON string containing data associated with wait condition signals sent to the handle.",
            ATTR_STRING,
        )
    }
    return properties, attributes


class HeatWaitCondition(Resource):
    type_name: ClassVar[str] = "OS::Heat::WaitCondition"
    description: ClassVar[str] = (
        "Waits (CREATE_IN_PROGRESS) until its handle has received count SUCCESS signals; a FAILURE "
        "signal or the timeout fails it."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.2")
    external_state: ClassVar[bool] = False  # it only reads what its handle stored
    #: The property names (handle, timeout, count) and the attribute, per template dialect.
    names: ClassVar[tuple[str, str, str, str]] = ("handle", "timeout", "count", "data")
    properties_schema, attributes_schema = _schemas(names, NUMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handle: tuple[type[WaitHandle], dict[str, Any]] | None = None

    def handle_reference(self) -> str:
        """What the host finds the handle by (its name or physical id)."""
        return str(self.properties[self.names[0]])

    async def _read_handle(self) -> tuple[type[WaitHandle], dict[str, Any]]:
        reference = self.handle_reference()
        found = await self.host.resource_metadata(reference)
        handle_type = _HANDLE_TYPES.get(found[1]) if found is not None else None
        if found is None or handle_type is None:
            name = found[0] if found is not None else self.properties[self.names[0]]
            raise self.failure(f"{name} is not a valid wait condition handle.", exc_type="ValueError")
        self._handle = (handle_type, found[2])
        return self._handle

    def _token(self) -> dict[str, Any]:
        return {"started": time.time(), "timeout": float(self.properties[self.names[1]])}

    async def handle_create(self) -> Any:
        await self._read_handle()
        self.resource_id = self.physical_resource_name()
        return self._token()

    async def check_create_complete(self, token: Any) -> bool:
        handle_type, metadata = await self._read_handle()
        count = int(self.properties[self.names[2]])
        if time.time() - float(token["started"]) > float(token["timeout"]):
            reasons = handle_type.reasons(metadata, SUCCESS)
            text = f"{len(reasons)} of {count} received"
            raise self.failure(f"{text} - {';'.join(reasons)}" if reasons else text, "WaitConditionTimeout")
        statuses = handle_type.statuses(metadata)
        if any(s != SUCCESS for s in statuses):
            raise self.failure(";".join(handle_type.reasons(metadata, FAILURE)), "WaitConditionFailure")
        return len(statuses) >= count

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        self.properties = new_properties
        await self._read_handle()
        return self._token()

    async def check_update_complete(self, token: Any) -> bool:
        return await self.check_create_complete(token)

    async def handle_delete(self) -> Any:
        """Forget the signals its handle holds (as Heat), so that a wait condition that takes its
        place in an update waits for new ones instead of counting the old."""
        try:
            found = await self.host.resource_metadata(self.handle_reference())
        except EmberError:  # a Handle URL that is not this stack's: nothing of ours to clear
            return None
        if found is not None and found[1] in _HANDLE_TYPES:
            await self.host.clear_resource_metadata(found[0])
        return None

    async def prepare_attributes(self) -> None:
        try:
            await self._read_handle()
        except EmberError:  # a handle that is gone (or a store hiccup) reads as no data
            self._handle = None

    def resolve_attribute(self, name: str) -> Any:
        if name != self.names[3]:
            return None
        if self._handle is None:
            return ""
        handle_type, metadata = self._handle
        return handle_type.signal_data(metadata)


class CfnWaitCondition(HeatWaitCondition):
    type_name: ClassVar[str] = "AWS::CloudFormation::WaitCondition"
    description: ClassVar[str] = (
        "A CloudFormation wait condition: waits for Count SUCCESS signals to the pre-signed URL of its "
        "Handle (an AWS::CloudFormation::WaitConditionHandle) within Timeout seconds."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    names: ClassVar[tuple[str, str, str, str]] = ("Handle", "Timeout", "Count", "Data")
    properties_schema, attributes_schema = _schemas(names, INTEGER)

    def handle_reference(self) -> str:
        """The handle's name, from its pre-signed URL (checked to be this stack's)."""
        url = str(self.properties["Handle"])
        parts = [unquote(p) for p in urlsplit(url).path.split("/")]
        # .../v1/<tenant>/stacks/<stack name>/<stack id>/resources/<handle>/signal
        try:
            at = len(parts) - 1 - parts[::-1].index("stacks")
            tenant, stack_name, stack_id = parts[at - 1], parts[at + 1], parts[at + 2]
            if parts[at + 3] != "resources" or parts[at + 5] != "signal":
                raise ValueError(url)
            handle = parts[at + 4]
        except (ValueError, IndexError):
            raise self.failure(f"WaitCondition invalid Handle {url}", exc_type="ValueError") from None
        if tenant != self.host.project_id:
            raise self.failure(f"WaitCondition invalid Handle tenant {tenant}", exc_type="ValueError")
        if stack_name != self.host.stack_name:
            raise self.failure(f"WaitCondition invalid Handle stack {stack_name}", exc_type="ValueError")
        if stack_id != self.host.stack_id:
            raise self.failure(f"WaitCondition invalid Handle stack {stack_id}", exc_type="ValueError")
        return handle
