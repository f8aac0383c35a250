"""Rules profiles for many learners: the vectorized `analyze_many` vs the per-learner loop of `analyze`, in one run.

Data (seeded, `--seed`): `--learners` learners (100,000) and `--responses` answers (10,000,000) on the twelve
topics, 150 synthetic items per topic (a ~ lognormal(0.1, 0.3), b ~ N(0, 1)). Each learner answers 2-8 topics
with an ability per topic (2PL draws), some items more than once (the latest answer counts); 10% of items are
open responses with a fractional score, of which a tenth await review (not evidence); half of the wrong answers
to an item with tagged distractors reveal one of the topic's misconception tags (the catalogue's); a quarter of
the learners have not said their weekly hours, the others say 1-20.
Rows come in learner and time order, as the adapter's query reads them (`analyze_many` takes any order).
(b) first, the peer, the per-learner loop `analyze(...).model_dump(mode="json")`, on `--sample` learners (2,000),
    timed in wall-clock and CPU seconds and extrapolated to every learner (printed as such); their `Evidence`
    lists are built from the same columns beforehand, timed apart (a second line adds that time);
(a) ours: `profile_batch.analyze_many` over every learner at once, from the columns (`Responses`) to the JSON
    documents the store takes: profiles/s before writes, process peak RSS; the sample's documents must equal
    the loop's;
(c) the MongoDB write rate: `--writes` (5,000) documents of (a) into the MongoDB-wire server (`secantusd-py`,
    embedded in a temporary folder, as `ai4d up` runs it) through `MongoProfileStore.put` (one idempotent
    upsert per document), and through unordered `bulk_write`s of the same `$setOnInsert` upserts, `--batch`
    (1,000) a call (the bulk path measured here; the store has no `put_many` yet); the bulk repeated over the
    stored documents must insert nothing.
Target: (a) at least 10x (b)'s profiles/s by wall clock; `--check` exits 1 when missed or a document differs.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from pymongo import MongoClient, UpdateOne

from ai4d_cli import embedded
from ai4d_cli.credentials import MONGO_APP, CredentialStore
from ai4d_core.adapters.mongo_profiles import MongoProfileStore
from ai4d_core.domain.irt import probability
from ai4d_core.domain.misconceptions import misconceptions
from ai4d_core.domain.profile import Evidence, LearnerContext
from ai4d_core.domain.profile_batch import Responses, analyze_many
from ai4d_core.domain.profile_rules import analyze
from ai4d_core.domain.topics import TOPICS

TARGET_RATIO = 10.0
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ITEMS_PER_TOPIC = 150


def cohort(n_learners: int, n_responses: int, seed: int) -> tuple[Responses, np.ndarray]:
    """The synthetic responses of the module docstring and each learner's weekly hours (NaN: not said)."""
    rng = np.random.default_rng(seed)
    n_topics, n_items = len(TOPICS), len(TOPICS) * ITEMS_PER_TOPIC
    a = np.clip(rng.lognormal(0.1, 0.3, n_items), 0.3, 3.0)
    b = np.clip(rng.normal(0.0, 1.0, n_items), -3.0, 3.0)
    open_item = rng.random(n_items) < 0.1
    catalogue = misconceptions()
    by_topic = [[i for i, m in enumerate(sorted(catalogue)) if catalogue[m].topic == t] for t in TOPICS]
    tagged_item = rng.random(n_items) < 0.5
    # Learners: 2-8 topics each (a random subset), answers spread over them.
    # Rows in learner and time order, as the adapter's query reads them (`analyze_many` takes any order).
    learner = rng.integers(0, n_learners, n_responses)
    seconds = rng.integers(0, 90 * 86_400, n_responses) * 1_000_000 + rng.integers(0, 1_000_000, n_responses)
    order = np.lexsort((seconds, learner))
    learner, seconds = learner[order], seconds[order]
    k = rng.integers(2, 9, n_learners)
    topic_sets = np.argsort(rng.random((n_learners, n_topics)), axis=1)  # a random order of the 12 topics
    topic = topic_sets[learner, rng.integers(0, 1 << 30, n_responses) % k[learner]]
    item = topic * ITEMS_PER_TOPIC + rng.integers(0, ITEMS_PER_TOPIC, n_responses)
    theta = rng.normal(0.0, 0.6, n_learners)[:, None] + rng.normal(0.0, 0.8, (n_learners, n_topics))
    p = probability(theta[learner, topic], a[item], b[item])
    right = rng.random(n_responses) < p
    fractional = np.round(np.clip(p + rng.normal(0, 0.2, n_responses), 0, 1) * 20) / 20
    score = np.where(open_item[item], fractional, right.astype(np.float64))
    graded = ~(open_item[item] & (rng.random(n_responses) < 0.1))
    start = np.datetime64(NOW.replace(tzinfo=None), "us") - np.timedelta64(90 * 86_400, "s")
    answered_at = start + seconds.astype("timedelta64[us]")
    reveals = (score == 0) & tagged_item[item] & ~open_item[item] & (rng.random(n_responses) < 0.5)
    reveals &= np.array([bool(by_topic[t]) for t in range(n_topics)])[topic]
    tag_row = np.flatnonzero(reveals)
    size = np.array([len(ids) for ids in by_topic])
    offset = np.r_[0, np.cumsum(size)[:-1]]
    pool = np.array([i for ids in by_topic for i in ids], dtype=np.int64)
    tag = pool[offset[topic[tag_row]] + item[tag_row] % np.maximum(size[topic[tag_row]], 1)]
    hours = np.where(rng.random(n_learners) < 0.25, np.nan, rng.integers(1, 21, n_learners).astype(np.float64))
    responses = Responses(
        learner=learner.astype(np.int64), item=item.astype(np.int64), topic=topic.astype(np.int64), a=a[item],
        b=b[item], score=score, answered_at=answered_at, graded=graded,
        item_ids=[f"{t}-{i:03d}" for t in TOPICS for i in range(ITEMS_PER_TOPIC)], topics=list(TOPICS),
        tag_row=tag_row.astype(np.int64), tag=tag, tags=sorted(catalogue),
    )  # fmt: skip
    return responses, hours


