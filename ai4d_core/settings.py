"""Typed settings, read from the environment (``AI4D_`` prefix) and ``.env``.

Nothing reads the environment at import time: call :func:`load_settings` in an entry point and pass the
result down. A service URL left unset means "use the embedded default" that ``ai4d up`` starts on loopback.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import quote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changeit", "secret", "dev-secret", "development-only-secret", "password", "xxx"}
)
DEV_COOKIE_SECRET = "development-only-secret"  # noqa: S105 - refused outside development by the guard below
SECRETS_DIRNAME = "secrets"  # <var>/secrets: the embedded services' credentials (see ai4d_cli/credentials.py)


class ProductionRefusedError(RuntimeError):
    """Something that AI4D_ENV=production does not allow."""


def refuse_in_production(settings: Settings, what: str) -> None:
    """Raise `ProductionRefusedError` saying AI4D refuses to `what` when the environment is production."""
    if settings.env is Environment.PRODUCTION:
        raise ProductionRefusedError(f"AI4D_ENV=production: refusing to {what}")


def _is_placeholder(value: str) -> bool:
    return value.strip().lower() in PLACEHOLDER_SECRETS


def _production_problems(settings: Settings) -> list[str]:
    """What makes `settings` unfit for production: placeholder secrets, a salt equal to the secret, http."""
    problems = []
    for name in ("cookie_secret", "pseudonym_salt"):
        value: SecretStr = getattr(settings, name)
        if _is_placeholder(value.get_secret_value()) or len(value) < 32:
            problems.append(f"AI4D_{name.upper()} must be set to a random value of 32+ characters")
    if settings.cookie_secret.get_secret_value() == settings.pseudonym_salt.get_secret_value():
        problems.append("AI4D_PSEUDONYM_SALT must differ from AI4D_COOKIE_SECRET")
    if urlsplit(settings.public_url).scheme != "https":
        problems.append(f"AI4D_PUBLIC_URL must be an https:// URL (got {settings.public_url!r})")
    if settings.llm_api_key is not None and _is_placeholder(settings.llm_api_key.get_secret_value()):
        problems.append("AI4D_LLM_API_KEY is a placeholder")
    for name in ("database_url", "mongo_url", "smtp_url", "prefect_api_url", "llm_base_url"):
        url: str | None = getattr(settings, name)
        try:
            password = urlsplit(url).password if url else None
        except ValueError:
            password = None
        if password is not None and _is_placeholder(password):
            problems.append(f"AI4D_{name.upper()} has a placeholder password")
    return problems


def _embedded_login(var_dir: Path, name: str) -> str:
    """`user:password@` of the embedded credential `name` under `var_dir`, or "" before its first start."""
    try:
        raw = json.loads((var_dir / SECRETS_DIRNAME / f"{name}.json").read_text())
    except (OSError, ValueError):
        return ""
    return f"{quote(str(raw['user']), safe='')}:{quote(str(raw['password']), safe='')}@"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of AI4D; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_prefix="AI4D_", env_file=".env", extra="ignore", env_ignore_empty=True)

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    public_url: str = "http://127.0.0.1:5006"

    # Services: unset means the embedded default started by `ai4d up`.
    database_url: str | None = None
    mongo_url: str | None = None
    mongo_db: str = "ai4d"
    prefect_api_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "AI4D <no-reply@ai4d.invalid>"  # From: of every e-mail (ai4d_core/adapters/smtp.py)

    # Embedded service ports (loopback only).
    postgres_port: int = 54329
    mongo_port: int = 27027
    prefect_port: int = 4200
    panel_port: int = 5006
    smtp_port: int = 8025

    # Security.
    cookie_secret: SecretStr = SecretStr(DEV_COOKIE_SECRET)
    pseudonym_salt: SecretStr = SecretStr(DEV_COOKIE_SECRET)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    # Login throttling (ai4d_core/security/throttle.py): password checks per window, per account (and as
    # much again per account and device cookie) and per source; trusted proxies: CIDRs, comma-separated.
    login_max_checks: int = Field(default=10, ge=1)
    login_max_checks_per_source: int = Field(default=100, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    k_anonymity: int = Field(default=10, ge=1)

    # Ingestion.
    max_submission_bytes: int = Field(default=256_000, ge=1_024)
    ingest_batch_size: int = Field(default=5_000, ge=1)

    # LLM: unset base URL means every LLM step uses its deterministic fallback.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_concurrency: int = Field(default=8, ge=1, le=64)
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=4, ge=0, le=10)
    llm_items_per_call: int = Field(default=5, ge=1, le=20)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        """`AI4D_TRUSTED_PROXIES=10.0.0.0/8, 2001:db8::/32`: a comma-separated list of CIDRs, each checked."""
        import ipaddress

        items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        for item in items if isinstance(items, list) else []:
            ipaddress.ip_network(str(item), strict=False)
        return items

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.env is Environment.PRODUCTION and (problems := _production_problems(self)):
            raise ValueError("AI4D_ENV=production: " + "; ".join(problems))
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The PostgreSQL URL, with the psycopg 3 driver named (embedded: the `ai4d` role made at first start)."""
        login = _embedded_login(self.var_dir, "postgres-ai4d") or "ai4d@"
        url = self.database_url or f"postgresql://{login}127.0.0.1:{self.postgres_port}/ai4d"
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if "+" not in url.split(":")[0] else url

    @property
    def effective_mongo_url(self) -> str:
        """The MongoDB URL (embedded: the SCRAM-SHA-256 user made at first start)."""
        if self.mongo_url:
            return self.mongo_url
        url = f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"
        if login := _embedded_login(self.var_dir, "mongo-ai4d"):
            url = f"mongodb://{login}127.0.0.1:{self.mongo_port}/?directConnection=true&authSource=admin"
            url += "&authMechanism=SCRAM-SHA-256"
        return url

    @property
    def effective_prefect_api_url(self) -> str:
        return self.prefect_api_url or f"http://127.0.0.1:{self.prefect_port}/api"

    @property
    def effective_smtp_url(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.smtp_port}"

    @property
    def warehouse_path(self) -> Path:
        return self.var_dir / "warehouse" / "ai4d.duckdb"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]
