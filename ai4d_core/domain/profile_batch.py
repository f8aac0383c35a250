"""Rules profiles for many learners at once: `analyze_many`, equal to `profile_rules.analyze` per learner.

Input is columnar (`Responses`: one row per answer, codes into vocabularies), not a list of `Evidence`. What is
per-response work runs in numpy over every learner at once: the latest graded answer to each (learner, item),
per (learner, topic) counts, mean score and the EAP ability and SE on `irt.GRID` (one sparse product of the
rows' weights with the log-likelihood table of the distinct items, in blocks of groups small enough to stay in
cache). The per-learner texts are then assembled from the rules' own functions (`profile_batch_text`), called
once per distinct combination of the few values they depend on, so the wording is never forked; the path and
timeline of every learner come out of `profile_batch_plan` at once.

Output: one JSON document per learner, equal to `analyze(...).model_dump(mode="json")` (abilities to rounding:
a sum in another order could differ from the loop's by 1e-16, which changes the rounded figure only on an
exact tie at the 4th decimal).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ai4d_core.domain.irt import GRID, log_prior, summarize
from ai4d_core.domain.profile import Evidence

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TimeArray = npt.NDArray[np.datetime64]
_BLOCK = 2048  # (learner, topic) groups per block of the EAP: (block x grid) arrays of 1.3 MB, which stay in cache


@dataclass(frozen=True)
class Responses:
    """Scored answers of many learners, one row per answer; codes index the vocabularies.

    `learner[i]` indexes the learners passed to `analyze_many`; `item`/`topic` index `item_ids`/`topics`;
    `answered_at` is UTC (datetime64[us]); `graded` False marks an open response awaiting review (not
    evidence). Misconception tags are pairs: row `tag_row[j]` revealed `tags[tag[j]]`. (An item's level,
    which `Evidence` carries, plays no part in the rules and is not needed.)
    """

    learner: IntArray
    item: IntArray
    topic: IntArray
    a: FloatArray
    b: FloatArray
    score: FloatArray
    answered_at: TimeArray
    graded: BoolArray
    item_ids: Sequence[str]
    topics: Sequence[str]
    tag_row: IntArray
    tag: IntArray
    tags: Sequence[str]

    def __post_init__(self) -> None:
        n = self.learner.shape[0]
        columns = (self.item, self.topic, self.a, self.b, self.score, self.answered_at, self.graded)
        if self.learner.ndim != 1 or any(c.shape != (n,) for c in columns):
            raise ValueError("every column of Responses must be 1-d and of the same length")
        if self.tag_row.shape != self.tag.shape:
            raise ValueError("tag_row and tag must have the same length")
        for name, codes, size in (
            ("item", self.item, len(self.item_ids)),
            ("topic", self.topic, len(self.topics)),
            ("tag_row", self.tag_row, n),
            ("tag", self.tag, len(self.tags)),
        ):
            if codes.size and (codes.min() < 0 or codes.max() >= size):
                raise ValueError(f"{name} codes must lie in [0, {size})")

    def __len__(self) -> int:
        return int(self.learner.shape[0])

    @classmethod
    def of(cls, evidence: Sequence[Sequence[Evidence]]) -> Responses:
        """The columns of per-learner evidence lists (learner code = position in `evidence`); UTC times."""
        rows = [(i, e) for i, es in enumerate(evidence) for e in es]
        item_ids = sorted({e.item_id for _, e in rows})
        topics = sorted({e.topic for _, e in rows})
        tags = sorted({t for _, e in rows for t in e.misconceptions})
        item_code = {x: i for i, x in enumerate(item_ids)}
        topic_code = {x: i for i, x in enumerate(topics)}
        tag_code = {x: i for i, x in enumerate(tags)}
        pairs = [(j, tag_code[t]) for j, (_, e) in enumerate(rows) for t in e.misconceptions]
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        micros = [(e.answered_at - epoch) // _MICROSECOND for _, e in rows]
        return cls(
            learner=np.array([i for i, _ in rows], dtype=np.int64),
            item=np.array([item_code[e.item_id] for _, e in rows], dtype=np.int64),
            topic=np.array([topic_code[e.topic] for _, e in rows], dtype=np.int64),
            a=np.array([e.a for _, e in rows], dtype=np.float64),
            b=np.array([e.b for _, e in rows], dtype=np.float64),
            score=np.array([e.score for _, e in rows], dtype=np.float64),
            answered_at=np.array(micros, dtype=np.int64).astype("datetime64[us]"),
            graded=np.array([e.graded for _, e in rows], dtype=np.bool_),
            item_ids=item_ids,
            topics=topics,
            tag_row=np.array([j for j, _ in pairs], dtype=np.int64),
            tag=np.array([t for _, t in pairs], dtype=np.int64),
            tags=tags,
        )


_MICROSECOND = np.timedelta64(1, "us").astype(object)


@dataclass(frozen=True)
class TopicStats:
    """Per (learner, topic) figures, one row per group, sorted by learner then topic id (as `analyze` lists
    them); `rows` are the latest graded answers in group order (sorted by item id within a group)."""

    learner: IntArray
    topic: IntArray  # code into Responses.topics
    start: IntArray  # the group's first position in `rows`
    n_responses: IntArray
    n_correct: IntArray
    mean_score: FloatArray
    ability: FloatArray
    se: FloatArray
    rows: IntArray  # row indices of Responses


def topic_stats(r: Responses) -> TopicStats:
    """Every (learner, topic) group's counts, mean score and EAP ability and SE, from the latest graded answer
    to each item (as `profile_rules.latest_graded`: the latest time; on a tie, the later row)."""
    rows, first, key = _latest(r)
    change = np.r_[False, key[1:] != key[:-1]] if rows.size else np.zeros(0, np.bool_)
    start = np.flatnonzero(np.r_[True, change[1:]]) if rows.size else np.zeros(0, np.int64)
    group = np.cumsum(change)
    n = np.diff(np.r_[start, rows.size]).astype(np.int64)
    score = r.score[rows]
    n_correct = np.bincount(group, weights=score >= 1, minlength=start.size).astype(np.int64)
    # Floating-point sums depend on their order ((0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)): each group's scores
    # are added in the order `analyze` meets its items, that of their first answers (`first` ranks them).
    in_order = np.full(len(r), -1, dtype=np.int64)
    in_order[first] = np.arange(rows.size)
    in_order = in_order[in_order >= 0]
    sums = np.bincount(group[in_order], weights=score[in_order], minlength=start.size)
    theta, se = _eap(r, rows, start, group, np.clip(score, 0.0, 1.0))
    return TopicStats(
        learner=r.learner[rows[start]],
        topic=r.topic[rows[start]],
        start=start.astype(np.int64),
        n_responses=n,
        n_correct=n_correct,
        mean_score=round3(sums / np.maximum(n, 1)),
        ability=round3(theta) + 0.0,
        se=round3(se),
        rows=rows,
    )


def ranks(vocabulary: Sequence[str]) -> IntArray:
    """Each code's rank in the vocabulary's sorted order (Python's string order, as `sorted` uses)."""
    rank = np.empty(len(vocabulary), dtype=np.int64)
    rank[sorted(range(len(vocabulary)), key=vocabulary.__getitem__)] = np.arange(len(vocabulary))
    return rank


def _latest(r: Responses) -> tuple[IntArray, IntArray, IntArray]:
    """The rows of the latest graded answer to each (learner, item), sorted by learner, topic id and item id;
    for each the rank (by learner, time, row) of the first graded answer to its item, the order in which
    `analyze` meets the items; and the (learner, topic) key of its group. (Whole columns, no copy of the graded
    rows: an ungraded row sorts last and is cut off.)"""
    at, who, item, topic = r.answered_at.view(np.int64), r.learner, r.item, r.topic
    if not who.size:
        return who.copy(), who.copy(), who.copy()
    in_time_order = bool(np.all((who[1:] > who[:-1]) | ((who[1:] == who[:-1]) & (at[1:] >= at[:-1]))))
    rank = np.arange(who.size)  # rows in learner and time order already (as a query reads them)
    if not in_time_order:
        rank[np.lexsort((at, who))] = np.arange(who.size)
    n_items, n_topics = max(len(r.item_ids), 1), max(len(r.topics), 1)
    item_rank, topic_rank = ranks(r.item_ids), ranks(r.topics)
    item_topic = np.zeros(n_items, dtype=np.int64)
    item_topic[item] = topic
    size = (int(who.max(initial=0)) + 1) * n_topics * n_items
    one_sort = size < 2**62 and np.array_equal(item_topic[item], topic)
    if one_sort:  # each item in one topic (the usual case): one sort by learner, topic and item
        key = who * (n_topics * n_items) + (topic_rank[item_topic] * n_items + item_rank)[item]
    else:
        key = who * n_items + item_rank[item]
    n_graded = int(np.count_nonzero(r.graded))
    if n_graded < who.size:
        key[~r.graded] = size  # after every graded row's key
    order, key = _stable_sort(key)  # stable: rows of one item stay in input order
    rows, key = order[:n_graded], key[:n_graded]
    rank = rows if in_time_order else rank[rows]
    if rows.size:
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        if first.size < rows.size:  # some items answered more than once
            if in_time_order:  # the last row of an item is its latest answer
                latest = np.r_[first[1:], rows.size] - 1
            else:  # the last row at the latest time
                at = at[rows]
                latest_at = np.repeat(np.maximum.reduceat(at, first), np.diff(np.r_[first, rows.size]))
                latest = np.maximum.reduceat(np.where(at == latest_at, np.arange(rows.size), -1), first)
            rows, key, rank = rows[latest], key[first], np.minimum.reduceat(rank, first)
    if one_sort:
        return rows, rank, key // n_items
    group = r.learner[rows] * n_topics + topic_rank[r.topic[rows]]
    order = np.argsort(group, kind="stable")  # by learner and the latest answer's topic, items staying in order
    return rows[order], rank[order], group[order]


def _stable_sort(key: IntArray) -> tuple[IntArray, IntArray]:
    """The stable argsort of non-negative `key` and the sorted keys: when the positions fit in the low bits of
    the keys, one sort of the values (distinct, so any sort is stable; several times faster than argsort)."""
    bits = max(int(key.size).bit_length(), 1)
    if not key.size or int(key.max()) >= 1 << (62 - bits):
        order = np.argsort(key, kind="stable")
        return order, key[order]
    packed = np.sort((key << bits) | np.arange(key.size))
    return packed & ((1 << bits) - 1), packed >> bits


def _eap(
    r: Responses, rows: IntArray, start: IntArray, group: IntArray, u: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """EAP ability and SE (prior N(0, 1), as `irt.eap`) of each group of `rows` (groups begin at `start`).

    A row's log-likelihood over the grid is (1 - u) log(1 - P) + u log P: a group's sum is the product of the
    rows' weights (sparse matrices: one entry per row, log P of a right answer or log(1 - P) of the others, and
    a second one, u log P, for a partly right answer) with the table of log(1 - P) and log P of the distinct
    (a, b) pairs, block by block of groups."""
    if not rows.size:
        return np.zeros(0), np.zeros(0)
    pair_a, pair_b, pair = _pairs(r, rows)
    z = pair_a[:, None] * (GRID[None, :] - pair_b[:, None])
    log_p = -np.logaddexp(0.0, -z)
    table = np.vstack([log_p - z, log_p])  # log(1 - P) rows, then log P rows
    right = u == 1.0
    main = (pair + np.where(right, pair_a.size, 0), np.where(right, 1.0, 1.0 - u), np.r_[start, rows.size])
    part = np.flatnonzero((u > 0.0) & ~right)
    extra = (pair[part] + pair_a.size, u[part], np.r_[0, np.cumsum(np.bincount(group[part], minlength=start.size))])
    prior = log_prior(0.0, 1.0)
    theta, se = np.empty(start.size), np.empty(start.size)
    for lo in range(0, start.size, _BLOCK):
        hi = min(lo + _BLOCK, start.size)
        density = np.asarray(_rows(*main, lo, hi, table.shape[0]) @ table)
        density += prior
        density += _rows(*extra, lo, hi, table.shape[0]) @ table
        theta[lo:hi], se[lo:hi] = summarize(density)
    return theta, se


def _rows(column: IntArray, weight: FloatArray, indptr: IntArray, lo: int, hi: int, width: int) -> sp.csr_matrix:
    """Rows lo..hi of the CSR matrix (weight, column, indptr), as a view."""
    a, b = indptr[lo], indptr[hi]
    return sp.csr_matrix((weight[a:b], column[a:b], indptr[lo : hi + 1] - a), shape=(hi - lo, width))


def _pairs(r: Responses, rows: IntArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """The distinct (a, b) of `rows` and each row's index among them: the items themselves when every answer
    to an item carries the same parameters (the usual case, checked on the whole columns), else the distinct
    pairs."""
    item_a, item_b = np.zeros(len(r.item_ids)), np.zeros(len(r.item_ids))
    item_a[r.item], item_b[r.item] = r.a, r.b
    if np.array_equal(item_a[r.item], r.a) and np.array_equal(item_b[r.item], r.b):
        return item_a, item_b, r.item[rows]
    a, b = r.a[rows], r.b[rows]
    pairs, pair = np.unique(a + 1j * b, return_inverse=True)
    return pairs.real.copy(), pairs.imag.copy(), pair.reshape(-1).astype(np.int64)


def round3(x: FloatArray) -> FloatArray:
    """`round(v, 3)` of every value, as Python rounds (numpy's differs only within 1e-6 of a half)."""
    out = np.round(x, 3)
    scaled = x * 1000.0
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near.any():
        out[near] = [round(v, 3) for v in x[near].tolist()]
    return np.asarray(out, dtype=np.float64)


def analyze_many(
    learner_ids: Sequence[int] | IntArray,
    versions: Sequence[int] | IntArray,
    responses: Responses,
    now: datetime,
    hours_per_week: Sequence[float | None] | FloatArray | None = None,
) -> list[dict[str, Any]]:
    """One rules profile document per learner (`learner_ids[k]` is learner code k of `responses`), each equal
    to `analyze(learner_ids[k], versions[k], <their evidence>, now, LearnerContext(hours_per_week=...))`
    dumped as JSON. `hours_per_week`: one per learner, None/NaN when not said."""
    from ai4d_core.domain.profile_batch_text import documents  # it imports this module

    n = len(learner_ids)
    if len(versions) != n or (hours_per_week is not None and len(hours_per_week) != n):
        raise ValueError("learner_ids, versions and hours_per_week need one value per learner")
    if responses.learner.size and responses.learner.max() >= n:
        raise ValueError(f"learner codes must lie in [0, {n})")
    hours = np.full(n, np.nan) if hours_per_week is None else np.array(hours_per_week, dtype=np.float64)
    stats = topic_stats(responses)
    # Millions of new dicts and lists, none in a cycle: the cyclic collector would rescan them again and again
    # (it tripled the time), so it pauses while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return documents(learner_ids, versions, responses, stats, now, hours)
    finally:
        if collecting:
            gc.enable()


__all__ = ["Responses", "TopicStats", "analyze_many", "ranks", "round3", "topic_stats"]
