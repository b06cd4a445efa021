"""The store's tables (SQLAlchemy 2 declarative).

Every relationship is ``lazy="raise"``: the db api states what it loads, so
no attribute access ever hides a query (which async SQLAlchemy could not run
anyway). Timestamps are timezone-aware UTC on both SQLite and PostgreSQL.
Stack names are unique per tenant among stacks not deleted; a partial unique
index enforces it inside the database, so two racing creates cannot both win.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations and error translation can rely on them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STACK_NAME_INDEX = "uq_stack_tenant_name_live"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None and dialect.name == "sqlite":
            # SQLite compares text: store one canonical form so ordering is chronological.
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TagList(TypeDecorator[list[str]]):
    """Tags as ``,a,b,`` text: portable ``LIKE '%,a,%'`` filtering on SQLite and PostgreSQL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str | None:
        if not value:
            return None
        return "," + ",".join(value) + ","

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[str]:
        if not value:
            return []
        return [t for t in value.split(",") if t]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class RawTemplate(Base):
    __tablename__ = "raw_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class UserCreds(Base):
    __tablename__ = "user_creds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255), index=True)
    project_name: Mapped[str | None] = mapped_column(String(255))
    # Fernet tokens (text); the clear values never touch the disk.
    auth_token: Mapped[str | None] = mapped_column(Text)
    password: Mapped[str | None] = mapped_column(Text)
    trust_id: Mapped[str | None] = mapped_column(String(255))
    trustor_user_id: Mapped[str | None] = mapped_column(String(255))
    decrypt_method: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)


class Stack(Base):
    __tablename__ = "stack"
    __table_args__ = (
        Index(
            STACK_NAME_INDEX,
            "tenant",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_stack_tenant_created_at", "tenant", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    raw_template_id: Mapped[int] = mapped_column(ForeignKey("raw_template.id"), nullable=False)
    prev_raw_template_id: Mapped[int | None] = mapped_column(ForeignKey("raw_template.id"))
    user_creds_id: Mapped[int | None] = mapped_column(ForeignKey("user_creds.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(255))
    tenant: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False, default="INIT")
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="COMPLETE")
    status_reason: Mapped[str | None] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("stack.id"), index=True)
    parent_resource_name: Mapped[str | None] = mapped_column(String(255))
    nested_depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    timeout: Mapped[int | None] = mapped_column(Integer)
    disable_rollback: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    backup: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tags: Mapped[list[str]] = mapped_column(TagList, nullable=True, default=list)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Resource(Base):
    __tablename__ = "resource"
    __table_args__ = (Index("ix_resource_stack_id_name", "stack_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True, default=new_uuid)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stack.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False, default="INIT")
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="COMPLETE")
    status_reason: Mapped[str | None] = mapped_column(Text)
    physical_resource_id: Mapped[str | None] = mapped_column(String(255), index=True)
    properties_data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    rsrc_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    depends_on: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Stack update (migration 0002): the row this one replaces / is replaced by, and the
    # template (generation) it was last written for.
    replaces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    replaced_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_template_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_stack_id_created_at", "stack_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True, default=new_uuid)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stack.id", ondelete="CASCADE"), nullable=False)
    resource_name: Mapped[str | None] = mapped_column(String(255))
    physical_resource_id: Mapped[str | None] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(255))
    resource_action: Mapped[str | None] = mapped_column(String(32))
    resource_status: Mapped[str | None] = mapped_column(String(32))
    resource_status_reason: Mapped[str | None] = mapped_column(Text)
    resource_properties: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)


class StackLock(Base):
    __tablename__ = "stack_lock"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stack.id", ondelete="CASCADE"), primary_key=True)
    engine_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)


class SoftwareConfig(Base):
    """A software config (Heat's): immutable once stored; deployments refer to it."""

    __tablename__ = "software_config"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str | None] = mapped_column(String(255))
    group: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    tenant: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SoftwareDeployment(Base):
    """A config deployed to a server (Heat's): its inputs, the outputs the server reported, its state."""

    __tablename__ = "software_deployment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    config_id: Mapped[str] = mapped_column(ForeignKey("software_config.id"), nullable=False)
    server_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    input_values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    output_values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    action: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(255))
    status_reason: Mapped[str | None] = mapped_column(Text)
    tenant: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    stack_user_project_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Snapshot(Base):
    """A stack's data at a moment (Heat's snapshot): what ``stack_restore`` moves the stack back to."""

    __tablename__ = "snapshot"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    stack_id: Mapped[str] = mapped_column(
        ForeignKey("stack.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="IN_PROGRESS")
    status_reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Service(Base):
    """One engine process (Heat's ``service``): its heartbeat is ``updated_at``."""

    __tablename__ = "service"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    engine_id: Mapped[str] = mapped_column(String(36), nullable=False)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    hostname: Mapped[str] = mapped_column(String(255), nullable=False)
    binary: Mapped[str] = mapped_column(String(255), nullable=False)
    topic: Mapped[str] = mapped_column(String(255), nullable=False)
    report_interval: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
