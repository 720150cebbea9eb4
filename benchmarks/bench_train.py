"""Training throughput: images/s of the data pipeline alone and of full training steps, per arch.

    python benchmarks/bench_train.py                       # generated-like images, CPU or GPU
    python benchmarks/bench_train.py --data /data/hasper --workers 8 --batch-size 128

The data pipeline number is decode/cache + shadow augmentation + silhouette preprocessing through
the real DataLoader; the step number is forward + backward + optimizer on random inputs of the
same shape (AMP and channels_last on CUDA, as train.py does), so the two show which side limits
training. Prints a table; it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np
import torch
from torch import nn

from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec
from training.data import PuppetImages, scan_split
from training.engine import ARCHS, Precision, build_model
from training.presets import ClassificationPresetTrain
from training.utils import pick_device, seed_worker


def make_images(root: Path, per_class: int, size: int) -> Path:
    """Plain synthetic shadows (a dark ellipse on a light wall) when no --data is given."""
    rng = np.random.default_rng(0)
    for name in PUPPETS:
        d = root / "train" / name
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = np.full((size, size, 3), int(rng.integers(150, 240)), np.uint8)
            axes = (int(size * rng.uniform(0.1, 0.3)), int(size * rng.uniform(0.1, 0.3)))
            cv2.ellipse(img, (size // 2, size // 2), axes, float(rng.uniform(0, 180)), 0, 360, (30, 30, 30), -1)
            cv2.imwrite(str(d / f"{i}.png"), img)
    return root


def bench_pipeline(train_dir: Path, spec: PreprocessSpec, batch: int, workers: int, batches: int,
                   cache_mb: float) -> float:
    scan = scan_split(train_dir, cache_mb=cache_mb, progress=False)
    loader = torch.utils.data.DataLoader(
        PuppetImages(scan, ClassificationPresetTrain(spec)), batch_size=batch, shuffle=True,
        num_workers=workers, worker_init_fn=seed_worker, drop_last=True,
        persistent_workers=workers > 0)
    it = iter(loader)
    next(it)  # worker start-up is not throughput
    n, t0 = 0, time.perf_counter()
    for i, (x, _) in enumerate(it):
        n += x.shape[0]
        if i + 1 >= batches:
            break
    return n / (time.perf_counter() - t0)


def bench_steps(arch: str, spec: PreprocessSpec, batch: int, steps: int, device: torch.device,
                amp: str) -> float:
    model = build_model(arch).to(device)
    precision = Precision.choose(amp, device)
    channels_last = device.type == "cuda"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scaler = precision.scaler()
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.randn(batch, *spec.input_shape, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, len(PUPPETS), (batch,), device=device)
    model.train()

    def step():
        with precision.autocast(device):
            loss = crit(model(x), y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    for _ in range(2):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=None, help="dataset root with train/ (default: made)")
    p.add_argument("--archs", nargs="+", default=list(ARCHS), choices=ARCHS)
    p.add_argument("--input-sizes", nargs="+", type=int, default=[224])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batches", type=int, default=10, help="pipeline batches to time")
    p.add_argument("--steps", type=int, default=5, help="training steps to time")
    p.add_argument("--device", default="auto")
    p.add_argument("--amp", default="auto")
    p.add_argument("--cache-mb", type=float, default=4096)
    args = p.parse_args()
    device = pick_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data or make_images(Path(tmp), per_class=max(8, args.batch_size * args.batches // 15 + 1), size=224)
        rows = []
        for size in args.input_sizes:
            spec = PreprocessSpec(input_size=size)
            pipe = bench_pipeline(root / "train", spec, args.batch_size, args.workers, args.batches, args.cache_mb)
            for arch in args.archs:
                step = bench_steps(arch, spec, args.batch_size, args.steps, device, args.amp)
                rows.append((arch, size, pipe, step))
    print(f"\ndevice: {name}; batch {args.batch_size}; DataLoader workers {args.workers}")
    print(f"{'arch':<14}{'input':>7}{'pipeline img/s':>17}{'train step img/s':>19}{'bound by':>10}")
    for arch, size, pipe, step in rows:
        print(f"{arch:<14}{size:>7}{pipe:>17.1f}{step:>19.1f}{'data' if pipe < step else 'model':>10}")


if __name__ == "__main__":
    main()
