"""Initial schema: raw_template, user_creds, stack, resource, event, stack_lock.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 00:51:41.898177
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raw_template",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("environment", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_template")),
    )
    op.create_table(
        "user_creds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("project_name", sa.String(length=255), nullable=True),
        sa.Column("auth_token", sa.Text(), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("trust_id", sa.String(length=255), nullable=True),
        sa.Column("trustor_user_id", sa.String(length=255), nullable=True),
        sa.Column("decrypt_method", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_creds")),
    )
    op.create_index(op.f("ix_user_creds_project_id"), "user_creds", ["project_id"], unique=False)

    op.create_table(
        "stack",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("raw_template_id", sa.Integer(), nullable=False),
        sa.Column("prev_raw_template_id", sa.Integer(), nullable=True),
        sa.Column("user_creds_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("tenant", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("parent_resource_name", sa.String(length=255), nullable=True),
        sa.Column("nested_depth", sa.Integer(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=True),
        sa.Column("disable_rollback", sa.Boolean(), nullable=False),
        sa.Column("backup", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["stack.id"], name=op.f("fk_stack_owner_id_stack")),
        sa.ForeignKeyConstraint(
            ["prev_raw_template_id"],
            ["raw_template.id"],
            name=op.f("fk_stack_prev_raw_template_id_raw_template"),
        ),
        sa.ForeignKeyConstraint(
            ["raw_template_id"], ["raw_template.id"], name=op.f("fk_stack_raw_template_id_raw_template")
        ),
        sa.ForeignKeyConstraint(
            ["user_creds_id"],
            ["user_creds.id"],
            name=op.f("fk_stack_user_creds_id_user_creds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stack")),
    )
    op.create_index(op.f("ix_stack_owner_id"), "stack", ["owner_id"], unique=False)
    op.create_index("ix_stack_tenant_created_at", "stack", ["tenant", "created_at"], unique=False)
    op.create_index(
        "uq_stack_tenant_name_live",
        "stack",
        ["tenant", "name"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("resource_name", sa.String(length=255), nullable=True),
        sa.Column("physical_resource_id", sa.String(length=255), nullable=True),
        sa.Column("resource_type", sa.String(length=255), nullable=True),
        sa.Column("resource_action", sa.String(length=32), nullable=True),
        sa.Column("resource_status", sa.String(length=32), nullable=True),
        sa.Column("resource_status_reason", sa.Text(), nullable=True),
        sa.Column("resource_properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stack_id"], ["stack.id"], name=op.f("fk_event_stack_id_stack"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("uuid", name=op.f("uq_event_uuid")),
    )
    op.create_index("ix_event_stack_id_created_at", "event", ["stack_id", "created_at"], unique=False)

    op.create_table(
        "resource",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("physical_resource_id", sa.String(length=255), nullable=True),
        sa.Column("properties_data", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("rsrc_metadata", sa.JSON(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["stack_id"], ["stack.id"], name=op.f("fk_resource_stack_id_stack"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource")),
        sa.UniqueConstraint("uuid", name=op.f("uq_resource_uuid")),
    )
    op.create_index(
        op.f("ix_resource_physical_resource_id"), "resource", ["physical_resource_id"], unique=False
    )
    op.create_index("ix_resource_stack_id_name", "resource", ["stack_id", "name"], unique=False)

    op.create_table(
        "stack_lock",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("engine_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stack_id"], ["stack.id"], name=op.f("fk_stack_lock_stack_id_stack"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("stack_id", name=op.f("pk_stack_lock")),
    )


def downgrade() -> None:
    op.drop_table("stack_lock")
    op.drop_index("ix_resource_stack_id_name", table_name="resource")
    op.drop_index(op.f("ix_resource_physical_resource_id"), table_name="resource")

    op.drop_table("resource")
    op.drop_index("ix_event_stack_id_created_at", table_name="event")

    op.drop_table("event")
    op.drop_index(
        "uq_stack_tenant_name_live",
        table_name="stack",
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_stack_tenant_created_at", table_name="stack")
    op.drop_index(op.f("ix_stack_owner_id"), table_name="stack")

    op.drop_table("stack")
    op.drop_index(op.f("ix_user_creds_project_id"), table_name="user_creds")

    op.drop_table("user_creds")
    op.drop_table("raw_template")
