"""The vault, the audit log, register versions and users.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS kluis_keys")
    op.create_table(
        "anonymous_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("field_count", sa.Integer(), nullable=False),
        sa.Column("anonymised_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_record")),
    )
    op.create_index(
        op.f("ix_anonymous_record_activity"), "anonymous_record", ["activity"], unique=False
    )
    op.create_table(
        "audit_entry",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("activity", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_action"), "audit_entry", ["action"], unique=False)
    op.create_index(op.f("ix_audit_entry_subject_id"), "audit_entry", ["subject_id"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_digest", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_file_digest"), "import_job", ["file_digest"], unique=False)
    op.create_table(
        "subject_key",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kek_id", sa.String(length=40), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subject_key")),
        schema="kluis_keys",
    )
    op.create_index(
        op.f("ix_subject_key_kek_id"), "subject_key", ["kek_id"], unique=False, schema="kluis_keys"
    )
    op.create_table(
        "register_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_version")),
    )
    op.create_index(
        op.f("ix_register_version_content_hash"), "register_version", ["content_hash"], unique=False
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("name", name=op.f("uq_user_account_name")),
    )
    op.create_table(
        "import_refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_refusal_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_refusal")),
    )
    op.create_index(op.f("ix_import_refusal_job_id"), "import_refusal", ["job_id"], unique=False)
    op.create_table(
        "record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("row_digest", sa.LargeBinary(), nullable=True),
        sa.Column("collected", sa.Date(), nullable=True),
        sa.Column("last_contact", sa.Date(), nullable=True),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("employment_end", sa.Date(), nullable=True),
        sa.Column("selection_end", sa.Date(), nullable=True),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("register_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_record_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record")),
        sa.UniqueConstraint("subject_id", "activity", name=op.f("uq_record_subject_id_activity")),
    )
    op.create_index(op.f("ix_record_activity"), "record", ["activity"], unique=False)
    op.create_index(op.f("ix_record_subject_id"), "record", ["subject_id"], unique=False)
    op.create_table(
        "identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["record.id"],
            name=op.f("fk_identifier_record_id_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_identifier_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifier")),
    )
    op.create_index("ix_identifier_kind_digest", "identifier", ["kind", "digest"], unique=False)
    op.create_index(op.f("ix_identifier_record_id"), "identifier", ["record_id"], unique=False)
    op.create_index(op.f("ix_identifier_subject_id"), "identifier", ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identifier_subject_id"), table_name="identifier")
    op.drop_index(op.f("ix_identifier_record_id"), table_name="identifier")
    op.drop_index("ix_identifier_kind_digest", table_name="identifier")
    op.drop_table("identifier")
    op.drop_index(op.f("ix_record_subject_id"), table_name="record")
    op.drop_index(op.f("ix_record_activity"), table_name="record")
    op.drop_table("record")
    op.drop_index(op.f("ix_import_refusal_job_id"), table_name="import_refusal")
    op.drop_table("import_refusal")
    op.drop_table("user_account")
    op.drop_table("subject")
    op.drop_index(op.f("ix_register_version_content_hash"), table_name="register_version")
    op.drop_table("register_version")
    op.drop_index(op.f("ix_subject_key_kek_id"), table_name="subject_key", schema="kluis_keys")
    op.drop_table("subject_key", schema="kluis_keys")
    op.drop_index(op.f("ix_import_job_file_digest"), table_name="import_job")
    op.drop_table("import_job")
    op.drop_table("audit_head")
    op.drop_index(op.f("ix_audit_entry_subject_id"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_action"), table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_index(op.f("ix_anonymous_record_activity"), table_name="anonymous_record")
    op.drop_table("anonymous_record")
