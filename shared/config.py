"""Settings: one pydantic model per section, from a YAML file and the environment.

Precedence (highest first): ``EMBER_<SECTION>__<KEY>`` environment
variables, the YAML file given by ``--config-file`` (or ``EMBER_CONFIG_FILE``),
then the defaults below. Unknown keys and wrong types are rejected when the
settings load, with a message naming the key, so a typo never silently
falls back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.exceptions import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class LoggingSettings(Section):
    debug: bool = Field(False, description="Log at DEBUG level, including every RPC dispatch.")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class RpcSettings(Section):
    transport_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/",
        description="Broker URL; the vhost at its end separates deployments sharing one RabbitMQ.",
    )
    control_exchange: str = Field("ember", description="Topic exchange every request goes to.")
    engine_topic: str = Field("engine", description="Topic the engines serve.")
    store_topic: str = Field("store", description="Topic the stores serve.")
    rpc_response_timeout: float = Field(60.0, gt=0, description="Default seconds a call waits.")
    amqp_durable_queues: bool = Field(False, description="Declare topic queues durable (as oslo).")
    amqp_auto_delete: bool = Field(False, description="Auto-delete topic queues and exchange.")
    rabbit_quorum_queue: bool = Field(False, description="Declare topic queues as quorum queues.")
    transient_queues_ttl: int = Field(1800, ge=0, description="x-expires (s) of reply/fanout queues.")
    max_message_size: int = Field(16 * 1024 * 1024, gt=0, description="Largest request accepted (bytes).")
    heartbeat: int = Field(60, ge=0, description="AMQP heartbeat seconds.")
    send_tracebacks: bool = Field(False, description="Include server tracebacks in failure replies.")
    publish_exchange: str | None = Field(
        None,
        description="Exchange this service sends its requests to (default: control_exchange). The "
        "api's least-privilege broker user sends to '<control_exchange>.api', which the broker binds "
        "into the control exchange for the engines' routing keys only (ember broker-users).",
    )
    declare_exchanges: bool = Field(
        True,
        description="Declare the exchanges (false: only look them up, for a broker user that may not "
        "configure them, such as the api's least-privilege user).",
    )
    send_user_id: bool = Field(
        True,
        description="Stamp every message with the broker user of transport_url (AMQP user_id, which "
        "RabbitMQ checks against the connection's login), so a server can tell who sent it "
        "(store.trusted_broker_users).",
    )
    signing_key: str | None = Field(
        None,
        description="Secret of the engines and stores only (never the api): their requests are signed "
        "with it (HMAC-SHA256), and the store trusts is_admin only in a signed request. Production "
        "stores refuse to start without it.",
    )


class DatabaseSettings(Section):
    url: str = Field(
        "sqlite+aiosqlite:///./data/ember.sqlite",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file or postgresql+asyncpg://...",
    )
    backend: str = Field("sqlalchemy", description="db api backend name.")
    pool_size: int = Field(10, ge=1)
    busy_timeout_ms: int = Field(30000, ge=0, description="SQLite busy timeout.")
    echo: bool = False


class StoreSettings(Section):
    auth_encryption_key: str | None = Field(
        None, description="Fernet key (urlsafe base64, 32 bytes) encrypting credentials at rest."
    )
    key_file: str | None = Field(
        None,
        description="Development only, without auth_encryption_key: file holding the generated key "
        "(default: auth_encryption.key beside the SQLite database, else ./data/).",
    )
    concurrency: int = Field(64, ge=1, description="Requests the store handles at once.")
    max_events_per_stack: int = Field(
        1000,
        ge=0,
        description="Events kept per stack (Heat's default): past it the oldest are purged, so a "
        "stack keeps at least its newest this many (0: keep every event).",
    )
    event_purge_batch_size: int = Field(
        200,
        ge=1,
        description="Events a stack may grow past max_events_per_stack before they are purged in one "
        "statement (Heat's default): larger means fewer, bigger purges.",
    )
    auto_migrate: bool = Field(True, description="Upgrade the schema at start.")
    trusted_broker_users: list[str] = Field(
        default_factory=list,
        description="Broker users (the engines' own, e.g. ember-engine) whose admin claims the store "
        "honours: RabbitMQ checks a message's AMQP user_id against its sender's login. Used with or "
        "instead of rpc.signing_key; see docs/operations.md for the per-service users.",
    )


class EngineSettings(Section):
    engine_id: str | None = Field(None, description="This engine's id (default: a fresh uuid).")
    concurrency: int = Field(64, ge=1, description="RPC requests the engine handles at once.")
    max_template_size: int = Field(
        524288, ge=1, description="Largest template (and environment) accepted, in bytes (Heat's default)."
    )
    max_resources_per_stack: int = Field(
        1000,
        ge=-1,
        description="Resources a top-level stack may have, counting those of all its nested stacks, "
        "checked as Heat does on create and update of each stack (Heat's default; -1: no limit).",
    )
    max_nested_stack_depth: int = Field(
        5, ge=0, description="Levels of nested stacks below a top-level stack (Heat's default)."
    )
    max_stacks_per_tenant: int = Field(
        100,
        ge=-1,
        description="Top-level stacks one project may have (admins are not limited; -1: no limit). Heat's "
        "default was 100 in older releases; it is 512 today.",
    )
    max_concurrent_resources: int = Field(64, ge=1, description="Resources acted on at once per stack.")
    lock_liveness_timeout: float = Field(2.0, gt=0, description="Seconds a lock holder has to answer.")
    graceful_stop_timeout: float = Field(30.0, ge=0)
    store_timeout: float = Field(30.0, gt=0, description="Seconds a store call may take.")
    store_retry_timeout: float = Field(
        90.0,
        ge=0,
        description="Seconds the engine keeps retrying a state change the store did not confirm "
        "(an outage of the store, its database or the broker) before it fails the action (0: never retry).",
    )
    heartbeat_interval: float = Field(
        5.0, gt=0, le=3600, description="Seconds between this engine's heartbeats (its row in list_services)."
    )
    liveness_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds without a heartbeat after which another engine is taken for dead and its "
        "stacks are checked at once (without waiting for stale_check_interval).",
    )
    resume_on_takeover: bool = Field(
        True,
        description="Carry on the action of a dead engine's stack (CREATE, DELETE, UPDATE, RESTORE, ROLLBACK) "
        "instead of failing it.",
    )
    api_url: str | None = Field(
        None,
        description="Base URL of Ember's API that signal URLs (wait condition handles, scaling policies) "
        "point at (default: api.public_url, else http://<api.bind_host>:<api.bind_port>).",
    )
    stale_check_interval: float = Field(
        10.0,
        ge=0,
        description="Seconds between checks for stacks left IN_PROGRESS by dead engines (0: only at start).",
    )


class ApiToken(Section):
    user_id: str
    project_id: str
    roles: list[str] = Field(default_factory=list)


class ApiSettings(Section):
    bind_host: str = "127.0.0.1"
    bind_port: int = Field(8004, ge=0, le=65535)
    auth_strategy: Literal["noauth", "token"] = "noauth"
    tokens: dict[str, ApiToken] = Field(default_factory=dict, description="token -> identity (token auth).")
    max_body_size: int = Field(1048576, ge=1, description="Largest request body accepted, in bytes.")
    engine_timeout: float = Field(60.0, gt=0, description="Seconds the gateway waits for the engine.")
    engine_unavailable_timeout: float = Field(
        3.0,
        gt=0,
        description="While a call waits, seconds between checks that an engine (and a store) still "
        "consumes its topic; with none, the gateway answers 503 instead of waiting out engine_timeout.",
    )
    public_url: str | None = Field(None, description="Base URL used in links (default: from the request).")
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a whole request head (slow-loris guard)."
    )
    body_timeout: float = Field(60.0, gt=0, description="Seconds a client has to send a whole request body.")
    keep_alive_timeout: int = Field(5, ge=1, description="Seconds an idle keep-alive connection stays open.")
    max_connections: int = Field(
        1000, ge=1, description="Open HTTP connections at most; one more is answered 503 and closed."
    )
    max_header_size: int = Field(16384, ge=1024, description="Largest request head accepted (bytes).")


class NotificationSettings(Section):
    driver: Literal["messaging", "noop"] = Field(
        "noop",
        description="messaging: oslo.messaging notifications on the bus, as Heat sends them; noop: none "
        "(as oslo without a driver: nobody's queue fills up unread).",
    )
    topics: list[str] = Field(
        default_factory=lambda: ["notifications"],
        description="Topics notifications go to (routing key <topic>.<priority>) on the control exchange.",
    )
    resources: bool = Field(
        False, description="Also notify each resource transition (orchestration.resource.*)."
    )
    host: str | None = Field(
        None, description="Host in publisher_id orchestration.<host> (default: the hostname)."
    )


class EventStreamSettings(Section):
    exchange: str | None = Field(
        None,
        description="Fanout the engines push stored events to (default: <control_exchange>_live_events).",
    )
    client_buffer: int = Field(
        1000, ge=1, description="Events a stream client may fall behind before it is cut off."
    )
    keepalive: float = Field(15.0, gt=0, description="Seconds between keepalive comments on an idle stream.")


class MetricsSettings(Section):
    enabled: bool = Field(
        True, description="Serve Prometheus metrics (api: GET /metrics; engine, store: a listener)."
    )
    bind_host: str = Field(
        "127.0.0.1", description="Address of the engine's and the store's metrics listener."
    )
    engine_port: int = Field(9180, ge=0, le=65535, description="The engine's metrics port (0: any free one).")
    store_port: int = Field(9181, ge=0, le=65535, description="The store's metrics port (0: any free one).")


def signal_api_url(settings: Settings) -> str:
    """The API base URL the engine hands out in signal URLs (``engine.api_url``'s default)."""
    if settings.engine.api_url:
        return settings.engine.api_url.rstrip("/")
    if settings.api.public_url:
        return settings.api.public_url.rstrip("/")
    host = settings.api.bind_host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: the local address reaches it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.api.bind_port}"


