"""Marker for datasets made unlearnable by ``training/protect.py``.

A protected copy exists so that *others* cannot learn from it; Ombro's own
training must not ingest one by accident either (it would silently wreck the
model). ``protect.py`` writes a small JSON marker at the dataset root and every
training loader calls :func:`ensure_not_protected` before reading images.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from ombro_contract.errors import OmbroError

PROTECTED_MARKER = "PROTECTED"
ALLOW_FLAG = "--allow-protected"


class ProtectedDatasetError(OmbroError, RuntimeError):
    """Raised when a training loader is pointed at a protected dataset (an OmbroError, so the
    training CLIs print its message instead of a traceback)."""


def key_fingerprint(key: str) -> str:
    """Short, non-reversible id of a key so a marker can say *which* key without revealing it."""
    return hashlib.sha256(("ombro-protect:" + key).encode("utf-8")).hexdigest()[:16]


def marker_path(root: str | Path) -> Path:
    return Path(root) / PROTECTED_MARKER


def is_protected(root: str | Path) -> bool:
    return marker_path(root).is_file()


def read_marker(root: str | Path) -> dict:
    """Marker contents; an unreadable marker still counts as protected (fail closed)."""
    try:
        return json.loads(marker_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"method": "unknown"}


def write_marker(root: str | Path, *, method: str, key: str, params: dict | None = None) -> Path:
    path = marker_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "method": method,
        "key_fingerprint": key_fingerprint(key),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": params or {},
        "note": "Images in this folder are deliberately unlearnable; do not train on them.",
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def ensure_not_protected(root: str | Path, allow: bool = False) -> None:
    """Refuse to train on a protected folder unless the caller explicitly allows it."""
    if allow or not is_protected(root):
        return
    info = read_marker(root)
    raise ProtectedDatasetError(
        f"{Path(root)} is a protected (unlearnable) dataset: it contains the marker file "
        f"'{PROTECTED_MARKER}' (method={info.get('method', 'unknown')}, "
        f"key fingerprint={info.get('key_fingerprint', '?')}). Training on it would ruin the "
        f"model. Point --data at the original images, or pass {ALLOW_FLAG} if you really "
        f"mean to (e.g. to measure the protection)."
    )
