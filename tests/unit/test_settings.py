"""Settings: typed, prefixed, and refusing placeholder secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ai4d_core.settings import Settings

pytestmark = pytest.mark.unit


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValidationError, match="AI4D_COOKIE_SECRET"):
        Settings(_env_file=None, env="production")  # type: ignore[call-arg, arg-type]


def test_production_accepts_real_secrets() -> None:
    secret, salt = "x" * 8 + "9f1c2e7a5b3d4c6e8f0a1b2c3d4e5f6a", "y" * 8 + "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="production",  # type: ignore[arg-type]
        cookie_secret=secret,  # type: ignore[arg-type]
        pseudonym_salt=salt,  # type: ignore[arg-type]
        public_url="https://learn.example.org",
    )
    assert settings.cookie_secret.get_secret_value() == secret
    assert secret not in repr(settings) and salt not in repr(settings)


def test_environment_variables_use_the_ai4d_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI4D_DATABASE_URL", "postgresql://u@db.internal:5432/ai4d")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@db.internal:5432/ai4d"


def test_unset_services_default_to_the_embedded_ports() -> None:
    settings = Settings(_env_file=None, mongo_port=27999)  # type: ignore[call-arg]
    assert settings.effective_mongo_url.startswith("mongodb://127.0.0.1:27999/")