class Settings(BaseSettings):
    """All of Ember's settings; each service reads the sections it needs."""

    model_config = SettingsConfigDict(
        env_prefix="EMBER_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    mode: Literal["development", "production"] = Field(
        "development", description="production refuses to start without secrets such as the store key."
    )
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    rpc: RpcSettings = Field(default_factory=RpcSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    events: EventStreamSettings = Field(default_factory=EventStreamSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    def events_exchange(self) -> str:
        """The live events fanout: ``events.exchange``, else ``<rpc.control_exchange>_live_events``."""
        return self.events.exchange or f"{self.rpc.control_exchange}_live_events"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment wins over them.
        return (env_settings, init_settings)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(reason=f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(reason=f"config file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(reason=f"config file {path} must hold a mapping of sections")
    return data


def load_settings(config_file: str | Path | None = None) -> Settings:
    """Load settings; raises ConfigError naming the offending key."""
    config_file = config_file or os.environ.get("EMBER_CONFIG_FILE")
    values = _read_yaml(Path(config_file)) if config_file else {}
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            problems.append(f"{key}: {err['msg']}")
        source = f" (from {config_file} or EMBER_* environment)" if config_file else ""
        raise ConfigError(reason=f"invalid settings{source}: " + "; ".join(problems)) from None


def settings_reference() -> list[tuple[str, str, str, str]]:
    """(key, environment variable, default, description) for every setting; feeds the README."""
    rows: list[tuple[str, str, str, str]] = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            for key, sub in annotation.model_fields.items():
                default = sub.get_default(call_default_factory=True)
                rows.append(
                    (
                        f"{name}.{key}",
                        f"EMBER_{name.upper()}__{key.upper()}",
                        repr(default),
                        sub.description or "",
                    )
                )
        else:
            rows.append((name, f"EMBER_{name.upper()}", repr(field.default), field.description or ""))
    return rows