def evidence_of(r: Responses, learners: Sequence[int]) -> dict[int, list[Evidence]]:
    """The `Evidence` lists of some learners, from the columns (what the loop is given), built as an adapter
    would: whole columns to Python values, then one `Evidence` per row."""
    rows = np.flatnonzero(np.isin(r.learner, np.asarray(learners)))
    tags: dict[int, list[str]] = {}
    pick = np.isin(r.tag_row, rows)
    for row, t in zip(r.tag_row[pick].tolist(), r.tag[pick].tolist(), strict=True):
        tags.setdefault(row, []).append(r.tags[t])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    times = [epoch + timedelta(microseconds=v) for v in r.answered_at[rows].astype(np.int64).tolist()]
    out: dict[int, list[Evidence]] = {k: [] for k in learners}
    columns = (
        rows.tolist(), r.learner[rows].tolist(), r.item[rows].tolist(), r.topic[rows].tolist(), r.a[rows].tolist(),
        r.b[rows].tolist(), r.score[rows].tolist(), times, r.graded[rows].tolist(),
    )  # fmt: skip
    for row, k, item, topic, a, b, score, at, graded in zip(*columns, strict=True):
        out[k].append(Evidence(r.item_ids[item], r.topics[topic], 1, a, b, score, at, tuple(tags.get(row, ())), graded))
    return out


class _Clock:
    """Wall-clock and CPU seconds of this process between creation and `stop` (addable)."""

    def __init__(self, wall: float | None = None, cpu: float | None = None) -> None:
        self._start = (time.perf_counter(), time.process_time())
        self.wall, self.cpu = wall or 0.0, cpu or 0.0

    def stop(self) -> None:
        self.wall, self.cpu = time.perf_counter() - self._start[0], time.process_time() - self._start[1]

    def __add__(self, other: _Clock) -> _Clock:
        return _Clock(self.wall + other.wall, self.cpu + other.cpu)


def _write_rates(docs: Sequence[dict[str, Any]], batch: int) -> tuple[float, float, float, int]:
    """docs/s through `put`, through bulk upserts, and of the repeated bulk (with the count it inserted)."""
    with tempfile.TemporaryDirectory(prefix="ai4d-bench-rules-") as tmp:
        root = Path(tmp)
        store = CredentialStore.of(root)
        port = embedded.free_port()
        mongo = embedded.start_mongo(root / "mongo", port, root / "log" / "mongo.log", store, "ai4d_bench")
        client: MongoClient[dict[str, Any]] = MongoClient(embedded.mongo_url(port, store.get(MONGO_APP)))
        try:
            db = client["ai4d_bench"]
            one = MongoProfileStore(db, "profiles_put")
            one.ensure_indexes()
            start = time.perf_counter()
            for doc in docs:
                one.put(doc)
            put_rate = len(docs) / (time.perf_counter() - start)
            many = MongoProfileStore(db, "profiles_bulk")
            many.ensure_indexes()
            start = time.perf_counter()
            _bulk(db["profiles_bulk"], docs, batch)
            bulk_rate = len(docs) / (time.perf_counter() - start)
            start = time.perf_counter()
            again = _bulk(db["profiles_bulk"], docs, batch)
            repeat_rate = len(docs) / (time.perf_counter() - start)
            stored = db["profiles_bulk"].count_documents({})
            assert stored == len(docs), (stored, len(docs))
        finally:
            client.close()
            embedded.stop(mongo)
    return put_rate, bulk_rate, repeat_rate, again


