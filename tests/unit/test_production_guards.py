"""AI4D_ENV=production refuses embedded services, demo data, plain http, a salt equal to the secret, placeholders."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from ai4d_cli.launcher import up
from ai4d_cli.main import app
from ai4d_core.bootstrap import Container
from ai4d_core.services.demo import seed_demo
from ai4d_core.settings import ProductionRefusedError, Settings

pytestmark = pytest.mark.unit

SECRET = "9f1c2e7a5b3d4c6e8f0a1b2c3d4e5f6a-cookie"
SALT = "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d-salt"
EXTERNAL = {
    "database_url": "postgresql://ai4d:s3cr3t-db-pass@db.internal:5432/ai4d",
    "mongo_url": "mongodb://ai4d:s3cr3t-mongo-pass@mongo.internal/?authSource=admin",
    "prefect_api_url": "https://prefect.internal/api",
    "smtp_url": "smtp://mail.internal:587",
}


def production(tmp_path: Path, **overrides: Any) -> Settings:
    """Production settings that pass every static check unless `overrides` break one."""
    values: dict[str, Any] = {
        "env": "production",
        "var_dir": tmp_path / "var",
        "public_url": "https://learn.example.org",
        "cookie_secret": SECRET,
        "pseudonym_salt": SALT,
        **EXTERNAL,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_a_sound_production_configuration_is_accepted(tmp_path: Path) -> None:
    settings = production(tmp_path)
    assert settings.public_url == "https://learn.example.org"
    assert SECRET not in repr(settings) and SALT not in repr(settings)


def test_production_refuses_an_http_public_url(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"AI4D_PUBLIC_URL must be an https:// URL"):
        production(tmp_path, public_url="http://learn.example.org")


def test_production_refuses_a_pseudonym_salt_equal_to_the_cookie_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="AI4D_PSEUDONYM_SALT must differ from AI4D_COOKIE_SECRET"):
        production(tmp_path, pseudonym_salt=SECRET)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"cookie_secret": "changeme"}, "AI4D_COOKIE_SECRET must be set"),
        ({"pseudonym_salt": "development-only-secret"}, "AI4D_PSEUDONYM_SALT must be set"),
        ({"cookie_secret": "short-but-not-a-placeholder"}, "AI4D_COOKIE_SECRET must be set"),
        ({"llm_api_key": "changeme"}, "AI4D_LLM_API_KEY is a placeholder"),
        ({"database_url": "postgresql://ai4d:PASSWORD@db.internal/ai4d"}, "AI4D_DATABASE_URL has a placeholder"),
        ({"mongo_url": "mongodb://ai4d:changeme@mongo.internal/"}, "AI4D_MONGO_URL has a placeholder"),
    ],
)
def test_production_refuses_a_placeholder_secret(tmp_path: Path, override: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        production(tmp_path, **override)


def test_development_keeps_its_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.public_url.startswith("http://")


@pytest.mark.parametrize("unset", sorted(EXTERNAL))
def test_production_refuses_to_start_embedded_services(
    tmp_path: Path, unset: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = production(tmp_path, **{unset: None})
    with caplog.at_level(logging.ERROR, logger="ai4d"):
        assert up(settings, demo=False) == 1
    print(caplog.text)
    assert "AI4D_ENV=production: refusing to start embedded services" in caplog.text
    assert f"AI4D_{unset.upper()}" in caplog.text
    assert not (tmp_path / "var").exists(), "nothing may start"


def test_production_refuses_up_with_demo_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="ai4d"):
        assert up(production(tmp_path), demo=True) == 1
    assert "refusing to seed demo data (`ai4d up --demo`)" in caplog.text
    assert not (tmp_path / "var").exists()


def test_production_refuses_to_seed_demo_data(tmp_path: Path) -> None:
    container = Container(production(tmp_path))
    with pytest.raises(ProductionRefusedError, match="refusing to seed demo data"):
        seed_demo(container)
    assert "engine" not in vars(container), "refused before touching a store"


def test_production_refuses_the_demo_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in {"env": "production", "public_url": "https://learn.example.org", "cookie_secret": SECRET,
                        "pseudonym_salt": SALT, "var_dir": str(tmp_path / "var"), **EXTERNAL}.items():  # fmt: skip
        monkeypatch.setenv(f"AI4D_{name.upper()}", value)
    result = CliRunner().invoke(app, ["demo"])
    print(result.output)
    assert result.exit_code == 1
    assert "AI4D_ENV=production: refusing to seed demo data (`ai4d demo`)" in result.output
