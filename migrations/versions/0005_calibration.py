"""calibration: calibration runs, one decision per run and item version, the item status 'review'

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_items_status"), "items", type_="check")
    op.create_check_constraint(
        op.f("ck_items_status"), "items", "status in ('provisional', 'active', 'review', 'retired')"
    )

    op.create_table(
        "calibration_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("n_responses", sa.Integer(), nullable=False),
        sa.Column("n_learners", sa.Integer(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("anchored", sa.Boolean(), nullable=False),
        sa.Column("log_likelihood", sa.Float(), nullable=True),
        sa.Column("iterations", sa.Integer(), nullable=False),
        sa.Column("converged", sa.Boolean(), nullable=False),
        sa.Column("policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_runs")),
    )
    op.create_index(op.f("ix_calibration_runs_calibrated_at"), "calibration_runs", ["calibrated_at"])

    op.create_table(
        "item_calibrations",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("status_before", sa.String(length=16), nullable=False),
        sa.Column("status_after", sa.String(length=16), nullable=False),
        sa.Column("fixed", sa.Boolean(), nullable=False),
        sa.Column("a", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("se_a", sa.Float(), nullable=True),
        sa.Column("se_b", sa.Float(), nullable=True),
        sa.Column("n_responses", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Float(), nullable=True),
        sa.Column("point_biserial", sa.Float(), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "decision in ('promoted', 'kept', 'set_aside', 'active')", name=op.f("ck_item_calibrations_decision")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["calibration_runs.id"],
            name=op.f("fk_item_calibrations_run_id_calibration_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "item_id", "item_version", name=op.f("pk_item_calibrations")),
    )
    op.create_index(op.f("ix_item_calibrations_item_id"), "item_calibrations", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_item_calibrations_item_id"), table_name="item_calibrations")
    op.drop_table("item_calibrations")
    op.drop_index(op.f("ix_calibration_runs_calibrated_at"), table_name="calibration_runs")
    op.drop_table("calibration_runs")
    op.execute("update items set status = 'provisional' where status = 'review'")
    op.drop_constraint(op.f("ck_items_status"), "items", type_="check")
    op.create_check_constraint(op.f("ck_items_status"), "items", "status in ('provisional', 'active', 'retired')")
