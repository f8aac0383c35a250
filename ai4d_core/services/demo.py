"""Demo data: a cohort, an educator and learners with synthetic answer histories, reproducibly.

Histories are submitted through the same door as real answers (`receive`), so the flows have real work to
do: `ingest-submissions` loads them, `analyze-profiles` profiles them, `refresh-warehouse` aggregates them.
Seeding twice changes nothing (same accounts, same submission ids).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ai4d_core.bootstrap import Container
from ai4d_core.domain.irt import p_correct
from ai4d_core.domain.items import Item, SingleChoiceItem, TrueFalseItem
from ai4d_core.item_bank import load_curated_bank, load_demo_items
from ai4d_core.security.passwords import hash_password
from ai4d_core.services.demo_pretest import THIN_ANSWERS, load_pretest_items, pretest_answers
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.submissions import Bank, receive
from ai4d_core.settings import refuse_in_production

COHORT = "Demo cohort"
DOMAIN = "demo.ai4d.example"
LEARNER_PASSWORD = "demo learner passphrase"  # noqa: S105 - documented demo account, development only
EDUCATOR_PASSWORD = "demo educator passphrase"  # noqa: S105 - documented demo account, development only
ADMIN_PASSWORD = "demo admin passphrase"  # noqa: S105 - documented demo account, development only
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    (f"learner001@{DOMAIN}", LEARNER_PASSWORD, "learner"),
    (f"educator@{DOMAIN}", EDUCATOR_PASSWORD, "educator"),
    (f"admin@{DOMAIN}", ADMIN_PASSWORD, "admin"),
]


@dataclass(frozen=True, slots=True)
class DemoReport:
    items: int
    learners: int
    submissions: int
    created: bool
    pretest_items: int = 0

    def __str__(self) -> str:
        state = "created" if self.created else "already present"
        return (
            f"demo data {state}: curated bank loaded, {self.items} demo items and {self.pretest_items} "
            f"provisional pretest items, cohort '{COHORT}' with {self.learners} learners, "
            f"{self.submissions} synthetic submissions queued"
        )


def learner_email(n: int) -> str:
    return f"learner{n:03d}@{DOMAIN}"


def seed_demo(c: Container, learners: int = 200, seed: int = 7) -> DemoReport:
    """Load the curated bank, create the demo accounts and queue their histories (on the 36 demo items, plus
    pretest answers to the provisional items of `demo_pretest`, drawn from their own random stream).

    Learner 001 starts with no history. Refused with AI4D_ENV=production (published passwords).
    """
    refuse_in_production(c.settings, "seed demo data (accounts with published passwords)")
    c.items.upsert(load_curated_bank())
    items = load_demo_items()
    pretest = load_pretest_items()
    c.items.upsert(pretest)
    created = c.users.by_email(f"educator@{DOMAIN}") is None
    cohort = c.users.add_cohort(COHORT)
    educator = c.users.by_email(f"educator@{DOMAIN}")
    educator_id = (
        educator.id
        if educator
        else c.users.add(f"educator@{DOMAIN}", "Demo Educator", "educator", hash_password(EDUCATOR_PASSWORD))
    )
    c.users.add_member(cohort, educator_id, "educator")
    if c.users.by_email(f"admin@{DOMAIN}") is None:
        c.users.add(f"admin@{DOMAIN}", "Demo Admin", "admin", hash_password(ADMIN_PASSWORD))
    learner_hash = hash_password(LEARNER_PASSWORD)  # one hash for every demo learner keeps seeding fast
    rng = random.Random(seed)
    pretest_rng, thin_left = random.Random(f"pretest-{seed}"), THIN_ANSWERS
    bank = Bank([*items, *pretest])
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    submitted = 0
    for n in range(1, learners + 1):
        existing = c.users.by_email(learner_email(n))
        learner_id = (
            existing.id if existing else c.users.add(learner_email(n), f"Demo Learner {n:03d}", "learner", learner_hash)
        )
        c.users.add_member(cohort, learner_id, "learner")
        general = rng.gauss(0.0, 0.8)
        ability = {topic: general + rng.gauss(0.0, 0.6) for topic in sorted({i.topic for i in items})}
        for attempt in range(rng.randint(1, 3) if n > 1 else 0):
            quiz = rng.sample(items, 9)
            answers = {item.id: _simulate(item, ability[item.topic], rng) for item in quiz}
            thin = attempt == 0 and thin_left > 0
            thin_left -= thin
            answers |= pretest_answers(pretest, ability, pretest_rng, thin=thin)
            when = now - timedelta(days=7 * (3 - attempt) + rng.randint(0, 6))
            submission_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            raw = build_payload(answers, submission_id, submitted_at=when)
            receive(c, learner_id, raw, source="demo", bank=bank)
            submitted += 1
    return DemoReport(len(items), learners, submitted, created, len(pretest))


def _simulate(item: Item, theta: float, rng: random.Random) -> object:
    correct = rng.random() < p_correct(theta, item.calibration.discrimination, item.difficulty)
    if isinstance(item, TrueFalseItem):
        return item.key if correct else not item.key
    assert isinstance(item, SingleChoiceItem)
    return item.key if correct else rng.choice([o.id for o in item.options if o.id != item.key])
