"""What stack update needs on resource rows: the replacement links and each row's template.

A replaced resource has two rows while its update runs: the old one and its
replacement (``replaces`` -> the old row's id, and the old row's
``replaced_by`` -> the new one). ``current_template_id`` names the template
(generation) a row was last written for, so an engine that loads a stack
mid-update — after a crash, for a rollback — can tell the generations apart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("resource") as batch:
        batch.add_column(sa.Column("replaces", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("current_template_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource") as batch:
        batch.drop_column("current_template_id")
        batch.drop_column("replaced_by")
        batch.drop_column("replaces")
