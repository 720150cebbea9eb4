"""Model updates from the registry, with the bundled model as the safety net.

The app asks `GET /api/v1/models/latest` at start and daily. A newer version is downloaded in the
background into its own folder (resuming a partial download with Range, also when the server
redirects to its object store), its sha256 checked
against the manifest, its card written beside it and verified with the contract
(`load_verified`), and optionally loaded once (`probe`). Only then does `active.json` change, with
an atomic `os.replace`, so a kill at any point leaves either the old or the new model active,
never half of one. If the active download is later missing or corrupt, the bundled model is used.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from ombro_contract.card import load_verified, sha256_file
from ombro_contract.errors import ModelContractError
from ombro_contract.paths import model_filename

log = logging.getLogger(__name__)

ACTIVE_FILE = "active.json"
CHUNK = 1 << 16


class ModelUpdateError(Exception):
    """An update that was refused; the current model stays active."""


@dataclass(frozen=True)
class UpdateResult:
    status: Literal["updated", "up_to_date", "skipped", "failed", "offline"]
    version: str | None
    message: str
    path: Path | None = None


class ModelStore:
    """Which model file the app runs: the verified active download, else the bundled one."""

    def __init__(self, root: Path, bundled: Path) -> None:
        self.root = Path(root)
        self.bundled = Path(bundled)
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def active_file(self) -> Path:
        return self.root / ACTIVE_FILE

    def active_download(self) -> dict | None:
        try:
            return json.loads(self.active_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("unreadable %s (%s): using the bundled model", self.active_file, exc)
            return None

    def active_path(self) -> Path:
        """The model to load now; falls back to the bundled file whenever the download is bad."""
        info = self.active_download()
        if info:
            path = self.root / info.get("path", "")
            try:
                load_verified(path)
                return path
            except (ModelContractError, OSError) as exc:
                log.warning("downloaded model %s failed verification (%s); using bundled", path, exc)
        return self.bundled

    def active_version(self) -> str | None:
        info = self.active_download()
        return info.get("version") if info else None

    def activate(self, path: Path, version: str, sha256: str) -> None:
        rel = Path(path).resolve().relative_to(self.root.resolve())
        fd, tmp = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"path": str(rel), "version": version, "sha256": sha256}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.active_file)
        self._prune(keep={rel.parts[0]})

    def reset_to_bundled(self) -> None:
        self.active_file.unlink(missing_ok=True)

    def _prune(self, keep: set[str]) -> None:
        """Keep only the active version and the one before it (for a manual rollback)."""
        versions = sorted(
            (p for p in self.root.iterdir() if p.is_dir() and p.name not in keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in versions[1:]:
            shutil.rmtree(old, ignore_errors=True)


def _safe_name(version: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in version).strip(".")
    if not cleaned:
        raise ModelUpdateError(f"manifest version {version!r} is not usable as a folder name")
    return cleaned


class ModelUpdater:
    def __init__(
        self,
        store: ModelStore,
        client: httpx.Client,
        arch: str = "mobilenet_v2",
        quantization: str = "int8",
        channel: str = "stable",
        probe: Callable[[Path], None] | None = None,
        token: str | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.arch = arch
        self.quantization = quantization
        self.channel = channel
        self.probe = probe
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def fetch_manifest(self) -> dict:
        resp = self.client.get(
            "/api/v1/models/latest",
            params={"arch": self.arch, "channel": self.channel, "quantization": self.quantization},
            headers=self._headers(),
        )
        if resp.status_code == 404:
            raise ModelUpdateError(f"no {self.arch} model published on channel {self.channel!r}")
        if resp.status_code in (401, 403):
            raise ModelUpdateError("sign in to receive model updates; kept the current model")
        resp.raise_for_status()
        manifest = resp.json()
        missing = {"version", "sha256", "download_url", "card"} - set(manifest)
        if missing:
            raise ModelUpdateError(f"manifest lacks {sorted(missing)}: is the server up to date?")
        return manifest

    def check_and_update(self, current_version: str | None) -> UpdateResult:
        """One update round; never raises, the caller just logs or shows the result."""
        try:
            manifest = self.fetch_manifest()
        except httpx.HTTPError as exc:
            return UpdateResult("offline", None, f"registry unreachable ({exc}); kept current model")
        except (ModelUpdateError, ValueError) as exc:
            return UpdateResult("skipped", None, str(exc))
        version = str(manifest["version"])
        quant = manifest.get("quantization") or manifest["card"].get("quantization")
        if quant and quant != self.quantization:
            return UpdateResult(
                "skipped", version,
                f"latest model is {quant}, this device needs {self.quantization}; kept current",
            )
        if version == current_version:
            return UpdateResult("up_to_date", version, f"model {version} is the latest")
        try:
            path = self.download(manifest)
        except httpx.HTTPError as exc:
            return UpdateResult("offline", version, f"download interrupted ({exc}); will resume")
        except (ModelUpdateError, ModelContractError, OSError) as exc:
            return UpdateResult("failed", version, f"refused model {version}: {exc}")
        return UpdateResult("updated", version, f"now using model {version}", path)

    def download(self, manifest: dict) -> Path:
        version = str(manifest["version"])
        folder = self.store.root / _safe_name(version)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / model_filename(self.arch, self.quantization)
        part = final.with_name(final.name + ".part")
        self._fetch(str(manifest["download_url"]), part)
        digest = sha256_file(part)
        if digest != manifest["sha256"]:
            part.unlink(missing_ok=True)  # a corrupt partial must not be resumed
            raise ModelUpdateError(f"sha256 {digest[:12]}... differs from the manifest's")
        os.replace(part, final)
        card_path = final.with_name(final.name[: -len(".onnx")] + ".card.json")
        card_path.write_text(json.dumps(manifest["card"], indent=2), encoding="utf-8")
        try:
            load_verified(final)
            if self.probe is not None:
                self.probe(final)
        except Exception as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, (ModelContractError, ModelUpdateError)):
                raise
            raise ModelUpdateError(f"the model does not load: {exc}") from exc
        self.store.activate(final, version, digest)
        return final

    def _fetch(self, url: str, part: Path) -> None:
        have = part.stat().st_size if part.exists() else 0
        headers = self._headers()
        if have:
            headers["Range"] = f"bytes={have}-"
        resp = self.client.send(self.client.build_request("GET", url, headers=headers), stream=True)
        if resp.is_redirect and "location" in resp.headers:
            # A server with an object store may send the download to a presigned URL. Follow it
            # once, keeping Range but not the bearer token: the URL carries its own signature,
            # S3 refuses a request with two kinds of auth, and the token is only for our server.
            target = resp.url.join(resp.headers["location"])
            resp.close()
            headers.pop("Authorization", None)
            resp = self.client.send(self.client.build_request("GET", target, headers=headers),
                                    stream=True)
        try:
            if resp.status_code == 416:  # already complete
                return
            resp.raise_for_status()
            mode = "ab" if resp.status_code == 206 else "wb"
            with open(part, mode) as fh:
                fh.writelines(resp.iter_bytes(CHUNK))
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            resp.close()
