"""XP ledger and badge awards (issue 8)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xp_awards",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("xp", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=160), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("xp > 0", name=op.f("ck_xp_awards_xp")),
        sa.CheckConstraint("score > 0 and score <= 1", name=op.f("ck_xp_awards_score")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_xp_awards_learner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", "item_id", name=op.f("pk_xp_awards")),
    )
    op.create_index("ix_xp_awards_answered_at", "xp_awards", ["answered_at"])

    op.create_table(
        "badge_awards",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("badge", sa.String(length=32), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_badge_awards_learner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("learner_id", "badge", name=op.f("pk_badge_awards")),
    )
    op.create_index("ix_badge_awards_awarded_at", "badge_awards", ["awarded_at"])


def downgrade() -> None:
    op.drop_index("ix_badge_awards_awarded_at", table_name="badge_awards")
    op.drop_table("badge_awards")
    op.drop_index("ix_xp_awards_answered_at", table_name="xp_awards")
    op.drop_table("xp_awards")
