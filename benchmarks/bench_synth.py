"""How fast does training/synth.py render? Prints images per second (a measurement, not a test).

    .venv/bin/python benchmarks/bench_synth.py                 # 15 x 200 at 224 px, all cores
    .venv/bin/python benchmarks/bench_synth.py --per-class 40 --workers 1

The issue's bar: 15 x 200 images at 224 px in under a minute on 2 cores. The count includes
the 'none' frames (one set of per-class size) and the PNG writing, as a real run does.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2

from ombro_contract.labels import PUPPETS
from training.shadowgen.render import render_sample
from training.synth import generate_dataset


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-class", type=int, default=200)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    # Single-process render speed (all 15 puppets and 'none'), with PNG encoding, no disk.
    # CPU time is reported too: on a machine shared with other jobs it is the honest number.
    cv2.setNumThreads(1)
    n = 240
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        puppet = None if i % 16 == 15 else PUPPETS[i % 15]
        img = render_sample(puppet, np.random.default_rng([args.seed, i]), args.size)
        cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    single = n / (time.perf_counter() - t0)
    cpu_ms = 1000 * (time.process_time() - c0) / n

    workers = args.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        manifest = generate_dataset(Path(tmp) / "ds", args.per_class, seed=args.seed,
                                    size=args.size, workers=workers, progress=False)
        elapsed = time.perf_counter() - t0
    total = sum(sum(c.values()) for c in manifest["counts"].values())
    print(f"render only, 1 process : {single:6.1f} images/s at {args.size}px "
          f"({cpu_ms:.1f} ms CPU per image = {1000 / cpu_ms:.0f} images per CPU-second)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"generate_dataset       : {total} images ({args.per_class}/class + none) in "
          f"{elapsed:.1f} s with {workers} workers = {total / elapsed:.1f} images/s "
          f"(incl. PNG writing, process start-up, contact sheet)")


if __name__ == "__main__":
    main()
