"""One typed settings object for the whole server, read from the environment.

Every knob lives here so a deployment is described by its environment alone (`OMBRO_*` plus the
conventional `DATABASE_URL`), and tests build a `Settings(...)` directly instead of patching globals.
"""

from __future__ import annotations

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
    # Server processes on this port (uvicorn workers). Each has its own scoring model, batcher
    # and memory gates (sized per process); everything they must agree on is in the database.
    workers: int = Field(1, ge=1, le=64)
    root_path: str = ""
    # Reverse proxies whose X-Forwarded-For/-Proto headers are trusted: comma-separated addresses
    # or networks (uvicorn's --forwarded-allow-ips). The client is the right-most address in
    # X-Forwarded-For that is not one of them, so a client cannot pick its own address by sending
    # the header itself. Empty (the default): no proxy is trusted and the headers are ignored.
    forwarded_allow_ips: str = ""
    # The server's address as apps reach it (e.g. https://ombro.example.org, with any path prefix
    # the proxy adds); download URLs are built from it. Empty: from the request's Host header.
    public_url: str = ""
    # /metrics: off unless a token is set (scrape with "Authorization: Bearer <token>") or it is
    # explicitly made public (only behind a proxy that keeps it internal).
    metrics_token: str = ""
    metrics_public: bool = False
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"

    # Signing secret for dashboard cookies; when unset a random one is generated once into the
    # database, so sessions survive restarts and every replica signs with the same key.
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
    # Joining a class: wrong join codes per client address, and from all clients together.
    join_max_failures_per_ip: int = 10
    join_max_failures_global: int = 200
    join_window_s: int = 15 * 60
    join_lockout_s: int = 15 * 60

    # Upload limits. The app sends 640x480 frames; phones save 12 MP photos (4032x3024), 24 MP
    # ones (iPhone 15 Pro and later, by default) and 48-50 MP ones where set. The silhouette the
    # model sees is 320x240, so larger images are decoded reduced (see uploads): a baseline JPEG
    # straight to 1/8 by its DCT, which is why it may have more pixels than PNG, WebP, BMP or a
    # progressive JPEG, which are inflated in full first.
    max_image_bytes: int = 24 * MB
    max_image_pixels: int = 4096 * 3072
    max_jpeg_pixels: int = 8192 * 6144
    max_image_side: int = 8192
    max_model_bytes: int = 200 * MB
    max_json_bytes: int = 512 * 1024  # 500 attempts are about 170 KB
    max_attempts_per_batch: int = 500
    # Attempt times: at most this far ahead of the server's clock (phones' clocks drift) and no
    # older than this (a phone whose clock reset to 1970 would otherwise rewrite streaks).
    attempt_max_clock_skew_s: int = 3600
    attempt_max_age_days: int = 365

    # Memory bounds (see server/core/limits.py): argon2 needs 64 MiB per hash and decoding a
    # photo up to ~50 MiB, so only this many run at once; `*_queue` more wait up to `*_wait_s`,
    # the rest get 503 with Retry-After. `max_in_flight` caps requests being handled at all.
    hash_concurrency: int = 2
    hash_queue: int = 64
    hash_wait_s: float = 10.0
    decode_concurrency: int = 2
    decode_queue: int = 32
    decode_wait_s: float = 10.0
    max_in_flight: int = 256
    # Expired login/join throttle rows and expired or revoked tokens are deleted this often.
    housekeeping_interval_s: float = 600.0

    # Scoring micro-batcher.
    score_batching: bool = True
    score_max_batch: int = 16
    score_max_wait_ms: float = 5.0
    score_threads: int = 1
    score_model_refresh_s: float = 2.0
    score_top_k: int = 3
    # Off: the best architecture's stable model (the ResNet34) scores alone. On: the stable models
    # of all server architectures are averaged. Off since 2026-12-04: server/scoring.py says why.
    score_ensemble: bool = False
    # On: each model scores the photo and its mirror image and averages the two (test-time
    # augmentation; one batched call, twice the inference). On since 2026-12-04: /score is the
    # accuracy path (apps score on the phone), and server/scoring.py says what it buys and costs.
    score_flip: bool = True

    # Where published model files live. Empty: data_dir/models on local disk (one server, or
    # `serve --workers N` on one machine). "s3://bucket/prefix": an S3-compatible object store
    # every replica shares; the endpoint comes from OMBRO_S3_ENDPOINT_URL (empty: AWS, or boto3's
    # AWS_ENDPOINT_URL) and the credentials from boto3's usual chain (AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from these settings.
    model_store: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    # Downloads: streamed through the server (default: ETag/304/Range from the local cache), or,
    # with redirect on, a 307 to a presigned URL so the bytes flow from the store (or a CDN in
    # front of it) and not through the replicas. The presigned URL is built for
    # OMBRO_S3_PUBLIC_ENDPOINT_URL when apps reach the store at another address than the servers.
    model_download_redirect: bool = False
    s3_public_endpoint_url: str = ""
    s3_presign_expiry_s: int = 900
    # An object without a registry row is deleted at startup only once it is this old: another
    # replica may be between storing its upload and committing the row right now.
    s3_orphan_grace_s: float = 3600.0

    # Registered on first start when the registry is empty (files that are absent are skipped);
    # the first listed model of each architecture goes on channel "stable": apps pull the int8
    # MobileNetV2, the server scores with the ResNet34 (SERVER_ARCH_PREFERENCE).
    # From the environment as JSON: OMBRO_BUNDLED_MODELS='["/models/a.onnx", ...]'.
    bundled_models: list[Path] = [
        default_model_path("mobilenet_v2", "int8"),
        default_model_path("resnet34", "fp32"),
        default_model_path("mobilenet_v2", "fp32"),
        default_model_path("resnet34", "int8"),
    ]

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _no_wildcard_proxy(cls, v: str) -> str:
        if "*" in v:
            # uvicorn then takes the left-most X-Forwarded-For entry, which the client writes.
            raise ValueError(
                "OMBRO_FORWARDED_ALLOW_IPS='*' would let any client choose its address: list the "
                "proxies' addresses or networks instead (e.g. 10.0.0.5 or 10.0.0.0/24)"
            )
        return v.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not (v.startswith(("http://", "https://")) and "?" not in v and "#" not in v):
            raise ValueError(
                f"OMBRO_PUBLIC_URL={v!r} must be an http(s) URL without query, e.g. "
                "https://ombro.example.org"
            )
        return v

    @field_validator("model_store")
    @classmethod
    def _model_store(cls, v: str) -> str:
        v = v.strip()
        if v and not (v.startswith("s3://") and v[5:].split("/", 1)[0]):
            raise ValueError(
                f"OMBRO_MODEL_STORE={v!r} must be empty (local disk) or s3://bucket[/prefix]"
            )
        return v

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
        """Local model files; with an object store, the uploads in progress and the cache."""
        return self.data_dir / ("model-cache" if self.model_store else "models")

    def legacy_secret_key(self) -> str | None:
        """The key a single server generated into data_dir before keys moved to the database.

        Offered as the database's key on the first start after an upgrade, so signed-in teachers
        stay signed in; new installations generate theirs in the database
        (`server.crud.secrets.shared_secret`), where every replica finds the same one.
        """
        path = self.data_dir / "secret_key"
        return (path.read_text().strip() or None) if path.is_file() else None
