"""The steps of carrying out data subject requests, each done once or failed and retried;
on records, the day they were last reviewed, and no index on ``subject_id`` of their own
(the unique ``(subject_id, activity)`` index serves every lookup by subject), and a partial
index of the restricted ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as table:
        table.add_column(sa.Column("reviewed", sa.Date(), nullable=True))
    op.drop_index(op.f("ix_record_subject_id"), table_name="record")
    op.create_index(
        op.f("ix_record_restricted"),
        "record",
        ["activity"],
        sqlite_where=sa.text("status = 'restricted'"),
        postgresql_where=sa.text("status = 'restricted'"),
    )
    op.create_table(
        "request_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subject_request.id"],
            name=op.f("fk_request_step_request_id_subject_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_step")),
        sa.UniqueConstraint("request_id", "step", name=op.f("uq_request_step_request_id_step")),
    )
    op.create_index(op.f("ix_request_step_request_id"), "request_step", ["request_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_step_request_id"), table_name="request_step")
    op.drop_table("request_step")
    op.drop_index(op.f("ix_record_restricted"), table_name="record")
    op.create_index(op.f("ix_record_subject_id"), "record", ["subject_id"], unique=False)
    with op.batch_alter_table("record") as table:
        table.drop_column("reviewed")
