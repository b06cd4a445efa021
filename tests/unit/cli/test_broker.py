"""The broker's refusals told apart: not running, wrong login, missing vhost (the real broker: tests/e2e/test_cli_broker.py)."""

from __future__ import annotations

from services.cli.broker import Problem, classify, diagnose
from shared.exceptions import MessagingError


def failed(cause: Exception) -> MessagingError:
    """A MessagingError raised from ``cause`` the way Transport.start raises it (``from None``)."""
    try:
        try:
            raise cause
        except Exception as exc:
            raise MessagingError(reason=f"cannot reach the broker at amqp://x: {exc}") from None
    except MessagingError as err:
        return err


class ProbableAuthenticationError(Exception):
    pass


def test_a_refused_login_is_a_credentials_problem() -> None:
    error = failed(ProbableAuthenticationError("ACCESS_REFUSED - Login was refused"))
    assert classify(error) is Problem.credentials
    found = diagnose(error, "amqp://bob:secret@h:5672/prod", "amqp://bob:***@h:5672/prod")
    assert "refused the login of user 'bob'" in found.message
    assert "rabbitmqctl set_permissions -p prod bob" in found.help
    assert "secret" not in found.message + found.help


def test_a_close_at_connection_open_is_a_vhost_problem() -> None:
    error = failed(ValueError("Expected one of ['Connection.OpenOk'], got <Connection.Close object at 0x1>"))
    found = diagnose(error, "amqp://guest:guest@127.0.0.1:5672/ember-staging", "amqp://guest:***@127.0.0.1/")
    assert found.problem is Problem.vhost
    assert "no vhost 'ember-staging'" in found.message and "0x1" not in found.message
    assert "rabbitmqctl add_vhost ember-staging" in found.help


def test_a_refused_connection_says_how_to_start_rabbitmq() -> None:
    found = diagnose(failed(ConnectionRefusedError(111, "refused")), "amqp://h/", "amqp://h/")
    assert found.problem is Problem.unreachable
    assert found.message.startswith("RabbitMQ is not reachable")
    assert "rabbitmq-server -detached" in found.help
