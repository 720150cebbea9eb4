"""One typed settings object for the whole server, read from the environment.

Every knob lives here so a deployment is described by its environment alone (`OMBRO_*` plus the
conventional `DATABASE_URL`), and tests build a `Settings(...)` directly instead of patching globals.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ombro_contract.paths import REPO_ROOT, default_model_path

MB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMBRO_", extra="ignore")

    # Where the server keeps its state: the SQLite file (by default) and published model files.
    data_dir: Path = REPO_ROOT / "var" / "server"
    database_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_URL", "OMBRO_DATABASE_URL"),
        description="SQLAlchemy URL; empty means a SQLite file in data_dir",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    root_path: str = ""
    # Reverse proxies whose X-Forwarded-* headers are trusted (download URLs use the public host).
    forwarded_allow_ips: str = "127.0.0.1"
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"

    # Signing secret for dashboard cookies; when unset a random one is kept in data_dir so
    # sessions survive restarts without anyone having to configure it.
    secret_key: str = ""
    cookie_secure: bool = True
    session_cookie: str = "ombro_session"
    token_ttl_hours: float = 24 * 30
    session_ttl_hours: float = 12

    # Login throttling: after `login_max_failures` bad passwords within `login_window_s` for one
    # username (or `login_max_failures_per_ip` from one address) further attempts get 429 for `login_lockout_s`.
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50  # a school shares one address: keep this generous
    login_window_s: int = 15 * 60
    login_lockout_s: int = 15 * 60

    # Upload limits.
    max_image_bytes: int = 8 * MB
    max_image_pixels: int = 40_000_000
    max_model_bytes: int = 200 * MB
    max_json_bytes: int = 2 * MB
    max_attempts_per_batch: int = 500

    # Scoring micro-batcher.
    score_batching: bool = True
    score_max_batch: int = 16
    score_max_wait_ms: float = 5.0
    score_threads: int = 1
    score_model_refresh_s: float = 2.0
    score_top_k: int = 3

    # Registered into channel "stable" on first start when the registry is empty.
    bundled_model: Path | None = default_model_path("mobilenet_v2", "int8")

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Plain "postgresql://" would pick psycopg2, which is not installed; psycopg 3 is.
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            elif url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://") :]
            return url
        return f"sqlite:///{self.data_dir / 'ombro.sqlite3'}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
