"""score suggestions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:45:34.440594
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_suggestions",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("rule_score", sa.Float(), nullable=False),
        sa.Column("suggested_score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("prompt_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status in ('suggested', 'failed')", name=op.f("ck_score_suggestions_status")),
        sa.PrimaryKeyConstraint("attempt_id", "item_id", name=op.f("pk_score_suggestions")),
    )


def downgrade() -> None:
    op.drop_table("score_suggestions")
