"""2PL calibration: ours (``calibrate_2pl``) vs girth's ``twopl_mml`` on the same simulated responses.

Complete design: 20,000 persons x 100 items (``--persons``, ``--items``), a ~ lognormal(0, 0.3), b ~ N(0, 1),
θ ~ N(0, 1). Both fit P = 1 / (1 + exp(-a(θ - b))) (girth's ``expit(a(θ - b))``, no 1.7 factor) by marginal
maximum likelihood with θ ~ N(0, 1): girth with its defaults (41 nodes on [-4.5, 4.5], 25 EM cycles, a bounded
search per item and cycle, no SEs), ours with its defaults (61 nodes on [-6, 6], EM until the largest change
is below 1e-4, then SEs and fit). Printed: times (ours: the median of ``--repeat`` runs; girth: one run, it
takes tens of seconds), the ratio (target: ours at least 20x faster), and recovery (r and RMSE of a and b
against the truth) of both. First, a sparse design that girth cannot take without a dense 1,000 x 100,000
matrix: 100,000 learners, 1,000 items, 20 random items each (``--sparse-*``), ours only: time, EM steps,
peak memory, recovery, and the SEs beside the errors (are they honest? about 95% within 1.96 SE).

OpenBLAS is slowed by ``OPENBLAS_CORETYPE`` where this workplace sets it; for figures on a current numpy run
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench calibration`` (printed in the header).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from ai4d_core.domain.irt_calibration import calibrate_2pl
from ai4d_core.domain.irt_simulation import SimulatedResponses, simulate_2pl

TARGET_RATIO = 20.0


def _recovery(a: np.ndarray, b: np.ndarray, data: SimulatedResponses) -> str:
    r_a, r_b = np.corrcoef(a, data.a)[0, 1], np.corrcoef(b, data.b)[0, 1]
    rmse_a, rmse_b = np.sqrt(np.mean((a - data.a) ** 2)), np.sqrt(np.mean((b - data.b) ** 2))
    return f"r(a) {r_a:.4f}  r(b) {r_b:.4f}  RMSE(a) {rmse_a:.4f}  RMSE(b) {rmse_b:.4f}"


def _girth(data: SimulatedResponses, n_persons: int, n_items: int) -> tuple[float, np.ndarray, np.ndarray]:
    from girth import twopl_mml

    matrix = np.zeros((n_items, n_persons), dtype=int)  # girth takes items x persons
    matrix[data.items, data.persons] = data.scores.astype(int)
    start = time.perf_counter()
    result = twopl_mml(matrix)
    return time.perf_counter() - start, np.asarray(result["Discrimination"]), np.asarray(result["Difficulty"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench calibration", description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--sparse-persons", type=int, default=100_000)
    parser.add_argument("--sparse-items", type=int, default=1_000)
    parser.add_argument("--sparse-answers", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours on the complete design (median)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target ratio is missed")
    args = parser.parse_args(argv)
    print(f"calibration: OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, {os.cpu_count()} CPUs")

    sparse = simulate_2pl(args.sparse_persons, args.sparse_items, args.sparse_answers, seed=args.seed + 1)
    start = time.perf_counter()
    fit = calibrate_2pl(sparse.persons, sparse.items, sparse.scores, args.sparse_items)
    sparse_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"sparse {args.sparse_persons:,} learners x {args.sparse_items:,} items x {args.sparse_answers} answers "
        f"({sparse.scores.size:,} responses, about {sparse.scores.size // args.sparse_items:,} per item)"
    )
    print(
        f"  ours   {sparse_s:8.2f} s  {fit.iterations} EM steps, converged {fit.converged}, exact SE "
        f"{fit.exact_se}, process peak RSS {peak_mb:,.0f} MB (simulation included)"
    )
    print(f"         {_recovery(fit.a, fit.b, sparse)}")
    for name, est, true, se in (("a", fit.a, sparse.a, fit.se_a), ("b", fit.b, sparse.b, fit.se_b)):
        covered = np.mean(np.abs(est - true) <= 1.96 * se)
        print(
            f"         SE of {name}: root mean square {np.sqrt(np.mean(se**2)):.4f}, true value within 1.96 SE for "
            f"{covered:.1%} of the items"
        )
    del sparse, fit

    data = simulate_2pl(args.persons, args.items, seed=args.seed)
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = calibrate_2pl(data.persons, data.items, data.scores, args.items)
        runs.append(time.perf_counter() - start)
    ours_s = float(np.median(runs))
    girth_s, girth_a, girth_b = _girth(data, args.persons, args.items)
    ratio = girth_s / ours_s
    print(f"complete {args.persons:,} x {args.items} ({data.scores.size:,} responses)")
    print(
        f"  ours   {ours_s:8.2f} s  median of {', '.join(f'{t:.2f}' for t in runs)} s; {ours.iterations} EM steps, "
        f"converged {ours.converged}, exact SE {ours.exact_se}"
    )
    print(f"         {_recovery(ours.a, ours.b, data)}")
    print(f"  girth  {girth_s:8.2f} s  twopl_mml, its defaults, one run")
    print(f"         {_recovery(girth_a, girth_b, data)}")
    print(
        f"  ratio  {ratio:8.1f} x  (target >= {TARGET_RATIO:.0f} x); ours vs girth: max |Δa| "
        f"{np.max(np.abs(ours.a - girth_a)):.4f}, max |Δb| {np.max(np.abs(ours.b - girth_b)):.4f}"
    )
    missed = ratio < TARGET_RATIO
    if missed:
        print(f"TARGET MISSED: ratio {ratio:.1f} < {TARGET_RATIO:.0f}")
    return int(args.check and missed)
