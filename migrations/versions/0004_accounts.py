"""accounts: sign-up fields, throttle outcomes, token purposes, cohort invites, audit log, mail outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:45:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("field_of_interest", sa.String(length=120), nullable=True))
    op.add_column("users", sa.Column("current_role", sa.String(length=120), nullable=True))
    op.add_column("users", sa.Column("goal", sa.String(length=500), nullable=True))
    op.add_column("users", sa.Column("hours_per_week", sa.Float(), nullable=True))
    op.create_check_constraint(
        op.f("ck_users_hours_per_week"), "users", "hours_per_week is null or hours_per_week between 0 and 80"
    )

    op.add_column("login_attempts", sa.Column("throttled", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("login_attempts", sa.Column("device", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_login_attempts_at"), "login_attempts", ["at"])

    op.add_column(
        "auth_tokens",
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_auth_tokens_purpose"), "auth_tokens", "purpose in ('verify', 'reset')")

    op.add_column("cohorts", sa.Column("created_by", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_cohorts_created_by_users"), "cohorts", "users", ["created_by"], ["id"], ondelete="SET NULL"
    )
    op.create_table(
        "cohort_invites",
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_invites_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_cohort_invites_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_cohort_invites")),
    )
    op.create_index(op.f("ix_cohort_invites_cohort_id"), "cohort_invites", ["cohort_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_event"), "audit_log", ["event"])
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor_id"])
    op.create_index(op.f("ix_audit_log_target_id"), "audit_log", ["target_id"])

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('pending', 'sent', 'failed')", name=op.f("ck_mail_outbox_status")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_outbox_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_user_id"), "mail_outbox", ["user_id"])
    op.create_index(
        "ix_mail_outbox_due", "mail_outbox", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("audit_log")
    op.drop_table("cohort_invites")
    op.drop_constraint(op.f("fk_cohorts_created_by_users"), "cohorts", type_="foreignkey")
    op.drop_column("cohorts", "created_by")
    op.drop_constraint(op.f("ck_auth_tokens_purpose"), "auth_tokens", type_="check")
    op.drop_column("auth_tokens", "created_at")
    op.drop_index(op.f("ix_login_attempts_at"), table_name="login_attempts")
    op.drop_column("login_attempts", "device")
    op.drop_column("login_attempts", "throttled")
    op.drop_constraint(op.f("ck_users_hours_per_week"), "users", type_="check")
    for column in ("hours_per_week", "goal", "current_role", "field_of_interest", "password_changed_at"):
        op.drop_column("users", column)
