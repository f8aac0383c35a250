"""Credentials of the embedded services, made at first start and re-used afterwards.

Each credential is one JSON file `<var>/secrets/<name>.json` (`{"user": ..., "password": ..., ...facts}`) with mode
0600 in a 0700 folder. `ai4d_core.settings` reads the app's ones to build the default service URLs.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai4d_core.settings import SECRETS_DIRNAME

# (file name, user name) of every credential the embedded services use.
POSTGRES_SUPERUSER = ("postgres-superuser", "postgres")
POSTGRES_APP = ("postgres-ai4d", "ai4d")
POSTGRES_PREFECT = ("postgres-prefect", "prefect")
MONGO_ADMIN = ("mongo-admin", "admin")
MONGO_APP = ("mongo-ai4d", "ai4d")
PREFECT_API = ("prefect-api", "ai4d")


@dataclass(frozen=True)
class Credential:
    """A user name and its password (hidden from `repr`); `facts` are what we remember with it."""

    user: str
    password: str = field(repr=False)
    facts: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def basic(self) -> str:
        """`user:password`, as HTTP basic auth (the Prefect auth string) takes it."""
        return f"{self.user}:{self.password}"


def new_password() -> str:
    """32 random bytes, URL-safe (no quoting needed in URLs or SQL literals)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class CredentialStore:
    """The credential files under one folder."""

    folder: Path

    @classmethod
    def of(cls, var_dir: Path) -> CredentialStore:
        return cls(var_dir / SECRETS_DIRNAME)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def load(self, name: str) -> Credential | None:
        """The stored credential, or None before its first start (its mode is reset to 0600)."""
        path = self.path(name)
        try:
            raw: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        path.chmod(0o600)
        user, password = str(raw.pop("user")), str(raw.pop("password"))
        return Credential(user, password, raw)

    def get(self, spec: tuple[str, str]) -> Credential:
        """The credential `spec` = (name, user), made with a new random password on first use."""
        name, user = spec
        found = self.load(name)
        if found is not None:
            return found
        made = Credential(user, new_password())
        self.save(name, made)
        return made

    def remember(self, name: str, **facts: Any) -> Credential:
        """Store `facts` beside credential `name` (which must exist)."""
        found = self.load(name)
        if found is None:
            raise FileNotFoundError(self.path(name))
        updated = Credential(found.user, found.password, {**found.facts, **facts})
        self.save(name, updated)
        return updated

    def save(self, name: str, credential: Credential) -> None:
        """Write atomically: a 0600 temporary file in the 0700 folder, then renamed over."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.folder.chmod(0o700)
        body = {**credential.facts, "user": credential.user, "password": credential.password}
        tmp = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(body, out, indent=2)
                out.write("\n")
            os.replace(tmp, self.path(name))
        finally:
            tmp.unlink(missing_ok=True)


__all__ = [
    "MONGO_ADMIN",
    "MONGO_APP",
    "POSTGRES_APP",
    "POSTGRES_PREFECT",
    "POSTGRES_SUPERUSER",
    "PREFECT_API",
    "Credential",
    "CredentialStore",
    "new_password",
]
