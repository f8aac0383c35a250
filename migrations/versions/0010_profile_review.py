"""profile review: learners' review requests and educators' re-runs (issue 8)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_review_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint("char_length(note) <= 500", name=op.f("ck_profile_review_requests_note")),
        sa.CheckConstraint(
            "outcome is null or outcome in ('kept', 'rerun', 'dismissed')",
            name=op.f("ck_profile_review_requests_outcome"),
        ),
        sa.CheckConstraint(
            "(resolved_at is null) = (outcome is null)", name=op.f("ck_profile_review_requests_resolved")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_profile_review_requests_learner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["users.id"],
            name=op.f("fk_profile_review_requests_resolved_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_review_requests")),
    )
    op.create_index(op.f("ix_profile_review_requests_learner_id"), "profile_review_requests", ["learner_id"])
    op.create_index(
        "uq_profile_review_requests_one_open",
        "profile_review_requests",
        ["learner_id"],
        unique=True,
        postgresql_where=sa.text("resolved_at is null"),
    )
    op.create_table(
        "profile_reruns",
        sa.Column("flow_run_id", sa.Uuid(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("n_learners", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_profile_reruns_started_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("flow_run_id", name=op.f("pk_profile_reruns")),
    )
    op.create_index(op.f("ix_profile_reruns_started_by"), "profile_reruns", ["started_by"])


def downgrade() -> None:
    op.drop_index(op.f("ix_profile_reruns_started_by"), table_name="profile_reruns")
    op.drop_table("profile_reruns")
    op.drop_index("uq_profile_review_requests_one_open", table_name="profile_review_requests")
    op.drop_index(op.f("ix_profile_review_requests_learner_id"), table_name="profile_review_requests")
    op.drop_table("profile_review_requests")
