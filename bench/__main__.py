"""``python -m bench [names...] [options]``: run the named benchmarks (default: all) in order.

Options after the names go to every benchmark (``--check`` makes a missed target exit 1).
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "ingest": "bench.ingest",
    "generation": "bench.generation",
    "event_loop": "bench.event_loop",
    "enumeration": "bench.enumeration",
    "adaptive_step": "bench.adaptive_step",
    "cat_simulation": "bench.cat_simulation",
    "calibration": "bench.calibration",
    "quiz_round_trip": "bench.quiz_round_trip",
    "llm_profiles": "bench.llm_profiles",
    "rules_profiles": "bench.rules_profiles",
}


def main(argv: list[str]) -> int:
    names = [a for a in argv if a in BENCHMARKS]
    options = [a for a in argv if a not in BENCHMARKS]
    if any(a in ("-h", "--help") for a in argv) and not names:
        print(__doc__.strip())
        print("benchmarks:", ", ".join(BENCHMARKS))
        return 0
    status = 0
    for name in names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        status = max(status, int(module.main(options)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
