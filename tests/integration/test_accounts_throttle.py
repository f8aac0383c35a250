"""Login throttling on real PostgreSQL: budgets per account, per device cookie and per source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ai4d_core.adapters.sql.tables import LoginAttempt, MailMessage
from ai4d_core.bootstrap import Container
from ai4d_core.security import passwords
from ai4d_core.services import accounts
from ai4d_core.services.accounts import LoginError, ThrottledError

pytestmark = pytest.mark.integration
PASSWORD = "violet kettle drums at dawn"
WRONG = "not the right passphrase at all"
EMAIL = "ada@example.org"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts Argon2 verifications (each password check hashes once)."""
    calls = [0]
    real = passwords._context()

    class Counting:
        def verify(self, *args: object) -> bool:
            calls[0] += 1
            return bool(real.verify(*args))

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_context", lambda: Counting())
    yield calls


@pytest.fixture
def ada(clean: Container) -> int:
    return accounts.create_user(clean, EMAIL, "Ada", "learner", PASSWORD)


def attempts(c: Container, throttled: bool) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.throttled.is_(throttled))
        ).scalar_one())  # fmt: skip


def fail(c: Container, source: str = "198.51.100.7", email: str = EMAIL, device: str | None = None) -> str:
    try:
        accounts.login(c, email, WRONG, source, device=device)
    except ThrottledError:
        return "throttled"
    except LoginError:
        return "failed"
    return "ok"


def test_the_eleventh_check_in_the_window_is_refused_without_hashing(
    clean: Container, ada: int, hashes: list[int]
) -> None:
    outcomes = [fail(clean) for _ in range(10)]
    assert outcomes == ["failed"] * 10 and hashes[0] == 10
    assert fail(clean) == "throttled" and hashes[0] == 10
    with pytest.raises(ThrottledError):  # the right password too, without a hash
        accounts.login(clean, EMAIL, PASSWORD, "203.0.113.5")
    assert hashes[0] == 10
    for _ in range(5):
        fail(clean)
    assert attempts(clean, throttled=False) == 10 and attempts(clean, throttled=True) == 7  # not counted as checks
    print(f"checks that reached Argon2: {hashes[0]} of 17 attempts")


def test_unknown_accounts_are_throttled_alike(clean: Container, hashes: list[int]) -> None:
    outcomes = [fail(clean, email="nobody@example.org") for _ in range(11)]
    assert outcomes == ["failed"] * 10 + ["throttled"] and hashes[0] == 10


def test_concurrent_guesses_cannot_pass_the_budget(clean: Container, ada: int, hashes: list[int]) -> None:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: fail(clean, source=f"198.51.100.{_}"), range(24)))
    assert outcomes.count("failed") == 10 and outcomes.count("throttled") == 14 and hashes[0] == 10


def test_a_reset_clears_the_account_throttle(clean: Container, ada: int) -> None:
    for _ in range(11):
        fail(clean)
    accounts.request_password_reset(clean, EMAIL, "203.0.113.5")
    with clean.engine.connect() as conn:
        body = conn.execute(select(MailMessage.text_body).where(MailMessage.template == "reset")).scalar_one()
    token = re.search(r"token=([\w-]+)", body).group(1)  # type: ignore[union-attr]
    new = "seven quiet herons over the lake"
    accounts.reset_password(clean, token, new, "203.0.113.5")
    assert accounts.session_user(clean, accounts.login(clean, EMAIL, new, "203.0.113.5")) is not None


def test_the_owners_device_cookie_has_its_own_budget_during_an_attack(clean: Container, ada: int) -> None:
    owner_cookie = accounts.device_cookie(clean, ada)  # given by an earlier login or reset
    other_cookie = accounts.device_cookie(clean, ada + 1)  # names another account: no budget here
    attack = [fail(clean, source=f"198.51.100.{i}") for i in range(12)]
    assert attack.count("throttled") == 2
    assert fail(clean, device=other_cookie) == "throttled"
    assert fail(clean, device="forged.cookie.value") == "throttled"
    token = accounts.login(clean, EMAIL, PASSWORD, "203.0.113.5", device=owner_cookie)
    assert accounts.session_user(clean, token) is not None
    assert fail(clean, source="198.51.100.99") == "throttled"  # the attack stays throttled
    # the device budget is limited too: a stolen device cookie gets 10 checks, not unlimited
    outcomes = [fail(clean, source="203.0.113.5", device=owner_cookie) for _ in range(10)]
    assert outcomes.count("failed") == 9 and outcomes[-1] == "throttled"


def test_per_source_budget_spans_accounts_and_ipv6_groups_by_64(clean: Container) -> None:
    settings = clean.settings.model_copy(update={"login_max_checks_per_source": 3})
    with Container(settings) as c:
        prefix = "2001:db8:aa:bb::/64"
        outcomes = [fail(c, source=prefix, email=f"user{i}@example.org") for i in range(4)]
        assert outcomes == ["failed"] * 3 + ["throttled"]
        assert fail(c, source="2001:db8:aa:bc::/64", email="user9@example.org") == "failed"
        cookie = accounts.device_cookie(c, 1)
        assert fail(c, source=prefix, email="user1@example.org", device=cookie) == "throttled"  # applies to all
