"""Compare exported models, and the averages of every pair, on one folder of labelled shadows.

    python training/compare.py models/mobilenet_v2.int8.onnx models/resnet34.onnx /tmp/cand/mobilenet_v2.int8.onnx
    python training/compare.py A.onnx B.onnx --data DIR --json out.json

Choosing what to ship means reading several candidates side by side on the same photos, and
the server averages two models' probabilities (server/scoring.py), so a pair can matter more
than either alone. Each model runs once through `PuppetClassifier`, as the app and server run
it; pairs are averaged from those probabilities. Prints top-1, top-3, mean probability of the
true puppet and balanced accuracy per model and per pair, then each photo's answer and true-class
probability per model. On 15 photos one photo is 6.7 points: read p(true) first.

`--views N` scores each photo under N seeded camera views (`training/camera_views.py`: framing,
tilt, exposure, focus, noise, JPEG; the first view is the photo itself) and counts every view, so
top-1 reads "11.4/15" and each photo shows in how many views its answer was right. Every model
sees the same views. It measures how firmly a model holds these photos, not new performers.
`--view-only geometry` (or light, blur, noise, jpeg; comma-separated) changes only that part of
each view: on the 15 photos geometry alone moves the answers as much as the whole view does,
and the others move nothing, since the silhouette step reads the shadow's outline only.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # `python training/compare.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from training.camera_views import FAMILIES, ViewRanges
from training.evaluate import (
    labelled_images,
    metrics_from_probs,
    onnx_predict,
    photos_folder,
    predict_images,
    repeat_items,
    view_images,
)


def compare(models: list[Path], folder: Path, pairs: bool = True, views: int = 1, view_seed: int = 0,
            view_only: tuple[str, ...] = ()) -> dict:
    """{"rows": [{name, top1, top3, mean_true_prob, balanced_accuracy, n}], "files": [...], "views": V}.

    With `views` > 1 the rows count every view (n = photos x views) and each file's entry gives
    its most frequent answer (`pred`), its mean true-class probability over the views and in how
    many views the top-1 answer was right (`right`) and the true puppet in the top 3 (`in_top3`).
    `view_only` keeps only those families of change (`ViewRanges.only`: the same views, the rest
    held at the photo's own), to see which part of a camera view moves the answers.
    """
    ranges = ViewRanges().only(*view_only) if view_only else ViewRanges()
    items = labelled_images(folder)
    names = _short_names(models)
    probs = {name: predict_images(onnx_predict(path), view_images(items, views, view_seed, ranges))
             for name, path in zip(names, models)}  # the same views for every model
    expanded = repeat_items(items, views)
    candidates = dict(probs)
    if pairs:
        for a, b in combinations(names, 2):
            candidates[f"avg({a}, {b})"] = (probs[a] + probs[b]) / 2
    rows = []
    for name, p in candidates.items():
        m = metrics_from_probs(expanded, p)
        rows.append({"name": name, "n": m["n"], **{k: round(m[k], 4) for k in
                     ("top1", "top3", "mean_true_prob", "balanced_accuracy")}})
    files = [{"file": path.name, "true": PUPPETS[t],
              **{name: photo_verdict(p[i * views:(i + 1) * views], t) for name, p in probs.items()}}
             for i, (path, t) in enumerate(items)]
    return {"folder": str(folder), "views": views, "view_only": list(view_only), "rows": rows, "files": files}


def photo_verdict(block: np.ndarray, true: int) -> dict:
    """One photo's answer over its views: the most frequent top-1, mean p(true), counts right."""
    preds = block.argmax(1)
    top3 = np.argsort(-block, axis=1)[:, :3]
    return {"pred": PUPPETS[int(np.bincount(preds, minlength=len(PUPPETS)).argmax())],
            "true_prob": round(float(block[:, true].mean()), 4),
            "right": int((preds == true).sum()), "in_top3": int((top3 == true).any(1).sum())}


def _short_names(paths: list[Path]) -> list[str]:
    """File names where they differ, else parent/file, so a table's columns stay narrow."""
    names = [p.name for p in paths]
    if len(set(names)) < len(names):
        names = [f"{p.parent.name}/{p.name}" for p in paths]
    if len(set(names)) < len(names):
        names = [str(p) for p in paths]
    return names


def format_report(result: dict) -> str:
    rows = result["rows"]
    views = result.get("views", 1)
    width = max(len(r["name"]) for r in rows)
    photos = rows[0]["n"] // views

    def count(rate: float) -> str:  # in photos: "12/15", or "11.4/15" when views are counted
        return f"{round(rate * photos):>2d}/{photos:<3d}" if views == 1 else f"{rate * photos:4.1f}/{photos:<3d}"

    lines = [f"{'model':{width}s}  top-1   top-3   p(true)  balanced",
             *(f"{r['name']:{width}s}  {count(r['top1'])} {count(r['top3'])} "
               f"{r['mean_true_prob']:7.3f}  {r['balanced_accuracy']:7.1%}" for r in rows), ""]
    names = [k for k in result["files"][0] if k not in ("file", "true")]
    col = max(18 if views == 1 else 24, *(len(k) for k in names))
    lines.append(f"{'photo':16s} " + " ".join(f"{k:>{col}s}" for k in names))
    for f in result["files"]:
        cells = [f"{f[k]['pred'] + (' ' if f[k]['pred'] == f['true'] else '*')}({f[k]['true_prob']:.2f})"
                 + ("" if views == 1 else f" {f[k]['right']}/{f[k]['in_top3']}/{views}") for k in names]
        lines.append(f"{f['file'][:16]:16s} " + " ".join(f"{c:>{col}s}" for c in cells))
    lines.append("* wrong; (p) the probability given to the true puppet"
                 + ("" if views == 1 else f"; r/t/{views}: views right at top-1 / with the true puppet "
                    f"in the top 3, of {views} (the answer shown is the most frequent)"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", type=Path, nargs="+", help="exported .onnx files (each with its card)")
    p.add_argument("--data", type=Path, default=None, help="folder to score (default: the real photos)")
    p.add_argument("--no-pairs", dest="pairs", action="store_false", help="skip the pair averages")
    p.add_argument("--views", type=int, default=1,
                   help="score each photo under this many camera views (the first is the photo itself)")
    p.add_argument("--view-seed", type=int, default=0, help="seed of the camera views")
    p.add_argument("--view-only", default="", metavar="FAMILIES",
                   help="with --views: change only these, comma-separated, and keep the rest as in "
                   f"the photo ({', '.join(FAMILIES)}); the same views otherwise")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = p.parse_args(argv)
    if args.views < 1:
        p.error(f"--views must be at least 1, got {args.views}")
    view_only = tuple(f for f in args.view_only.split(",") if f)
    if unknown := sorted(set(view_only) - set(FAMILIES)):
        p.error(f"--view-only: unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    if view_only and args.views == 1:
        p.error("--view-only needs --views N (N > 1): the first view is the photo itself")
    try:
        result = compare(args.models, photos_folder(args.data), pairs=args.pairs,
                         views=args.views, view_seed=args.view_seed, view_only=view_only)
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
