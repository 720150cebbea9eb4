"""The app's one settings object, persisted as JSON in the user data dir.

Command-line flags override the saved values for one run without being saved (a demo pointing at
a video file must not change the student's camera). A corrupt or outdated settings file is moved
aside, never silently overwritten, and the app starts with defaults.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    server_url: str = Field("http://127.0.0.1:8000", description="Ombro server, without /api/v1")
    camera: str = Field("0", description="camera index, or a video file / image folder path")
    backend: Literal["onnxruntime", "opencv"] = "onnxruntime"
    quantization: Literal["int8", "fp32"] = "int8"
    model_channel: str = "stable"
    auto_update_model: bool = True
    sync_attempts: bool = Field(True, description="privacy: send attempts to the class server")
    keep_history_days: int = Field(365, ge=1, le=3650)
    hold_seconds: float = Field(2.0, ge=0.5, le=10.0)
    threshold: float = Field(0.6, ge=0.3, le=0.99)
    lesson_timeout_s: float = Field(60.0, ge=5.0, le=600.0, description="a try without pass fails")
    inference_fps: float = Field(15.0, ge=1.0, le=60.0)
    threads: int = Field(1, ge=1, le=8)
    shape_overlay: bool = Field(
        True, description="practice screen: the target's outline and the missing (blue) and "
        "extra (orange) shadow over the camera preview")
    show_debug_info: bool = Field(
        False, description="practice screen: model version and frame rates in small print "
        "(for teachers and developers; noise for a child)")

    @field_validator("server_url")
    @classmethod
    def _strip_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        v = v.removesuffix("/api/v1")
        if not v.startswith(("http://", "https://")):
            raise ValueError("server URL must start with http:// or https://")
        return v

    @property
    def effective_backend(self) -> str:
        """onnxruntime when asked for and installed; else the cv2.dnn fallback (phone builds)."""
        if self.backend == "onnxruntime" and importlib.util.find_spec("onnxruntime") is None:
            return "opencv"
        return self.backend

    @property
    def effective_quantization(self) -> str:
        # OpenCV 5's cv2.dnn cannot run the int8 QDQ graph; the fallback always uses fp32.
        return "fp32" if self.effective_backend == "opencv" else self.quantization


def settings_path(data_dir: Path) -> Path:
    return Path(data_dir) / SETTINGS_FILE


def load_settings(data_dir: Path) -> AppSettings:
    path = settings_path(data_dir)
    if not path.exists():
        return AppSettings()
    try:
        return AppSettings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        log.warning("settings at %s are unreadable (%s); kept as %s, using defaults", path, exc, aside)
        return AppSettings()


def save_settings(data_dir: Path, settings: AppSettings) -> Path:
    """Write atomically so a kill mid-write leaves the old file, never half a file."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = settings_path(data_dir)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(settings.model_dump_json(indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path
