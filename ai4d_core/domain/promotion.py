"""The promotion policy for provisional items: promote, keep provisional, or set aside for review.

A provisional item is shown as an unscored pretest item until its observed statistics decide. Setting aside
needs *evidence* of a problem (a one-sided test at `z` standard errors, 1.64: 5%); a doubt that the data do
not yet settle keeps the item provisional, to be judged again with more answers. The rules, in order (the
first that applies gives the decision and its reason):

1. **Keep** with fewer than `min_responses` responses ("not enough responses: 12 of 30").
2. **Set aside** on *negative discrimination*: a or the key's point-biserial below 0 by more than `z`
   standard errors (abler learners score lower: often a wrong key). The point-biserial's test is the usual
   t = r sqrt(n - 2) / sqrt(1 - r^2).
3. **Set aside** on *misfit*: the item's RMSD fit above `max_fit` (the 2PL curve does not describe its answers).
4. **Set aside** on a *distractor problem* (choice items): a distractor chosen by at least `min_choosers`
   learners whose mean rest ability exceeds that of the key's choosers by more than `z` standard errors
   (a second right answer, or an ambiguous key). Options chosen by fewer are not judged.
5. **Set aside** on *weak discrimination*: a + `z` se(a) < `min_a` (more data will not help).
6. **Keep** while a promotion condition is short, saying which: a outside [`min_a`, `max_a`], se(a) above
   `max_se_a`, se(b) above `max_se_b`, the point-biserial below `min_point_biserial`, or a distractor whose
   choosers are at least as able as the key's (without the evidence of rule 4).
7. **Promote** otherwise: enough responses, `min_a` <= a <= `max_a` with small SEs, acceptable fit, the key's
   point-biserial at least `min_point_biserial`, and every judged distractor's choosers less able than the key's.

Active items are never demoted automatically: `review_active` flags one that a set-aside rule catches.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum


class Decision(StrEnum):
    PROMOTED = "promoted"  # provisional -> active
    KEPT = "kept"  # stays provisional (pretest), judged again next run
    SET_ASIDE = "set_aside"  # provisional -> review: a person must look at it
    ACTIVE = "active"  # an active item: part of the scale, not subject to promotion


@dataclass(frozen=True, slots=True)
class PromotionPolicy:
    """Thresholds of the promotion rules (module docstring); the defaults are AI4D's policy."""

    min_responses: int = 30
    min_a: float = 0.3
    max_a: float = 4.0
    max_se_a: float = 0.5
    max_se_b: float = 0.5
    max_fit: float = 0.1
    min_point_biserial: float = 0.1
    min_choosers: int = 5
    z: float = 1.64

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DEFAULT_POLICY = PromotionPolicy()


@dataclass(frozen=True, slots=True)
class OptionStat:
    """One option of a choice item: is it a key, how many chose it, their rest ability (None if undefined)."""

    option: str
    key: bool
    chosen: int
    mean_ability: float | None
    sd_ability: float | None = None


