"""Inference speed of the shipped MobileNetV2 per backend, on one core, measured side by side.

Prints milliseconds per image (median of many runs) for torch eager fp32, onnxruntime fp32,
onnxruntime int8 and OpenCV dnn fp32, and each one's ratio to onnxruntime int8 (what the app
runs). Absolute times vary from machine to machine; the ratios are what to compare.

    .venv/bin/python benchmarks/bench_inference.py [--arch mobilenet_v2] [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from ombro_contract.classifier import PuppetClassifier
from ombro_contract.paths import default_model_path


def time_call(fn, runs: int, warmup: int = 10) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="mobilenet_v2")
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()

    fp32, int8 = default_model_path(args.arch, "fp32"), default_model_path(args.arch, "int8")
    for p in (fp32, int8):
        if not p.exists():
            sys.exit(f"{p} is missing: train and export it first (see README, maintainers)")
    cv2.setNumThreads(1)
    rows: list[tuple[str, float]] = []

    ort_int8 = PuppetClassifier.from_path(int8, threads=1)
    spec = ort_int8.spec
    x = np.random.default_rng(0).standard_normal((1, *spec.input_shape)).astype(np.float32)
    rows.append(("onnxruntime int8", time_call(lambda: ort_int8.run(x), args.runs)))
    ort_fp32 = PuppetClassifier.from_path(fp32, threads=1)
    rows.append(("onnxruntime fp32", time_call(lambda: ort_fp32.run(x), args.runs)))
    try:
        ocv = PuppetClassifier.from_path(fp32, backend="opencv", threads=1)
        rows.append(("opencv dnn fp32", time_call(lambda: ocv.run(x), args.runs)))
    except Exception as exc:  # noqa: BLE001 -- report, do not hide, a backend that cannot run
        print(f"opencv dnn fp32: not run ({exc})")
    try:
        import torch
        import torchvision

        torch.set_num_threads(1)
        model = getattr(torchvision.models, args.arch)(num_classes=len(ort_fp32.classes)).eval()
        xt = torch.from_numpy(x)
        with torch.inference_mode():
            rows.append(("torch eager fp32", time_call(lambda: model(xt), max(20, args.runs // 4))))
    except ImportError:
        print("torch eager fp32: not run (install the train group)")

    base = dict(rows)["onnxruntime int8"]
    print(f"\n{args.arch} at {spec.input_size} px, batch 1, one thread, median of {args.runs} runs")
    print(f"{'backend':<20}{'ms/image':>10}{'x int8':>9}")
    for name, ms in sorted(rows, key=lambda r: r[1]):
        print(f"{name:<20}{ms:>10.2f}{ms / base:>9.2f}")


if __name__ == "__main__":
    main()
