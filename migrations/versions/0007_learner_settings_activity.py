"""learner settings (time zone, opt-ins, pseudonym), the activity relay's watermarks, profile-ready notifications

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_settings",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("leaderboard_opt_in", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("notify_profile_ready", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("length(pseudonym) > 0", name=op.f("ck_learner_settings_pseudonym")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_learner_settings_learner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_learner_settings")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_learner_settings_pseudonym")),
    )
    op.create_table(
        "activity_relay",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relayed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_activity_relay")),
    )
    op.create_table(
        "profile_notifications",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.BigInteger(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_profile_notifications_learner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", "version", name=op.f("pk_profile_notifications")),
    )
    # The relay reads its source tables by time.
    op.create_index("ix_quiz_sessions_started_at", "quiz_sessions", ["started_at"])
    op.create_index("ix_quiz_answers_answered_at", "quiz_answers", ["answered_at"])
    op.create_index(
        "ix_outbox_profile_delivered", "outbox", ["delivered_at"],
        postgresql_where=sa.text("topic = 'profile' AND delivered_at IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_outbox_profile_delivered", table_name="outbox")
    op.drop_index("ix_quiz_answers_answered_at", table_name="quiz_answers")
    op.drop_index("ix_quiz_sessions_started_at", table_name="quiz_sessions")
    op.drop_table("profile_notifications")
    op.drop_table("activity_relay")
    op.drop_table("learner_settings")
