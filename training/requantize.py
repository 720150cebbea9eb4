"""Quantise a published fp32 model to int8 again, without its training run.

    python training/requantize.py models/mobilenet_v2.onnx --data data/synth-v3.5.0-s0-n1000

For when the int8 recipe changes (as it did for 7-bit weights, see `training/quantize.py`) but
the fp32 weights do not: the run folder with its checkpoint is usually long gone, while the
published fp32 file and its card are in `models/`. The int8 copy is calibrated, measured, gated
and carded exactly as `training/export.py` does it, with a new version so that apps update.

`--data` must be the dataset the fp32 model was trained on (same generator version): its train
split calibrates the activation ranges and its val split measures the int8 drop against the
fp32 card's val top-1. Regenerate a generated dataset with the same generator, seed and size:

    python training/synth.py --out data/synth-v3.5.0-s0-n1000 --per-class 1000 --seed 0
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ombro_contract.card import load_verified
from ombro_contract.errors import OmbroError
from training.export import check_training_data, git_commit, publish_int8
from training.quantize import CALIBRATION_METHODS


class RequantizeError(OmbroError):
    """The fp32 model or the dataset given cannot make a faithful int8 copy."""


def requantize(fp32_path: Path, data_root: Path, version: str | None = None, calib_images: int = 300,
               calib_method: str = "minmax", max_drop: float = 1.0) -> Path:
    fp32 = load_verified(fp32_path)  # checksum and contract, like the app
    if fp32.quantization != "fp32":
        raise RequantizeError(f"{fp32_path} is a {fp32.quantization} model; give the fp32 file")
    val32 = fp32.metrics.get("val_top1")
    if val32 is None:
        raise RequantizeError(f"{fp32_path}'s card has no val_top1 to measure the int8 drop against; "
                              "export the run again with training/export.py")
    check_training_data(fp32_path.name, fp32, data_root, ("train", "val"))
    stamp = datetime.now(UTC)
    commit = git_commit()
    base = fp32.model_copy(update={
        "version": version or f"{fp32.version}-int8-{stamp:%Y%m%d.%H%M}",
        "created": stamp,
        "notes": (fp32.notes + " " if fp32.notes else "")
        + f"int8 re-quantised from the fp32 file at commit {commit[:7] or 'unknown'}",
    })
    provenance = {k: fp32.metrics[k] for k in ("epoch", "generator_version", "distilled_from")
                  if k in fp32.metrics}
    return publish_int8(fp32_path, base, data_root, val32, provenance, calib_images, calib_method,
                        max_drop)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Re-quantise a published fp32 ONNX model to int8.")
    p.add_argument("model", type=Path, help="published fp32 model, e.g. models/mobilenet_v2.onnx")
    p.add_argument("--data", type=Path, required=True, help="the dataset it was trained on")
    p.add_argument("--version", default=None, help="card version (default: fp32 version-int8-date)")
    p.add_argument("--calib-images", type=int, default=300, help="train images for calibration")
    p.add_argument("--calib-method", choices=sorted(CALIBRATION_METHODS), default="minmax")
    p.add_argument("--max-int8-drop", type=float, default=1.0, help="allowed val top-1 loss, points")
    args = p.parse_args(argv)
    try:
        path = requantize(args.model, args.data, args.version, args.calib_images, args.calib_method,
                          args.max_int8_drop)
    except (OmbroError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"published {path} and its card")
    return 0


if __name__ == "__main__":
    sys.exit(main())
