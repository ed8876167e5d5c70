"""The public pages: requests sent through the public form until their e-mail address is
confirmed (what the person gave sealed, the address also as a blind index, the link's
token as its SHA-256), private status links of requests, and one-click unsubscribe links
of direct-marketing messages.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def _request(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["request_id"],
        ["subject_request.id"],
        name=op.f(f"fk_{table}_request_id_subject_request"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "public_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("address_index", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("kek_id", sa.String(length=40), nullable=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("confirmed_at", _MOMENT, nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        _request("public_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_request")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_public_request_token_digest")),
    )
    for column in ("address_index", "created_at", "request_id"):
        op.create_index(op.f(f"ix_public_request_{column}"), "public_request", [column])
    op.create_table(
        "request_status_link",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        _request("request_status_link"),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_request_status_link")),
    )
    op.create_index(
        op.f("ix_request_status_link_request_id"), "request_status_link", ["request_id"]
    )
    op.create_table(
        "unsubscribe_token",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("used_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_unsubscribe_token_subject_id_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_unsubscribe_token")),
    )
    op.create_index(op.f("ix_unsubscribe_token_subject_id"), "unsubscribe_token", ["subject_id"])


def downgrade() -> None:
    for table in ("unsubscribe_token", "request_status_link", "public_request"):
        op.drop_table(table)
