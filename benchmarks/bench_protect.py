"""Does CUDA protection work on shadow photos? Train the same small model on clean and on
protected generated data and measure both on the *clean* val images.

    python benchmarks/bench_protect.py --out runs/bench-protect
    python benchmarks/bench_protect.py --data DIR --modes rgb --epochs 20

The paper's effect (Sadasivan et al., CVPR 2023) is a large drop for the protected run: the
network learns the class-wise filters instead of the shapes. Runs once per preprocessing mode
(``rgb`` sees the filtered pixels; ``silhouette``, Ombro's default, thresholds them away first).
Prints a table and writes bench_protect.json/.md into --out. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from training.config import TrainConfig
from training.data import PuppetImages, check_dataset_root, scan_split
from training.engine import build_model, evaluate
from training.presets import ClassificationPresetEval, ClassificationPresetTrain
from training.protect import ProtectSettings, protect_dataset
from training.protected import ProtectedDatasetError
from training.rift import RiftConfig, fit
from training.synth_data import ensure_synth_dataset
from training.utils import DistInfo, seed_everything


def get_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=None, help="clean dataset root (train/, val/); "
                   "default: generated shadows under data/")
    p.add_argument("--synth-per-class", type=int, default=40)
    p.add_argument("--synth-size", type=int, default=96)
    p.add_argument("--out", type=Path, default=Path("runs/bench-protect"))
    p.add_argument("--modes", nargs="+", default=["rgb", "silhouette"], choices=["rgb", "silhouette"])
    p.add_argument("--arch", default="mobilenet_v2", choices=["mobilenet_v2", "resnet34"])
    p.add_argument("--input-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--key", default="bench-key", help="protection key")
    p.add_argument("--blur-param", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-augment", dest="augment", action="store_false",
                   help="train on the plain preprocessed images, without Ombro's shadow augmentation "
                        "(the paper's setting is crop + flip only; our augmentation includes blur)")
    return p.parse_args(argv)


def loaders(train_dir: Path, val_dir: Path, cfg: RiftConfig, augment: bool = True):
    spec = cfg.spec()
    tr = scan_split(train_dir, cache_mb=1024, progress=False)
    va = scan_split(val_dir, cache_mb=512, progress=False)
    g = torch.Generator().manual_seed(cfg.seed)
    preset = ClassificationPresetTrain(spec) if augment else ClassificationPresetEval(spec)
    train = torch.utils.data.DataLoader(PuppetImages(tr, preset),
                                        batch_size=cfg.batch_size, shuffle=True, generator=g)
    val = torch.utils.data.DataLoader(PuppetImages(va, ClassificationPresetEval(spec)),
                                      batch_size=cfg.batch_size)
    return train, val


def run(train_dir: Path, val_dir: Path, cfg: RiftConfig, augment: bool = True) -> dict:
    seed_everything(cfg.seed, 0)
    train, val = loaders(train_dir, val_dir, cfg, augment)
    model = build_model(cfg.arch)
    log: list = []
    t0 = time.perf_counter()
    fit(model, cfg, train, epochs=cfg.epochs, lr=cfg.lr, pgd=None, stage=train_dir.parent.name,
        log=log, device=torch.device("cpu"))
    own = evaluate(model, torch.utils.data.DataLoader(
        PuppetImages(scan_split(train_dir, cache_mb=1024, progress=False),
                     ClassificationPresetEval(cfg.spec())), batch_size=cfg.batch_size),
        torch.device("cpu"), progress=False).top1
    clean = evaluate(model, val, torch.device("cpu"), progress=False).top1
    return {"clean_val_top1": clean, "own_train_top1": own, "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    a = get_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    if a.data is None:
        synth = TrainConfig(synth_per_class=a.synth_per_class, synth_size=a.synth_size, seed=a.seed)
        clean_root = ensure_synth_dataset(synth, DistInfo())
    else:
        clean_root = a.data
    protected_root = a.out / f"protected-{a.blur_param:g}"
    if not (protected_root / "PROTECTED").exists():
        report = protect_dataset(clean_root, protected_root,
                                 ProtectSettings(key=a.key, blur_parameter=a.blur_param), overwrite=True)
        print(f"protected {report.written} images -> {protected_root} (preview {report.preview})")
    try:
        check_dataset_root(protected_root)
        print("ERROR: the training loader accepted a protected folder", file=sys.stderr)
        return 1
    except ProtectedDatasetError as exc:
        print(f"training loader refuses the protected copy, as it should:\n  {exc}")

    rows = {}
    for mode in a.modes:
        cfg = RiftConfig(arch=a.arch, input_size=a.input_size, mode=mode, epochs=a.epochs,
                         batch_size=a.batch_size, lr=a.lr, seed=a.seed, workers=0, progress=False)
        for name, root in (("clean", clean_root), ("protected", protected_root)):
            print(f"training {a.arch} ({mode}) on {name} train images...", flush=True)
            rows[f"{mode}/{name}"] = run(root / "train", clean_root / "val", cfg, a.augment)
            print(f"  -> {rows[f'{mode}/{name}']}", flush=True)

    n_train = len(list((clean_root / "train").rglob("*.png")))
    n_val = len(list((clean_root / "val").rglob("*.png")))
    setting = (f"{a.arch}, {a.input_size}px, {a.epochs} epochs, {n_train} train / {n_val} val images "
               f"({clean_root}), CUDA blur parameter {a.blur_param}, kernel 3, seed {a.seed}, "
               f"{'with' if a.augment else 'without'} shadow augmentation")
    lines = ["| preprocessing | trained on | clean val top-1 | top-1 on its own train images |",
             "|---|---|---:|---:|"]
    for key, r in rows.items():
        mode, name = key.split("/")
        lines.append(f"| {mode} | {name} | {100 * r['clean_val_top1']:.1f} % | "
                     f"{100 * r['own_train_top1']:.1f} % |")
    table = "\n".join(lines)
    print("\n" + setting + "\n\n" + table)
    (a.out / "bench_protect.md").write_text(setting + "\n\n" + table + "\n")
    (a.out / "bench_protect.json").write_text(json.dumps({"setting": setting, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
