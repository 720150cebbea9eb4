"""Which preprocessing transfers best from generated shadows to real photos?

    python benchmarks/bench_preprocessing_transfer.py --epochs 3 --limit-batches 30 --input-size 64

Trains one short MobileNetV2 run per preprocessing (silhouette at threshold 90, silhouette with
Otsu's threshold, plain RGB) on the generated dataset with the same seed and budget, then scores
each on its synthetic val split and on the real photos (`../shared/real-shadows`): top-1 and the
mean probability given to the true puppet (smoother than top-1 on 15 photos). Prints a table.
Short runs rank the options; they are not the shipped model's accuracy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import torch

from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import PreprocessSpec
from training.config import TrainConfig
from training.data import load_rgb
from training.evaluate import REAL_ABSENT, labelled_images, load_run_model, torch_probs
from training.train import main as train_main

MODES = {
    "silhouette-90": {"mode": "silhouette", "threshold": 90},
    "silhouette-otsu": {"mode": "silhouette", "threshold": "otsu"},
    "rgb": {"mode": "rgb"},
}


def real_scores(run: Path) -> tuple[float, float]:
    folder = real_shadows_dir()
    if folder is None:
        return float("nan"), float("nan")
    model, ckpt = load_run_model(run, torch.device("cpu"))
    spec = PreprocessSpec.model_validate(ckpt["spec"])
    items = labelled_images(folder)
    probs = torch_probs(model, [load_rgb(p) for p, _ in items], spec, "cpu")
    truth = np.array([t for _, t in items])
    return float((probs.argmax(1) == truth).mean()), float(probs[np.arange(len(truth)), truth].mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("runs/preprocessing-transfer"))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--limit-batches", type=int, default=30)
    p.add_argument("--input-size", type=int, default=64)
    p.add_argument("--synth-per-class", type=int, default=250)
    p.add_argument("--data", default=None, help="dataset root (default: the generated one)")
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    args = p.parse_args()
    if real_shadows_dir() is None:
        print(REAL_ABSENT)
    rows = []
    for name in args.modes:
        run = args.out / name
        t0 = time.perf_counter()
        cfg = TrainConfig(out=str(run), epochs=args.epochs, limit_batches=args.limit_batches,
                          input_size=args.input_size, synth_per_class=args.synth_per_class, data=args.data,
                          batch_size=32, workers=1, resume=True, report=False, progress=False,
                          **MODES[name])
        train_main(cfg)
        val = _best_val(run)
        top1, p_true = real_scores(run)
        rows.append((name, val, top1, p_true, time.perf_counter() - t0))
    print(f"\n{args.epochs} epochs x {args.limit_batches} batches of 32, input {args.input_size}px")
    print(f"{'preprocessing':<17}{'synthetic val top-1':>21}{'real top-1':>12}{'real p(true)':>14}{'time s':>9}")
    for name, val, top1, p_true, secs in rows:
        print(f"{name:<17}{val:>21.3f}{top1:>12.3f}{p_true:>14.3f}{secs:>9.0f}")


def _best_val(run: Path) -> float:
    from training.utils import BEST_NAME, load_checkpoint

    return float(load_checkpoint(run / BEST_NAME)["val_top1"])


if __name__ == "__main__":
    main()