@dataclass(frozen=True, slots=True)
class ItemEvidence:
    """What the policy judges of one item version (None: not estimable)."""

    n_responses: int
    a: float
    b: float
    se_a: float | None
    se_b: float | None
    fit: float | None
    point_biserial: float | None
    options: tuple[OptionStat, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reason: str


def decide(e: ItemEvidence, policy: PromotionPolicy = DEFAULT_POLICY) -> Verdict:
    """The decision for a provisional item, with a plain-language reason."""
    p = policy
    if e.n_responses < p.min_responses:
        return Verdict(Decision.KEPT, f"not enough responses: {e.n_responses} of {p.min_responses}")
    problem = _problem(e, p)
    if problem:
        return Verdict(Decision.SET_ASIDE, problem)
    if _known(e.se_a) and e.a + p.z * (e.se_a or 0.0) < p.min_a:
        return Verdict(Decision.SET_ASIDE, f"weak discrimination: a = {e.a:.2f} (se {e.se_a:.2f}), clearly "
                                           f"below {p.min_a:g}; it barely tells learners apart")  # fmt: skip
    short = _short_of(e, p)
    if short:
        return Verdict(Decision.KEPT, "not yet: " + "; ".join(short))
    fit = f", fit {e.fit:.3f}" if _known(e.fit) else ""
    return Verdict(
        Decision.PROMOTED,
        f"{e.n_responses} responses, a = {e.a:.2f} (se {e.se_a:.2f}), b = {e.b:.2f} (se {e.se_b:.2f}){fit}, "
        f"point-biserial {e.point_biserial:.2f}" + (", every distractor below the key" if e.options else ""),
    )


def review_active(e: ItemEvidence, policy: PromotionPolicy = DEFAULT_POLICY) -> str | None:
    """Why an active item deserves a look (a set-aside rule, with enough responses), or None."""
    if e.n_responses < policy.min_responses:
        return None
    return _problem(e, policy)


def _problem(e: ItemEvidence, p: PromotionPolicy) -> str | None:
    """The first set-aside reason among negative discrimination, misfit and a distractor problem."""
    if e.a < 0 and _known(e.se_a) and e.a + p.z * (e.se_a or 0.0) < 0:
        return (
            f"negative discrimination: a = {e.a:.2f} (se {e.se_a:.2f}); abler learners do worse on it (check the key)"
        )
    r = e.point_biserial
    if r is not None and _known(r) and r < 0 and r * math.sqrt(e.n_responses - 2) / math.sqrt(1 - r * r) < -p.z:
        return (f"negative discrimination: point-biserial {r:.2f} over {e.n_responses} responses; abler "
                "learners do worse on it (check the key)")  # fmt: skip
    if _known(e.fit) and (e.fit or 0.0) > p.max_fit:
        return f"misfit: item fit {e.fit:.3f} above {p.max_fit:g}; the 2PL curve does not describe its answers"
    distractor = _abler_distractor(e.options, p)
    if distractor and distractor[1] > p.z:
        return f"distractor problem: abler learners choose {distractor[0]}; is it also right, or the key ambiguous?"
    return None


def _abler_distractor(options: tuple[OptionStat, ...], p: PromotionPolicy) -> tuple[str, float] | None:
    """The judged distractor whose choosers are most able, if at least as able as the key's: (text, z)."""
    keys = [o for o in options if o.key and o.chosen and o.mean_ability is not None]
    n_key = sum(o.chosen for o in keys)
    if not n_key:
        return None
    key_mean = sum(o.chosen * (o.mean_ability or 0.0) for o in keys) / n_key
    key_var = sum((o.chosen - 1) * (o.sd_ability or 0.0) ** 2 + o.chosen * ((o.mean_ability or 0.0) - key_mean) ** 2
                  for o in keys) / max(n_key - 1, 1)  # fmt: skip
    judged = [o for o in options if not o.key and o.chosen >= p.min_choosers and o.mean_ability is not None]
    if not judged:
        return None
    top = max(judged, key=lambda o: o.mean_ability or 0.0)
    diff = (top.mean_ability or 0.0) - key_mean
    if diff < 0:
        return None
    se = math.sqrt((top.sd_ability or 0.0) ** 2 / top.chosen + key_var / n_key)
    z = diff / se if se > 0 else math.inf
    key_names = ", ".join(o.option for o in keys)
    text = (f"option {top.option}: mean ability {top.mean_ability:.2f} of {top.chosen} choosers, against "
            f"{key_mean:.2f} of {n_key} for the key {key_names} (z = {z:.1f})")  # fmt: skip
    return text, z


def _short_of(e: ItemEvidence, p: PromotionPolicy) -> list[str]:
    short = []
    if e.a < p.min_a:
        short.append(f"discrimination a = {e.a:.2f} below {p.min_a:g}")
    if e.a > p.max_a:
        short.append(f"discrimination a = {e.a:.2f} above {p.max_a:g} (implausibly steep)")
    if not _known(e.se_a) or (e.se_a or 0.0) > p.max_se_a:
        short.append(f"se(a) {_fmt(e.se_a)} above {p.max_se_a:g}")
    if not _known(e.se_b) or (e.se_b or 0.0) > p.max_se_b:
        short.append(f"se(b) {_fmt(e.se_b)} above {p.max_se_b:g}")
    if not _known(e.point_biserial) or (e.point_biserial or 0.0) < p.min_point_biserial:
        short.append(f"point-biserial {_fmt(e.point_biserial)} below {p.min_point_biserial:g}")
    distractor = _abler_distractor(e.options, p)
    if distractor:
        short.append(f"a distractor's choosers are as able as the key's ({distractor[0]})")
    return short


def _known(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _fmt(x: float | None) -> str:
    return f"{x:.2f}" if _known(x) else "unknown"


__all__ = [
    "DEFAULT_POLICY",
    "Decision",
    "ItemEvidence",
    "OptionStat",
    "PromotionPolicy",
    "Verdict",
    "decide",
    "review_active",
]
