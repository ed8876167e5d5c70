"""The lifecycle: the consent log, the suppression list, the register of data subject
requests and the steps that carry them out; on records, when consent was given and
withdrawn and when they were last reviewed; their indexes for retention runs ((activity,
id) to walk an activity from a cursor, a partial index of the restricted ones), and no index
on ``subject_id`` of its own (the unique ``(subject_id, activity)`` index serves every lookup
by subject).

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
        table.add_column(sa.Column("consent_given", sa.Date(), nullable=True))
        table.add_column(sa.Column("consent_withdrawn", sa.Date(), nullable=True))
        table.add_column(sa.Column("reviewed", sa.Date(), nullable=True))
    op.drop_index(op.f("ix_record_activity"), table_name="record")
    op.create_index(op.f("ix_record_activity_id"), "record", ["activity", "id"], unique=False)
    op.drop_index(op.f("ix_record_subject_id"), table_name="record")
    op.create_index(
        op.f("ix_record_restricted"),
        "record",
        ["activity"],
        sqlite_where=sa.text("status = 'restricted'"),
        postgresql_where=sa.text("status = 'restricted'"),
    )
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
    op.drop_table("suppression")
    op.drop_index(op.f("ix_subject_request_subject_id"), table_name="subject_request")
    op.drop_index(op.f("ix_subject_request_status"), table_name="subject_request")
    op.drop_table("subject_request")
    op.drop_index(op.f("ix_consent_event_subject_id"), table_name="consent_event")
    op.drop_table("consent_event")
    op.drop_index(op.f("ix_record_restricted"), table_name="record")
    op.create_index(op.f("ix_record_subject_id"), "record", ["subject_id"], unique=False)
    op.drop_index(op.f("ix_record_activity_id"), table_name="record")
    op.create_index(op.f("ix_record_activity"), "record", ["activity"], unique=False)
    with op.batch_alter_table("record") as table:
        table.drop_column("reviewed")
        table.drop_column("consent_withdrawn")
        table.drop_column("consent_given")
