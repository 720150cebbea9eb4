"""Which part of a photo holds a model's answer: erase one cell of a grid at a time.

    python training/occlusion.py models/mobilenet_v2.int8.onnx --puppets cow --grid 4
    python training/occlusion.py MODEL.onnx --photos DIR --picture /tmp/occlusion.png

`training/neighbours.py` says which generated puppets a photo looks like; this says which part of
the photo makes it so. Each cell of a `--grid` x `--grid` grid is painted the wall's colour (the
photo's 95th-percentile colour) in turn and the photo scored again as the app scores it, so the
numbers are the true puppet's probability with that part of the shadow gone (in a spotlight photo,
erasing dark room also brightens what the silhouette step normalises: read such cells as "without
the spotlight's edge"). A cell that lifts the true puppet far above the whole photo's score is
where the photo differs from every generated frame of its puppet. On the shipped generator 3.8.1
MobileNetV2 the cow photo (cow 0.11, dog 0.33) became a cow at 0.62 with the deep lower-left of its
head erased: generated cows hold the hand edge-on and have thin heads (docs/training.md, generator
3.10.0). Unlike Grad-CAM (`training/gradcam.py`) it needs no PyTorch checkpoint: any exported model
with its card will do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # `python training/occlusion.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import silhouette_image
from training.evaluate import labelled_images, load_rgb, onnx_predict, photos_folder


def erased_copies(image: np.ndarray, grid: int) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """One copy of `image` per grid cell, that cell painted the wall's colour."""
    if grid < 1:
        raise ValueError(f"--grid must be at least 1, not {grid}")
    h, w = image.shape[:2]
    wall = np.percentile(image.reshape(-1, image.shape[2]), 95, axis=0).astype(image.dtype)
    ys = np.linspace(0, h, grid + 1).astype(int)
    xs = np.linspace(0, w, grid + 1).astype(int)
    copies, cells = [], []
    for i in range(grid):
        for j in range(grid):
            erased = image.copy()
            erased[ys[i]:ys[i + 1], xs[j]:xs[j + 1]] = wall
            copies.append(erased)
            cells.append((i, j))
    return copies, cells


def occlusion(predict, image: np.ndarray, label: int, grid: int = 4) -> dict:
    """The true puppet's probability on the whole photo and with each cell erased.

    `predict` takes a list of RGB images and returns (N, classes) probabilities
    (`training.evaluate.onnx_predict`). Returns `base` (the whole photo's probabilities), `grid`
    (grid x grid array of p(true) with that cell erased) and `top` (per cell, the top puppet).
    """
    copies, cells = erased_copies(image, grid)
    probs = predict([image, *copies])
    base, rest = probs[0], probs[1:]
    heat = np.zeros((grid, grid))
    top = [["" for _ in range(grid)] for _ in range(grid)]
    for (i, j), p in zip(cells, rest):
        heat[i, j] = p[label]
        top[i][j] = PUPPETS[int(np.argmax(p))]
    return {"base": base, "grid": heat, "top": top}


def draw(image: np.ndarray, result: dict, label: int, width: int = 320) -> np.ndarray:
    """The photo's silhouette with each cell tinted by how much erasing it moves p(true):
    green where the true puppet rises, red where it falls, and p(true) written in each cell."""
    sil = silhouette_image(image)
    sil = sil if sil.ndim == 3 else cv2.cvtColor(sil, cv2.COLOR_GRAY2RGB)
    h = round(width * sil.shape[0] / sil.shape[1])
    out = cv2.resize(sil, (width, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    grid = result["grid"]
    n = grid.shape[0]
    base = float(result["base"][label])
    ys = np.linspace(0, h, n + 1).astype(int)
    xs = np.linspace(0, width, n + 1).astype(int)
    for i in range(n):
        for j in range(n):
            delta = float(np.clip((grid[i, j] - base) * 2.0, -1.0, 1.0))
            tint = np.array([0, 200, 0] if delta > 0 else [220, 0, 0], np.float32)
            cell = out[ys[i]:ys[i + 1], xs[j]:xs[j + 1]]
            cell[:] = cell * (1 - 0.5 * abs(delta)) + tint * 0.5 * abs(delta)
    out = out.astype(np.uint8)
    for i in range(n):
        for j in range(n):
            cv2.putText(out, f"{grid[i, j]:.2f}", (xs[j] + 3, ys[i] + 30), cv2.FONT_HERSHEY_SIMPLEX,
                        0.4, (0, 0, 255), 1, cv2.LINE_AA)
    cv2.rectangle(out, (0, 0), (width, 16), (255, 255, 255), -1)
    cv2.putText(out, f"{PUPPETS[label]}: p {base:.2f} whole", (3, 12), cv2.FONT_HERSHEY_SIMPLEX,
                0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", type=Path, help="an exported .onnx file (with its card)")
    p.add_argument("--photos", type=Path, default=None,
                   help="labelled photos (default: ../shared/real-shadows)")
    p.add_argument("--puppets", nargs="+", default=None, metavar="PUPPET",
                   help="only these puppets' photos (default: all)")
    p.add_argument("--grid", type=int, default=4, help="cells per side (default 4)")
    p.add_argument("--picture", type=Path, default=None, help="also draw the grids here")
    args = p.parse_args(argv)
    try:
        if args.grid < 1:
            raise ValueError(f"--grid must be at least 1, not {args.grid}")
        unknown = sorted(set(args.puppets or ()) - set(PUPPETS))
        if unknown:
            raise ValueError(f"unknown puppet(s) {', '.join(unknown)}; "
                             f"choose from {', '.join(PUPPETS)}")
        folder = photos_folder(args.photos, "--photos")
        items = [(path, label) for path, label in labelled_images(folder)
                 if args.puppets is None or PUPPETS[label] in args.puppets]
        if not items:
            raise ValueError("no photos of the chosen puppets")
        predict = onnx_predict(args.model, threads=1)
        tiles = []
        for path, label in items:
            image = load_rgb(path)
            result = occlusion(predict, image, label, args.grid)
            base = result["base"]
            best = np.unravel_index(int(np.argmax(result["grid"])), result["grid"].shape)
            print(f"{path.name}: {PUPPETS[label]} {base[label]:.2f} whole "
                  f"(top {PUPPETS[int(np.argmax(base))]} {base.max():.2f}); erasing row {best[0]} "
                  f"col {best[1]} gives {result['grid'][best]:.2f} "
                  f"(top {result['top'][best[0]][best[1]]})")
            for row in result["grid"]:
                print("   " + " ".join(f"{v:.2f}" for v in row))
            if args.picture is not None:
                tiles.append(draw(image, result, label))
        if args.picture is not None:
            height = max(t.shape[0] for t in tiles)
            tiles = [cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, 4, cv2.BORDER_CONSTANT,
                                        value=(255, 255, 255)) for t in tiles]
            args.picture.parent.mkdir(parents=True, exist_ok=True)
            sheet = cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR)
            if not cv2.imwrite(str(args.picture), sheet):
                raise OSError(f"could not write {args.picture}")
            print(f"wrote {args.picture}")
    except (OmbroError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
