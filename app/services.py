"""Everything the app does that is not drawing: settings, sign-in, attempts, sync, the model.

Kept free of Kivy so it is tested directly and shared by the GUI, the autopilot and the
`--sync-only` mode. The sync runs on its own thread: it wakes when an attempt is recorded, at
start, and on a timer, and backs off exponentially while the server is unreachable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.api_client import OmbroApi, Session, load_session, save_session
from app.attempt_queue import (
    GUEST,
    Attempt,
    AttemptQueue,
    AuthExpiredError,
    Backoff,
    SyncError,
    SyncReport,
    sync_pending,
)
from app.config import AppSettings, load_settings, save_settings
from app.model_updater import ModelStore, ModelUpdater, UpdateResult
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.paths import default_model_path

log = logging.getLogger(__name__)

ARCH = "mobilenet_v2"


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    message: str
    ok: bool


class AppServices:
    def __init__(self, data_dir: Path, settings: AppSettings | None = None,
                 model_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings or load_settings(self.data_dir)
        self.model_path_override = Path(model_path) if model_path else None
        self.queue = AttemptQueue(self.data_dir / "attempts.db")
        self.session: Session | None = load_session(self.data_dir)
        self.api = OmbroApi(self.settings.server_url)
        self._sync_lock = threading.Lock()

    # -- settings and sign-in -------------------------------------------------------------
    def save_settings(self) -> None:
        save_settings(self.data_dir, self.settings)

    def set_server_url(self, url: str) -> None:
        self.settings.server_url = url  # validated by the settings model
        self.api.close()
        self.api = OmbroApi(self.settings.server_url)

    @property
    def owner(self) -> str:
        return self.session.owner if self.session else GUEST

    def signed_in(self, session: Session | None) -> None:
        self.session = session
        save_session(self.data_dir, session)

    def sign_out(self) -> None:
        if self.session:
            self.api.sign_out(self.session)
        self.signed_in(None)

    # -- attempts and sync ----------------------------------------------------------------
    def record_attempt(self, **fields) -> Attempt:
        return self.queue.record(owner=self.owner, **fields)

    def sync_now(self) -> SyncReport:
        """One sync round for the signed-in student; raises SyncError to be retried later."""
        if self.session is None:
            return SyncReport()  # guests keep their attempts on the device
        if not self.settings.sync_attempts:
            return SyncReport()
        with self._sync_lock:  # the worker and a "sync now" tap must not send the same batch
            return sync_pending(self.queue, self.api.client, self.session.access_token,
                                self.session.owner)

    def sync_status(self) -> SyncStatus:
        pending = self.queue.counts(self.owner)["pending"]
        if self.session is None:
            return SyncStatus(pending, "guest: attempts stay on this device", True)
        if not self.settings.sync_attempts:
            return SyncStatus(pending, "sync turned off in Settings (privacy)", True)
        return SyncStatus(pending, "all attempts synced" if not pending else f"{pending} to sync", True)

    # -- the model --------------------------------------------------------------------------
    def model_store(self) -> ModelStore:
        quant = self.settings.effective_quantization
        return ModelStore(self.data_dir / "models" / quant, default_model_path(ARCH, quant))

    def model_path(self) -> Path:
        return self.model_path_override or self.model_store().active_path()

    def load_classifier(self, path: Path | None = None) -> PuppetClassifier:
        """Raises ModelContractError with a readable message when no usable model exists."""
        return PuppetClassifier.from_path(
            path or self.model_path(), backend=self.settings.effective_backend,
            threads=self.settings.threads,
        )

    def check_model_update(self, current_version: str | None) -> UpdateResult:
        if self.model_path_override is not None:
            return UpdateResult("skipped", None, "a model file was given on the command line")
        updater = ModelUpdater(
            self.model_store(), self.api.client, arch=ARCH,
            quantization=self.settings.effective_quantization, channel=self.settings.model_channel,
            probe=lambda p: self.load_classifier(p),
            token=self.session.access_token if self.session else None,
        )
        return updater.check_and_update(current_version)

    def close(self) -> None:
        self.api.close()


class SyncWorker:
    """Background sync: `poke()` after each attempt; retries with backoff while offline."""

    def __init__(self, services: AppServices, on_status: Callable[[SyncStatus], None] | None = None,
                 interval_s: float = 300.0, backoff: Backoff | None = None) -> None:
        self.services = services
        self.on_status = on_status or (lambda s: None)
        self.interval_s = interval_s
        self.backoff = backoff or Backoff()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ombro-sync", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(5.0)

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.is_set():
            if delay:
                self._wake.wait(delay)
                self._wake.clear()
            if self._stop.is_set():
                return
            try:
                report = self.services.sync_now()
                self.backoff.reset()
                status = self.services.sync_status()
                if report.rejected:
                    status = SyncStatus(status.pending, f"{len(report.rejected)} attempts refused "
                                        "by the server (kept on this device)", False)
                delay = self.interval_s
            except AuthExpiredError as exc:
                status = SyncStatus(self.services.sync_status().pending, str(exc), False)
                delay = self.interval_s
            except (SyncError, httpx.HTTPError, OSError) as exc:
                delay = self.backoff.next_delay()
                status = SyncStatus(self.services.sync_status().pending,
                                    f"offline, retrying in {delay:.0f} s ({exc})", False)
            except Exception as exc:  # keep syncing later whatever happened
                log.exception("sync round failed")
                delay = self.backoff.next_delay()
                status = SyncStatus(self.services.sync_status().pending, f"sync error: {exc}", False)
            self.on_status(status)
