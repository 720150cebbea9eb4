"""How well does the silhouette step find the true shadow, and what does it cost?

    python benchmarks/bench_silhouette.py --n 300

Renders generated frames at 320x240 (the silhouette size) whose true shadow the generator knows,
in three lightings: a spotlight disc in a dark room, strong vignetting, and the generator's usual
mix. Runs each silhouette method of the contract on them and prints the mean and median IoU with
the visible true shadow (3x3-dilated like the silhouette), the share of frames below IoU 0.5, and
the time per 640x480 camera frame, all side by side in one run. Also writes a picture of the 15
real photos' silhouettes, before (even) and after (normalised), with --real-picture PNG.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from ombro_contract.labels import PUPPETS
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import PreprocessSpec, load_image, silhouette
from training.shadowgen.render import render_photo

METHODS = {
    "threshold 90 (HaSPeR)": PreprocessSpec(threshold=90),
    "Otsu, even wall": PreprocessSpec(lighting="even"),
    "Otsu, normalised lighting": PreprocessSpec(lighting="normalised"),
}
LIGHTINGS = {"spotlight": "spot", "vignette": "vignette", "generator mix": None}


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    union = (pred | truth).sum()
    return float((pred & truth).sum() / union) if union else 1.0


def real_picture(path: Path) -> None:
    folder = real_shadows_dir()
    if folder is None:
        print("real photos absent: no picture")
        return
    tiles = []
    for f in sorted(Path(folder).glob("*.png")):
        img = load_image(f)
        row = [cv2.resize(img, (160, 120))]
        for spec in (METHODS["Otsu, even wall"], METHODS["Otsu, normalised lighting"]):
            sil = (silhouette(img, spec) * 255).astype(np.uint8)
            row.append(cv2.cvtColor(cv2.resize(sil, (160, 120)), cv2.COLOR_GRAY2BGR))
        tile = np.hstack(row)
        cv2.putText(tile, f.stem, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 255), 1,
                    cv2.LINE_AA)
        tiles.append(cv2.copyMakeBorder(tile, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=(255,) * 3))
    rows = [np.hstack(tiles[i:i + 3]) for i in range(0, len(tiles), 3)]
    header = np.full((24, rows[0].shape[1], 3), 255, np.uint8)
    for k in range(3):
        x = k * (3 * 160 + 4)
        for j, text in enumerate(("photo", "before: Otsu, even", "after: normalised")):
            cv2.putText(header, text, (x + 6 + j * 160, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                        (20, 20, 20), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), np.vstack([header, *rows]), [cv2.IMWRITE_PNG_COMPRESSION, 6])
    print(f"wrote {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=300, help="frames per lighting")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--real-picture", type=Path, default=None)
    args = p.parse_args()
    cv2.setNumThreads(1)
    kernel = np.ones((3, 3), np.uint8)
    print(f"{args.n} generated frames per lighting; IoU with the visible true shadow")
    print("| lighting | method | mean IoU | median IoU | frames with IoU < 0.5 |")
    print("| --- | --- | --- | --- | --- |")
    for lname, lighting in LIGHTINGS.items():
        photos = [render_photo(PUPPETS[i % 15], np.random.default_rng([args.seed, i, len(lname)]),
                               320, lighting=lighting) for i in range(args.n)]
        for mname, spec in METHODS.items():
            scores = np.array([
                iou(silhouette(ph.image, spec) < 0.5,
                    cv2.dilate(ph.visible.astype(np.uint8), kernel).astype(bool))
                for ph in photos])
            print(f"| {lname} | {mname} | {scores.mean():.3f} | {np.median(scores):.3f} "
                  f"| {(scores < 0.5).mean():.1%} |")
    frames = [cv2.resize(render_photo(PUPPETS[i % 15], np.random.default_rng([args.seed, i]), 320,
                                      lighting="spot" if i % 2 else None).image, (640, 480))
              for i in range(60)]
    print("\ntime per 640x480 frame, one thread (best of 5 passes over 60 frames)")
    for mname, spec in METHODS.items():
        best = min(_pass(frames, spec) for _ in range(5))
        print(f"  {mname:<28} {best * 1000:.2f} ms")
    if args.real_picture:
        real_picture(args.real_picture)


def _pass(frames: list[np.ndarray], spec: PreprocessSpec) -> float:
    t0 = time.perf_counter()
    for f in frames:
        silhouette(f, spec)
    return (time.perf_counter() - t0) / len(frames)


if __name__ == "__main__":
    main()
