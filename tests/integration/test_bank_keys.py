"""Every curated item, answered with its own key, scores full marks on the server (SQL in the real sandbox)."""

from __future__ import annotations

import pytest

from ai4d_core.adapters.sql_sandbox import DuckDBSandbox
from ai4d_core.domain.keys import key_answer
from ai4d_core.domain.scoring import score_answer
from ai4d_core.item_bank import load_curated_bank

pytestmark = pytest.mark.integration


def test_every_curated_key_scores_full_marks() -> None:
    sandbox = DuckDBSandbox()
    bank = load_curated_bank()
    wrong = {item.id: score_answer(item, key_answer(item), sql=sandbox) for item in bank}
    wrong = {item_id: score for item_id, score in wrong.items() if score != pytest.approx(1.0)}
    print(f"checked {len(bank)} items")
    assert len(bank) > 0
    assert wrong == {}
