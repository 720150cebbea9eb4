"""Which training recipe transfers from generated shadows to real photos?

    python benchmarks/bench_recipe.py --epochs 6 --synth-per-class 300 --input-size 112
    python benchmarks/bench_recipe.py --variants normalised-aug normalised-aug-160 --data DIR

Trains one MobileNetV2 run per recipe variant (silhouette lighting, outline augmentation, input
size, RGB) with the same data, seed and budget, then scores each on its synthetic val split and
on the real photos (`../shared/real-shadows`): top-1, top-3 and the mean probability given to
the true puppet (smoother than 15 right/wrong answers), plus the same with flip test-time
averaging. Prints a Markdown table for docs/training.md. Short runs rank the options; the
shipped models are trained longer. Runs resume, so an interrupted benchmark continues.
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
from training.evaluate import (
    REAL_ABSENT,
    labelled_images,
    load_run_model,
    probability_metrics,
    torch_probs,
)
from training.train import main as train_main
from training.utils import BEST_NAME, load_checkpoint

VARIANTS = {
    "even-90-noaug": {"lighting": "even", "threshold": 90, "silhouette_augment": False},
    "even-noaug": {"lighting": "even", "silhouette_augment": False},
    "normalised-noaug": {"lighting": "normalised", "silhouette_augment": False},
    "normalised-aug": {"lighting": "normalised", "silhouette_augment": True},
    "normalised-aug-shadowframe": {"lighting": "normalised", "framing": "shadow"},
    "normalised-aug-160": {"lighting": "normalised", "input_size": 160},
    "normalised-aug-224": {"lighting": "normalised", "input_size": 224},
    "rgb": {"mode": "rgb"},
}


def real_scores(run: Path, flip: bool) -> dict:
    folder = real_shadows_dir()
    if folder is None:
        return {}
    model, ckpt = load_run_model(run, torch.device("cpu"))
    spec = PreprocessSpec.model_validate(ckpt["spec"])
    items = labelled_images(folder)
    images = [load_rgb(p) for p, _ in items]
    probs = torch_probs(model, images, spec, "cpu")
    if flip:
        probs = (probs + torch_probs(model, [im[:, ::-1].copy() for im in images], spec, "cpu")) / 2
    return probability_metrics(np.array([t for _, t in items]), probs) | {
        "top1": float((probs.argmax(1) == np.array([t for _, t in items])).mean())}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("runs/recipe"))
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--limit-batches", type=int, default=0, help="0: whole epochs")
    p.add_argument("--input-size", type=int, default=112, help="unless the variant sets one")
    p.add_argument("--synth-per-class", type=int, default=300)
    p.add_argument("--arch", default="mobilenet_v2")
    p.add_argument("--data", default=None, help="dataset root (default: the generated one)")
    p.add_argument("--label", default="", help="prefix for the table rows (e.g. the generator)")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = p.parse_args()
    if real_shadows_dir() is None:
        print(REAL_ABSENT)
    rows = []
    for name in args.variants:
        run = args.out / name
        t0 = time.perf_counter()
        overrides = {"input_size": args.input_size, **VARIANTS[name]}
        cfg = TrainConfig(out=str(run), arch=args.arch, epochs=args.epochs,
                          limit_batches=args.limit_batches, synth_per_class=args.synth_per_class,
                          data=args.data, batch_size=32, workers=1, resume=True, report=False,
                          progress=False, **overrides)
        train_main(cfg)
        val = float(load_checkpoint(run / BEST_NAME)["val_top1"])
        rows.append((name, val, real_scores(run, False), real_scores(run, True),
                     time.perf_counter() - t0))
    print(f"\n{args.arch}, {args.epochs} epochs, {args.synth_per_class} generated images per puppet")
    print("| recipe | synthetic val top-1 | real top-1 | real top-3 | mean p(true) "
          "| with flip TTA: top-1 / top-3 / p(true) | minutes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, val, real, tta, secs in rows:
        if not real:
            print(f"| {args.label}{name} | {val:.3f} | - | - | - | - | {secs / 60:.0f} |")
            continue
        print(f"| {args.label}{name} | {val:.3f} | {real['top1']:.3f} | {real['top3']:.3f} "
              f"| {real['mean_true_prob']:.3f} | {tta['top1']:.3f} / {tta['top3']:.3f} / "
              f"{tta['mean_true_prob']:.3f} | {secs / 60:.0f} |")


if __name__ == "__main__":
    main()
