"""Retention runs, legal holds, the consent log, the suppression list, the register of data
subject requests, and on records how often their period was renewed and when consent was
given and withdrawn.

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
        table.add_column(sa.Column("consent_given", sa.Date(), nullable=True))
        table.add_column(sa.Column("consent_withdrawn", sa.Date(), nullable=True))
    # An activity's records in id order, for retention runs that walk them from a cursor.
    op.drop_index(op.f("ix_record_activity"), table_name="record")
    op.create_index(op.f("ix_record_activity_id"), "record", ["activity", "id"], unique=False)
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
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_consent_event_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    op.create_index(
        op.f("ix_consent_event_subject_id"), "consent_event", ["subject_id"], unique=False
    )
    op.create_table(
        "subject_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("extended_due", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity_method", sa.String(length=30), nullable=True),
        sa.Column("identity_outcome", sa.String(length=20), nullable=True),
        sa.Column("identity_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_request")),
    )
    op.create_index(op.f("ix_subject_request_status"), "subject_request", ["status"])
    op.create_index(op.f("ix_subject_request_subject_id"), "subject_request", ["subject_id"])
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
        sa.UniqueConstraint("kind", "digest", name=op.f("uq_suppression_kind_digest")),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_hold_subject_id"), table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_index(op.f("ix_retention_run_status"), table_name="retention_run")
    op.drop_table("retention_run")
    op.drop_table("suppression")
    op.drop_index(op.f("ix_subject_request_subject_id"), table_name="subject_request")
    op.drop_index(op.f("ix_subject_request_status"), table_name="subject_request")
    op.drop_table("subject_request")
    op.drop_index(op.f("ix_consent_event_subject_id"), table_name="consent_event")
    op.drop_table("consent_event")
    op.drop_index(op.f("ix_record_activity_id"), table_name="record")
    op.create_index(op.f("ix_record_activity"), "record", ["activity"], unique=False)
    with op.batch_alter_table("record") as table:
        table.drop_column("consent_withdrawn")
        table.drop_column("consent_given")
        table.drop_column("renewals")
