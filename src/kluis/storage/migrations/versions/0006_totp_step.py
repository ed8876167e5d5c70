"""The time step of the last second-factor code accepted for each user, so that a code
is accepted once (a code seen over someone's shoulder cannot be used again within its
minute and a half).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_login") as table:
        table.add_column(sa.Column("totp_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_login") as table:
        table.drop_column("totp_step")
