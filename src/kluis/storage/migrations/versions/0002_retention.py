"""Retention runs, legal holds, and how often a record's period was renewed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as table:
        table.add_column(sa.Column("renewals", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "retention_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("held", sa.JSON(), nullable=False),
        sa.Column("subjects_erased", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
    )
    op.create_index(op.f("ix_retention_run_status"), "retention_run", ["status"], unique=False)
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("activity", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    op.create_index(op.f("ix_legal_hold_subject_id"), "legal_hold", ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_hold_subject_id"), table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_index(op.f("ix_retention_run_status"), table_name="retention_run")
    op.drop_table("retention_run")
    with op.batch_alter_table("record") as table:
        table.drop_column("renewals")
