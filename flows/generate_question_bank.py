"""Flow: generate items for one topic x level x type, verified before use (LLM, or the curated fallback)."""

from __future__ import annotations

from typing import Literal

from prefect import flow, task
from pydantic import BaseModel, Field

from ai4d_core.bootstrap import bootstrap
from ai4d_core.services.generation import generate_items

ItemType = Literal[
    "single_choice", "multiple_choice", "true_false", "short_answer", "numeric", "ordering", "matching", "cloze",
    "open_response", "sql_query",
]  # fmt: skip


class GenerateParams(BaseModel):
    topic: str = Field(default="sql", pattern=r"^[a-z0-9_]{1,64}$")
    level: int = Field(default=1, ge=1, le=3)
    item_type: ItemType = "single_choice"
    count: int = Field(default=5, ge=1, le=200)


@task(retries=1, retry_delay_seconds=30)
def generate(params: GenerateParams) -> dict[str, object]:
    """One core call; LLM items enter the bank only verified and provisional, rejections are kept."""
    with bootstrap() as c:
        report = generate_items(c, params.topic, params.level, params.item_type, params.count)
    print(report)
    return {
        "accepted": [item.id for item in report.accepted],
        "already_stored": report.already_stored,
        "rejected": [f"{r.reason.value}: {r.detail}" for r in report.rejected],
        "from_bank": report.from_bank,
        "from_templates": [item.id for item in report.from_templates],
        "fallback_reason": report.fallback_reason,
    }


@flow(name="generate-question-bank", log_prints=True)
def generate_question_bank(params: GenerateParams | None = None) -> dict[str, object]:
    return generate(params or GenerateParams())
