"""Compare exported models, and the averages of every pair, on one folder of labelled shadows.

    python training/compare.py models/mobilenet_v2.int8.onnx models/resnet34.onnx /tmp/cand/mobilenet_v2.int8.onnx
    python training/compare.py A.onnx B.onnx --data DIR --json out.json

Choosing what to ship means reading several candidates side by side on the same photos, and
the server averages two models' probabilities (server/scoring.py), so a pair can matter more
than either alone. Each model runs once through `PuppetClassifier`, as the app and server run
it; pairs are averaged from those probabilities. Prints top-1, top-3, mean probability of the
true puppet and balanced accuracy per model and per pair, then each photo's answer and true-class
probability per model. On 15 photos one photo is 6.7 points: read p(true) first.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

if __package__ in (None, ""):  # `python training/compare.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from training.evaluate import (
    labelled_images,
    metrics_from_probs,
    onnx_predict,
    photos_folder,
    predict_items,
)


def compare(models: list[Path], folder: Path, pairs: bool = True) -> dict:
    """{"rows": [{name, top1, top3, mean_true_prob, balanced_accuracy, n}], "files": [...]}."""
    items = labelled_images(folder)
    names = _short_names(models)
    probs = {name: predict_items(onnx_predict(path), items) for name, path in zip(names, models)}
    candidates = dict(probs)
    if pairs:
        for a, b in combinations(names, 2):
            candidates[f"avg({a}, {b})"] = (probs[a] + probs[b]) / 2
    rows = []
    for name, p in candidates.items():
        m = metrics_from_probs(items, p)
        rows.append({"name": name, "n": m["n"], **{k: round(m[k], 4) for k in
                     ("top1", "top3", "mean_true_prob", "balanced_accuracy")}})
    files = [{"file": path.name, "true": PUPPETS[t],
              **{name: {"pred": PUPPETS[int(p[i].argmax())], "true_prob": round(float(p[i][t]), 4)}
                 for name, p in probs.items()}}
             for i, (path, t) in enumerate(items)]
    return {"folder": str(folder), "rows": rows, "files": files}


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
    width = max(len(r["name"]) for r in rows)
    n = rows[0]["n"]
    lines = [f"{'model':{width}s}  top-1   top-3   p(true)  balanced",
             *(f"{r['name']:{width}s}  {round(r['top1'] * n):>2d}/{n:<3d} {round(r['top3'] * n):>2d}/{n:<3d} "
               f"{r['mean_true_prob']:7.3f}  {r['balanced_accuracy']:7.1%}" for r in rows), ""]
    names = [k for k in result["files"][0] if k not in ("file", "true")]
    col = max(18, *(len(k) for k in names))
    lines.append(f"{'photo':16s} " + " ".join(f"{k:>{col}s}" for k in names))
    for f in result["files"]:
        cells = [f"{f[k]['pred'] + (' ' if f[k]['pred'] == f['true'] else '*')}({f[k]['true_prob']:.2f})"
                 for k in names]
        lines.append(f"{f['file'][:16]:16s} " + " ".join(f"{c:>{col}s}" for c in cells))
    lines.append("* wrong; (p) the probability given to the true puppet")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", type=Path, nargs="+", help="exported .onnx files (each with its card)")
    p.add_argument("--data", type=Path, default=None, help="folder to score (default: the real photos)")
    p.add_argument("--no-pairs", dest="pairs", action="store_false", help="skip the pair averages")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = p.parse_args(argv)
    try:
        result = compare(args.models, photos_folder(args.data), pairs=args.pairs)
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
