"""Where things live, resolved from the repository so every entry point agrees."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"

REAL_SHADOWS_ENV = "OMBRO_REAL_SHADOWS"


def real_shadows_dir() -> Path | None:
    """The 15 real shadow photos (one per class), or None when this machine has none.

    They are licensed for evaluation only and live outside the repo (`../shared/real-shadows`);
    callers must tell the user when they are absent rather than report a score of nothing.
    """
    env = os.environ.get(REAL_SHADOWS_ENV)
    candidate = Path(env) if env else REPO_ROOT.parent / "shared" / "real-shadows"
    if candidate.is_dir() and any(candidate.glob("*.png")):
        return candidate
    return None


def model_filename(arch: str = "mobilenet_v2", quant: str = "int8") -> str:
    return f"{arch}.onnx" if quant == "fp32" else f"{arch}.{quant}.onnx"


def default_model_path(arch: str = "mobilenet_v2", quant: str = "int8") -> Path:
    """The model bundled in `models/` that app and server fall back to."""
    return MODELS_DIR / model_filename(arch, quant)
