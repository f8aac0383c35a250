"""quiz sessions: the server-side quiz (one active per learner), its answers, and responses.presentation

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("responses", sa.Column("presentation", postgresql.JSONB(astext_type=sa.Text()), nullable=True))

    op.create_table(
        "quiz_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("current", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("stop_reason", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode in ('diagnostic', 'practice')", name=op.f("ck_quiz_sessions_mode")),
        sa.CheckConstraint("status in ('active', 'finished', 'abandoned')", name=op.f("ck_quiz_sessions_status")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_quiz_sessions_learner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_sessions")),
    )
    op.create_index(op.f("ix_quiz_sessions_learner_id"), "quiz_sessions", ["learner_id"])
    op.create_index(
        "uq_quiz_sessions_one_active",
        "quiz_sessions",
        ["learner_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "quiz_answers",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("pretest", sa.Boolean(), nullable=False),
        sa.Column("answer", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("typed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("presentation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("feedback", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("score between -1 and 1", name=op.f("ck_quiz_answers_score")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_quiz_answers_learner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["quiz_sessions.id"],
            name=op.f("fk_quiz_answers_session_id_quiz_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "position", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_quiz_answers_submission_id")),
    )
    op.create_index(op.f("ix_quiz_answers_learner_id"), "quiz_answers", ["learner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_quiz_answers_learner_id"), table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_index("uq_quiz_sessions_one_active", table_name="quiz_sessions")
    op.drop_index(op.f("ix_quiz_sessions_learner_id"), table_name="quiz_sessions")
    op.drop_table("quiz_sessions")
    op.drop_column("responses", "presentation")
