"""Why the broker would not have us, in words a newcomer can act on.

Transport.connect reports every failure as one MessagingError. The three a
person meets on a first day need different fixes, so this tells them apart
from that error (its text and the library error it came from; this module
imports no broker library):

- nothing listens: start RabbitMQ;
- the login is refused (ACCESS_REFUSED): wrong user or password;
- the broker closes the connection at Connection.Open: the vhost does not
  exist, or the user may not use it (RabbitMQ's NOT_ALLOWED / access refused).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote, urlsplit

START_HELP = """\
Start RabbitMQ, then run this again. Any one of:
  rabbitmq-server -detached                 (the rabbitmq-server package, as your user or root)
  sudo systemctl start rabbitmq-server      (the rabbitmq-server package, as a system service)
  docker compose up -d rabbitmq             (from this repository, with Docker)
or point Ember at another broker with --transport-url (rpc.transport_url, EMBER_RPC__TRANSPORT_URL)."""


class Problem(Enum):
    unreachable = "unreachable"
    credentials = "credentials"
    vhost = "vhost"


@dataclass(frozen=True)
class Diagnosis:
    problem: Problem
    message: str  # one line: what is wrong
    help: str  # what to do about it


def _who(transport_url: str) -> tuple[str, str]:
    """(user, vhost) of an amqp URL, with RabbitMQ's defaults (guest, /)."""
    parts = urlsplit(transport_url)
    user = unquote(parts.username) if parts.username else "guest"
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return user, vhost


def classify(error: BaseException) -> Problem:
    """Which of the three failures ``error`` (from Transport.connect) is."""
    cause = error.__cause__ or error.__context__
    text = f"{error} {type(cause).__name__ if cause else ''} {cause or ''}"
    if "ACCESS_REFUSED" in text or "AuthenticationError" in text:
        return Problem.credentials
    if "Connection.Close" in text or "NOT_ALLOWED" in text:
        return Problem.vhost
    return Problem.unreachable


def diagnose(error: BaseException, transport_url: str, safe_url: str) -> Diagnosis:
    """What went wrong connecting to ``safe_url`` (the URL without its password), and the fix."""
    user, vhost = _who(transport_url)
    problem = classify(error)
    if problem is Problem.credentials:
        return Diagnosis(
            problem,
            f"RabbitMQ at {safe_url} refused the login of user {user!r} (wrong user name or password)",
            "Use the right credentials in --transport-url (rpc.transport_url), or create the user:\n"
            f"  rabbitmqctl add_user {user} PASSWORD\n"
            f"  rabbitmqctl set_permissions -p {vhost} {user} '.*' '.*' '.*'\n"
            "(RabbitMQ lets guest log in only from localhost.)",
        )
    if problem is Problem.vhost:
        return Diagnosis(
            problem,
            f"RabbitMQ at {safe_url} has no vhost {vhost!r}, or user {user!r} may not use it",
            "Create the vhost and let the user in:\n"
            f"  rabbitmqctl add_vhost {vhost}\n"
            f"  rabbitmqctl set_permissions -p {vhost} {user} '.*' '.*' '.*'\n"
            "or put an existing vhost at the end of --transport-url (rpc.transport_url).",
        )
    return Diagnosis(problem, f"RabbitMQ is not reachable: {error}", START_HELP)


def quiet_broker_logs() -> None:
    """The broker libraries log each failed attempt themselves; the diagnosis says it better."""
    for name in ("aio_pika", "aiormq"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
