"""What a dropped broker connection may have swallowed, kept so it can be sent again.

An unconfirmed publish that the client library already handed to the socket
is lost if the connection dies a moment later, and nothing reports it. Both
ends of a call keep just enough to repair that:

- the server keeps, per recent call id, whether the call is running or was
  answered, and the reply it sent (``ReplyLedger``). A request that arrives
  twice (a client re-sent it) runs once: a duplicate of a running call is
  dropped (its one reply is on its way), a duplicate of an answered call gets
  the kept reply again. After a reconnect the server re-sends the replies it
  published unconfirmed shortly before the drop.
- the client re-publishes, after a reconnect, the requests of calls still
  waiting that it published unconfirmed just before the drop (the
  ``client`` module keeps those as ``SentRequest``).

Duplicates are harmless at the caller (a reply with no waiting call is
dropped). Both ledgers are bounded in entries and bytes and forget a call
once its caller's deadline has passed. The de-duplication is per server: a
re-sent request that another replica of the topic takes runs there too, which
only happens when the first copy was not lost after all.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from dataclasses import dataclass

# Seconds before a connection drop (as this process noticed it) within which
# an unconfirmed publish is suspected lost: the broker discards the frames that
# reach it after it decided to close, about a round trip's worth, and a busy
# event loop notices the close late. A re-sent reply costs nothing but bytes,
# so replies get the wider window; a re-sent request that another replica
# takes runs twice (create_stack then answers StackExists), so requests get
# the narrowest window that still covers the lost frames.
RESEND_WINDOW = 2.0
REQUEST_RESEND_WINDOW = 0.5
# Bounds of the server's ledger.
MAX_CALLS = 4096
MAX_KEPT_REPLY_BYTES = 256 * 1024
MAX_KEPT_BYTES = 32 * 1024 * 1024


class Seen(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    ANSWERED = "answered"


@dataclass(slots=True)
class CallRecord:
    """One call a server has seen: its deadline and, once answered, its reply."""

    deadline: float
    reply_q: str
    body: bytes | None = None
    answered: bool = False
    sent_at: float = 0.0
    confirmed: bool = False


def suspect_lost(
    sent_at: float, confirmed: bool, disconnected_at: float | None, window: float = RESEND_WINDOW
) -> bool:
    """Whether a publish made at ``sent_at`` may have been lost in the last connection drop."""
    if confirmed or disconnected_at is None:
        return False
    return sent_at >= disconnected_at - window


class ReplyLedger:
    """Recent calls of one server by ``_msg_id``: running, or answered with the reply kept."""

    def __init__(self, max_calls: int = MAX_CALLS, max_bytes: int = MAX_KEPT_BYTES) -> None:
        self._calls: OrderedDict[str, CallRecord] = OrderedDict()
        self._max_calls = max_calls
        self._max_bytes = max_bytes
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._calls)

    def begin(self, msg_id: str, reply_q: str, deadline: float) -> tuple[Seen, CallRecord | None]:
        """Record a call as running; says whether it was new, running or answered already."""
        self._expire(time.monotonic())
        record = self._calls.get(msg_id)
        if record is not None:
            return (Seen.ANSWERED if record.answered else Seen.RUNNING), record
        self._calls[msg_id] = CallRecord(deadline=deadline, reply_q=reply_q)
        while len(self._calls) > self._max_calls:
            self._drop_oldest()
        return Seen.NEW, None

    def answered(self, msg_id: str, body: bytes, confirmed: bool) -> None:
        """The call's reply went out; keep it (when small enough) for a duplicate or a re-send."""
        record = self._calls.get(msg_id)
        if record is None:
            return
        record.answered = True
        record.sent_at = time.monotonic()
        record.confirmed = confirmed
        if len(body) <= MAX_KEPT_REPLY_BYTES:
            record.body = body
            self._bytes += len(body)
            while self._bytes > self._max_bytes and self._calls:
                self._drop_oldest()

    def forget(self, msg_id: str) -> None:
        record = self._calls.pop(msg_id, None)
        if record is not None and record.body is not None:
            self._bytes -= len(record.body)

    def suspect_lost(self, disconnected_at: float | None) -> list[tuple[str, CallRecord]]:
        """Answered calls whose unconfirmed reply may have gone down with the connection."""
        now = time.monotonic()
        self._expire(now)
        return [
            (msg_id, record)
            for msg_id, record in self._calls.items()
            if record.answered
            and record.body is not None
            and suspect_lost(record.sent_at, record.confirmed, disconnected_at)
        ]

    def _expire(self, now: float) -> None:
        # Entries are in arrival order and deadlines roughly follow it; stop at
        # the first live one rather than scanning everything on every call.
        while self._calls:
            msg_id, record = next(iter(self._calls.items()))
            if record.deadline > now:
                return
            self.forget(msg_id)

    def _drop_oldest(self) -> None:
        msg_id = next(iter(self._calls))
        self.forget(msg_id)
