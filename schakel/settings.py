"""One settings class for the whole platform (env vars ``SCHAKEL_*`` and ``.env``).

Embedded mode (the SQLite default) generates its secrets on first run and keeps them
in ``<data dir>/secrets.json`` with mode 0600, so ``make run`` needs no set-up. Outside
development the app refuses to start with a missing or known-default secret: a
production database must never be protected by a key that anyone can read here.
"""

import json
import os
import secrets
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schakel.errors import SchakelError

#: Values that must never protect real data (they appear in docs and examples).
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "schakel", "dev"}
)
SECRET_NAMES = ("secret_key", "encryption_key", "linkage_key", "audit_signing_key")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureSettings(SchakelError):
    """A secret is missing or known to be a default outside development."""


class Settings(BaseSettings):
    """All configuration; read once per process through :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="SCHAKEL_", env_file=".env", extra="ignore"
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=lambda: Path("data").resolve())
    database_url: str | None = None
    secret_key: str | None = None
    encryption_key: str | None = None
    linkage_key: str | None = None
    #: Ed25519 seed (32 bytes, base64) that signs audit checkpoints.
    audit_signing_key: str | None = None
    #: Sign the chain head at least every this many entries (and at least daily).
    audit_checkpoint_every: int = Field(default=1000, ge=1)
    session_hours: float = 8.0
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    secure_cookies: bool = False
    ruleset_dir: Path | None = None
    #: Run retention in the web process every this many minutes (0: off, the
    #: default; then run ``schakel retention run`` from cron or a timer).
    retention_interval_minutes: float = Field(default=0, ge=0)
    #: Earlier encryption secrets: still decrypt, until ``schakel keys rotate``.
    encryption_keys_old: list[str] = Field(default_factory=list)
    #: Server processes for ``schakel serve`` (0: one per CPU core, at most 8).
    web_workers: int = Field(default=0, ge=0, le=64)
    #: Requests handled at once per process (threads for the synchronous
    #: handlers); the database pool is sized to match.
    web_threads: int = Field(default=8, ge=1, le=200)
    #: Poll the hit/no-hit queue every this many seconds in the web process (0:
    #: no worker, the default of the app factory; ``schakel serve`` polls every
    #: second, and ``schakel match run`` drains the queue from the command line).
    match_poll_seconds: float = Field(default=0, ge=0)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'schakel.db'}"

    @property
    def effective_web_workers(self) -> int:
        if self.web_workers:
            return self.web_workers
        return max(1, min(os.cpu_count() or 1, 8))

    @property
    def is_embedded(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def secret(self, name: str) -> str:
        """A secret by name, after :func:`ensure_secrets` has filled it in."""
        value = getattr(self, name)
        if not value:
            raise InsecureSettings(f"Geheime sleutel SCHAKEL_{name.upper()} ontbreekt.")
        return str(value)


def _secrets_file(settings: Settings) -> Path:
    return settings.data_dir / "secrets.json"


def _new_secret(name: str) -> str:
    if name == "audit_signing_key":
        from schakel.audit import new_seed

        return new_seed()
    return secrets.token_urlsafe(32)


def _check_signing_key(value: str) -> None:
    from schakel.audit import InvalidSigningKey, signing_key_from_seed

    try:
        signing_key_from_seed(value)
    except InvalidSigningKey as exc:
        raise InsecureSettings(str(exc)) from exc


def _write_secrets(settings: Settings, stored: dict[str, Any]) -> None:
    """Atomic write with mode 0600: a crash leaves the old file or the new one."""
    path = _secrets_file(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _load_or_create_embedded_secrets(settings: Settings) -> dict[str, Any]:
    path = _secrets_file(settings)
    stored: dict[str, Any] = {}
    if path.exists():
        stored = json.loads(path.read_text("utf-8"))
    missing = [n for n in SECRET_NAMES if not stored.get(n)]
    if missing:
        for name in missing:
            stored[name] = _new_secret(name)
        _write_secrets(settings, stored)
    os.chmod(path, 0o600)
    return stored


def start_embedded_key_rotation(settings: Settings) -> Settings:
    """Embedded mode: a new encryption key; the current one only decrypts from now on.

    The file is written before any value is re-encrypted, so an interrupted rotation
    can simply be run again.
    """
    stored = _load_or_create_embedded_secrets(settings)
    older = [stored["encryption_key"], *stored.get("encryption_keys_old", [])]
    stored["encryption_keys_old"] = list(dict.fromkeys(older))
    stored["encryption_key"] = secrets.token_urlsafe(32)
    _write_secrets(settings, stored)
    return settings.model_copy(
        update={
            "encryption_key": stored["encryption_key"],
            "encryption_keys_old": stored["encryption_keys_old"],
        }
    )


def finish_embedded_key_rotation(settings: Settings) -> None:
    """After every value was re-encrypted: forget the old keys."""
    stored = _load_or_create_embedded_secrets(settings)
    stored["encryption_keys_old"] = []
    _write_secrets(settings, stored)


def ensure_secrets(settings: Settings) -> Settings:
    """Fill in embedded secrets, or refuse insecure ones outside development."""
    if settings.env is Environment.PRODUCTION:
        for name in SECRET_NAMES:
            value = getattr(settings, name)
            if (
                not value
                or value.strip().lower() in KNOWN_DEFAULT_SECRETS
                or len(value) < 16
            ):
                raise InsecureSettings(
                    f"SCHAKEL_{name.upper()} ontbreekt of is een standaardwaarde; "
                    "stel een eigen geheime waarde in (minstens 16 tekens)."
                )
        _check_signing_key(str(settings.audit_signing_key))
        return settings
    if all(getattr(settings, n) for n in SECRET_NAMES):
        return settings
    stored = _load_or_create_embedded_secrets(settings)
    updates: dict[str, Any] = {
        n: getattr(settings, n) or str(stored[n]) for n in SECRET_NAMES
    }
    if not settings.encryption_keys_old and stored.get("encryption_keys_old"):
        updates["encryption_keys_old"] = list(stored["encryption_keys_old"])
    return settings.model_copy(update=updates)


@cache
def get_settings() -> Settings:
    """The process-wide settings, with secrets ensured."""
    return ensure_secrets(Settings())
