"""Generate items of one (topic, level, type) cell with the LLM, verified; fall back to the bank and templates.

A run asks for `count` items in requests of `llm_items_per_call`, verifies every candidate
(`domain.verification`), asks an independent solver (a second call that never sees the key) to answer the
survivors, drops near-duplicates of the bank and of the batch, spreads the key positions, and stores what is
left as `provisional` with provenance `llm:<model>`. Rejected candidates are kept with their reason. When
candidates fall short, one more round is asked for; what is still missing comes from the curated bank (active
items of the cell) and then from parameterised templates, and the report says why.

Requests are numbered by a `seed` (by default, how many candidates this cell has seen so far), so the same
request is the same prompt: a re-run is answered by the cache, and a new run asks for new items.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from ai4d_core.adapters.sql.generation import SqlGenerationStore
from ai4d_core.bootstrap import Container
from ai4d_core.domain.batch_checks import Deduper, rebalance
from ai4d_core.domain.items import ITEM_TYPES, Item, SqlQueryItem
from ai4d_core.domain.templates import template_items
from ai4d_core.domain.verification import Reason, Rejection, check_sql_reference
from ai4d_core.llm.client import LlmClient
from ai4d_core.services.generation_rounds import Round, run_round

MAX_ROUNDS = 2


@dataclass
class GenerationReport:
    topic: str
    level: int
    item_type: str
    requested: int
    accepted: list[Item] = field(default_factory=list)  # new LLM items, stored as provisional
    already_stored: list[str] = field(default_factory=list)  # LLM items this request had made before (re-run)
    rejected: list[Rejection] = field(default_factory=list)
    from_bank: list[str] = field(default_factory=list)  # ids of active bank items of the cell
    from_templates: list[Item] = field(default_factory=list)  # new template items, stored as provisional
    fallback_reason: str | None = None
    llm_requests: int = 0
    cache_hits: int = 0

    @property
    def from_llm(self) -> int:
        return len(self.accepted) + len(self.already_stored)

    @property
    def item_ids(self) -> list[str]:
        """Every item this request provides, LLM items first."""
        llm = [i.id for i in self.accepted] + self.already_stored
        return llm + self.from_bank + [i.id for i in self.from_templates]

    @property
    def shortfall(self) -> int:
        return max(0, self.requested - len(self.item_ids))

    def rejection_counts(self) -> dict[str, int]:
        return dict(Counter(str(r.reason) for r in self.rejected))

    def __str__(self) -> str:
        text = (
            f"{self.topic}/{self.level}/{self.item_type}: {len(self.item_ids)} of {self.requested} items "
            f"({self.from_llm} from the LLM, {len(self.from_bank)} from the bank, {len(self.from_templates)} "
            f"from templates); {len(self.rejected)} rejected {self.rejection_counts() or ''}"
        )
        return text + (f"; fallback: {self.fallback_reason}" if self.fallback_reason else "")


def generate_items(
    c: Container, topic: str, level: int, item_type: str, count: int, *, seed: int | None = None
) -> GenerationReport:
    """Make `count` items for the cell; see the module docstring. Never raises for an LLM failure."""
    if item_type not in ITEM_TYPES:
        raise ValueError(f"unknown item type {item_type!r}; expected one of {', '.join(ITEM_TYPES)}")
    if not 1 <= level <= 3 or count < 1:
        raise ValueError("level must be 1-3 and count at least 1")
    report = GenerationReport(topic, level, item_type, count)
    store = SqlGenerationStore(c.engine)
    llm = c.llm
    if llm is None:
        report.fallback_reason = "no LLM configured (AI4D_LLM_BASE_URL is unset)"
    else:
        _from_llm(c, llm, store, report, seed)
    if report.shortfall:
        _fall_back(c, store, report)
    return report


def _from_llm(
    c: Container, llm: LlmClient, store: SqlGenerationStore, report: GenerationReport, seed: int | None
) -> None:
    cell = (report.topic, report.level, report.item_type)
    variation = seed if seed is not None else store.count(*cell, "llm:%") + store.rejection_count(*cell)
    source = f"llm:{llm.model}"
    dedupe = Deduper(store.stems(report.topic))
    sql = c.sql_sandbox if report.item_type == "sql_query" else None
    before_requests, before_hits = llm.stats.requests, llm.stats.cache_hits
    new: list[Item] = []
    why: list[str] = []
    for _ in range(MAX_ROUNDS):
        need = report.shortfall - len(new)  # (already stored ones count in the shortfall)
        if need <= 0:
            break
        calls = math.ceil(need / c.settings.llm_items_per_call)
        sizes = [min(c.settings.llm_items_per_call, need - j * c.settings.llm_items_per_call) for j in range(calls)]
        done: Round = run_round(llm, cell, sizes, variation, source, sql, stored=dedupe)
        variation += calls
        report.rejected += done.rejected
        report.already_stored += done.already_stored
        for item in done.verified:
            if item.id in dedupe:
                report.already_stored.append(item.id)
            elif dup := dedupe.duplicate_of(item.stem):
                report.rejected.append(Rejection(Reason.DUPLICATE, f"{dup[1]:.2f} similar to {dup[0]}", item.stem))
            else:
                dedupe.add(item.id, item.stem)
                new.append(item)
        if done.failed_calls == len(sizes):
            why.append(f"the LLM failed on all {len(sizes)} requests ({', '.join(sorted(set(done.errors)))})")
            break
    report.accepted = rebalance(new)
    c.items.upsert(report.accepted)
    store.add_rejections(*cell, source, report.rejected)
    report.llm_requests = llm.stats.requests - before_requests
    report.cache_hits = llm.stats.cache_hits - before_hits
    if report.shortfall:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.rejection_counts().items()))
        why.append(f"{report.from_llm} of {report.requested} verified after {MAX_ROUNDS} rounds (rejected: {counts})")
        report.fallback_reason = why[0]


def _fall_back(c: Container, store: SqlGenerationStore, report: GenerationReport) -> None:
    """Active bank items of the cell not in the request yet, then fresh template items."""
    taken = set(report.item_ids)
    bank = [
        item.id
        for item in c.items.active(report.topic)
        if item.level == report.level and item.type == report.item_type and item.id not in taken
    ]
    report.from_bank = bank[: report.shortfall]
    if report.shortfall:
        cell = (report.topic, report.level, report.item_type)
        seed = store.count(*cell, "template:%")
        dedupe = Deduper(store.stems(report.topic))
        fresh = [i for i in template_items(*cell, report.shortfall, seed) if not dedupe.duplicate_of(i.stem)]
        sql = c.sql_sandbox if report.item_type == "sql_query" else None
        fresh = [i for i in fresh if not (isinstance(i, SqlQueryItem) and sql and check_sql_reference(i, sql))]
        c.items.upsert(fresh)
        report.from_templates = fresh
    if report.fallback_reason is None:
        report.fallback_reason = "the LLM made fewer items than asked"
    if report.shortfall:
        report.fallback_reason += f"; {report.shortfall} item(s) still missing: no bank item or template left"
