"""Second-factor secrets wrapped by the key-encryption key, as the vault's data keys are:
a copy of the database alone no longer holds what generates a user's codes.

The secrets stored in clear before (``totp_secret``) stay where they are until the server,
which holds the key file, wraps them at its next start (a migration has no keys). For the
same reason the downgrade refuses to run while a wrapped secret remains: dropping it would
silently take the users' second factor away.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_login") as table:
        table.add_column(sa.Column("totp_kek_id", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("totp_wrapped", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    wrapped = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM user_login WHERE totp_wrapped IS NOT NULL"))
        .scalar_one()
    )
    if wrapped:
        raise RuntimeError(
            f"{wrapped} user(s) sign in with a second factor wrapped by the key-encryption key, "
            "which a migration cannot unwrap; turn it off for them first "
            "(kluis user second-factor-off NAME)"
        )
    with op.batch_alter_table("user_login") as table:
        table.drop_column("totp_wrapped")
        table.drop_column("totp_kek_id")