def _bulk(col: Any, docs: Sequence[dict[str, Any]], batch: int) -> int:
    """The store's `put` as unordered bulk upserts ($setOnInsert per (learner_id, version)); inserted count."""
    inserted = 0
    for lo in range(0, len(docs), batch):
        ops = [
            UpdateOne(
                {"learner_id": d["learner_id"], "version": d["version"]},
                {"$setOnInsert": {k: v for k, v in d.items() if k not in ("learner_id", "version", "_id")}},
                upsert=True,
            )
            for d in docs[lo : lo + batch]
        ]
        inserted += col.bulk_write(ops, ordered=False).upserted_count
    return inserted


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench rules_profiles", description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=2_000, help="learners the per-learner loop is timed on")
    parser.add_argument("--writes", type=int, default=5_000, help="documents written to MongoDB per path")
    parser.add_argument("--batch", type=int, default=1_000, help="documents per bulk_write")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    responses, hours = cohort(args.learners, args.responses, args.seed)
    ids = np.arange(1, args.learners + 1)
    versions = np.ones(args.learners, dtype=np.int64)
    print(
        f"rules_profiles: {args.learners:,} learners, {len(responses):,} responses "
        f"({responses.tag_row.size:,} misconception tags, {int((~responses.graded).sum()):,} awaiting review), "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    # The loop first, while the process holds only the columns (our documents would load its GC).
    sample = np.random.default_rng(args.seed + 1).choice(args.learners, min(args.sample, args.learners), replace=False)
    build = _Clock()
    evidence = evidence_of(responses, sample.tolist())
    build.stop()
    contexts = {k: LearnerContext(hours_per_week=None if np.isnan(hours[k]) else float(hours[k])) for k in evidence}
    peer = _Clock()
    loop = {k: analyze(int(ids[k]), 1, evidence[k], NOW, contexts[k]).model_dump(mode="json") for k in evidence}
    peer.stop()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = _Clock()
    docs = analyze_many(ids, versions, responses, NOW, hours)
    ours.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    equal = sum(loop[k] == docs[k] for k in loop)

    n, m = args.learners, len(loop)
    rows = [
        ("ours: analyze_many (columns -> JSON documents)", n, ours),
        ("peer: analyze(...).model_dump per learner (sample)", m, peer),
        ("peer + building its Evidence from the columns (sample)", m, peer + build),
    ]
    print(f"{'path':<58}{'learners':>9}{'wall s':>9}{'profiles/s':>12}{'CPU s':>9}{'profiles/CPU s':>16}")
    for label, count, clock in rows:
        print(
            f"{label:<58}{count:>9,}{clock.wall:>9.2f}{count / clock.wall:>12,.0f}{clock.cpu:>9.2f}"
            f"{count / clock.cpu:>16,.0f}"
        )
    print(f"{'peer extrapolated to every learner (analyze only)':<58}{n:>9,}{peer.wall * n / m:>9.1f}")
    ratio, cpu_ratio = (n / ours.wall) / (m / peer.wall), (n / ours.cpu) / (m / peer.cpu)
    with_build = (n / ours.wall) / (m / (peer.wall + build.wall))
    times = "\N{MULTIPLICATION SIGN}"
    print(
        f"ours/loop = {ratio:.1f}{times} wall clock, {cpu_ratio:.1f}{times} CPU time (profiles/s before writes; "
        f"target >= {TARGET_RATIO:g}{times}); {with_build:.1f}{times} against the loop that builds its Evidence"
    )
    print(f"process peak RSS {peak:,.0f} MB ({rss_before:,.0f} MB before analyze_many: columns, sample, interpreter)")
    print(f"sample documents equal to the loop's: {equal}/{m}")

    writes = docs[: args.writes]
    put_rate, bulk_rate, repeat_rate, again = _write_rates(writes, args.batch)
    print(f"MongoDB writes of {len(writes):,} profiles (secantusd-py, embedded):")
    print(f"  MongoProfileStore.put, one upsert each      {put_rate:>10,.0f} docs/s")
    print(f"  bulk_write of {args.batch:,} upserts, unordered       {bulk_rate:>10,.0f} docs/s")
    print(f"  the same bulk again (stored already)         {repeat_rate:>10,.0f} docs/s, {again} inserted")
    ok = ratio >= TARGET_RATIO and equal == m and again == 0
    print(f"target ours/loop >= {TARGET_RATIO:g}x and identical documents: {'PASS' if ok else 'FAIL'}")
    return 1 if args.check and not ok else 0


__all__ = ["cohort", "evidence_of", "main"]
