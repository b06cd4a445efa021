"""Heat's updated_time: a stack never changed since its create has none.

Stores before this one stamped ``updated_at`` with every state change, the
create's own included; now only the actions that change an existing stack
stamp it (the engine). A stack whose action is still CREATE or ADOPT was
never changed, so its stamp goes. (Others keep theirs: the row cannot tell
whether a later action changed it.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE stack SET updated_at = NULL WHERE action IN ('CREATE', 'ADOPT')")


def downgrade() -> None:
    """Nothing to restore: the old stamps said nothing Heat shows."""
