"""open responses graded by people: the rules' suggestion, the educator's grade (issue 8)

Open responses already stored keep their rule-based score (it was final when they were given); from now on a new open response is stored with score NULL and its `suggested_score` until graded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("responses", "quiz_answers"):
        op.alter_column(table, "score", existing_type=sa.Float(), nullable=True)
        op.add_column(table, sa.Column("suggested_score", sa.Float(), nullable=True))
        op.create_check_constraint(op.f(f"ck_{table}_suggested_score"), table, "suggested_score between 0 and 1")
    op.create_index(
        "ix_responses_awaiting_review", "responses", ["answered_at"], postgresql_where=sa.text("score is null")
    )
    op.create_table(
        "grades",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("grader_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.CheckConstraint("score between 0 and 1", name=op.f("ck_grades_score")),
        sa.CheckConstraint("comment is null or length(comment) <= 2000", name=op.f("ck_grades_comment")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_grades_learner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["grader_id"], ["users.id"], name=op.f("fk_grades_grader_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grades")),
    )
    op.create_index(op.f("ix_grades_learner_id"), "grades", ["learner_id"])
    op.create_index(op.f("ix_grades_grader_id"), "grades", ["grader_id"])
    op.create_index("ix_grades_response", "grades", ["attempt_id", "item_id"])
    op.create_index(
        "uq_grades_current", "grades", ["attempt_id", "item_id"], unique=True, postgresql_where=sa.text("current")
    )


def downgrade() -> None:
    op.drop_table("grades")
    op.drop_index("ix_responses_awaiting_review", table_name="responses")
    for table in ("responses", "quiz_answers"):
        # The old schema has no "awaiting review": the rules' suggestion becomes the score again (nothing lost).
        op.execute(sa.text(f"update {table} set score = coalesce(suggested_score, 0) where score is null"))  # noqa: S608
        op.drop_constraint(op.f(f"ck_{table}_suggested_score"), table, type_="check")
        op.drop_column(table, "suggested_score")
        op.alter_column(table, "score", existing_type=sa.Float(), nullable=False)
