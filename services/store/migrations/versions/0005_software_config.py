"""Software configs and deployments (Heat's ``software_config`` and ``software_deployment`` tables).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "software_config",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("group", sa.String(length=255), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("tenant", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_config")),
    )
    op.create_index(op.f("ix_software_config_tenant"), "software_config", ["tenant"])
    op.create_table(
        "software_deployment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("config_id", sa.String(length=36), nullable=False),
        sa.Column("server_id", sa.String(length=255), nullable=False),
        sa.Column("input_values", sa.JSON(), nullable=False),
        sa.Column("output_values", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=255), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("tenant", sa.String(length=255), nullable=False),
        sa.Column("stack_user_project_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["config_id"],
            ["software_config.id"],
            name=op.f("fk_software_deployment_config_id_software_config"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_deployment")),
    )
    op.create_index(op.f("ix_software_deployment_server_id"), "software_deployment", ["server_id"])
    op.create_index(op.f("ix_software_deployment_tenant"), "software_deployment", ["tenant"])


def downgrade() -> None:
    op.drop_table("software_deployment")
    op.drop_table("software_config")
