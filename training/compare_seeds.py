"""Judge a training change by several seeds of each side, not by one run of each.

    python training/compare_seeds.py \\
        --group 3.8.1 runs/a-s0/onnx/mobilenet_v2.int8.onnx runs/a-s1/onnx/mobilenet_v2.int8.onnx \\
        --group 3.11.0 runs/b-s0/onnx/mobilenet_v2.int8.onnx runs/b-s1/onnx/mobilenet_v2.int8.onnx \\
        --views 48 --view-seeds 0 1 2 3

Two retrains that differ only in `--seed` (new data, new initial weights) differ by up to 2.5
photos of top-1 on the 15 real photos, even over camera views (docs/training.md). A change to
the generator or the recipe moves the photos by about as much, so one run per side decides
nothing. A group is the seeds of one side. For each model this prints top-1, top-3 and mean
p(true) over every camera view of every view seed; for each group the mean and spread (sample
standard deviation) over its seeds, and the seed ensemble (its models' probabilities averaged:
what distilling from them would aim at); then, for two or more groups, each group's mean against
the first's with the standard error of that difference, and per photo in how many views each
group's seeds were right at top-1 and held the true puppet in the top 3 (summed over the
seeds). Models run as the app and server run them (`training/compare.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # `python training/compare_seeds.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from training.camera_views import ViewRanges
from training.compare import photo_verdict
from training.evaluate import (
    labelled_images,
    metrics_from_probs,
    onnx_predict,
    photos_folder,
    predict_images,
    repeat_items,
    view_images,
)

METRICS = ("top1", "top3", "mean_true_prob")


def compare_seeds(groups: dict[str, list[Path]], folder: Path, views: int = 48,
                  view_seeds: tuple[int, ...] = (0,), flip: bool = False) -> dict:
    """{"models": {group: [{file, top1, top3, mean_true_prob}]}, "groups": {group: {mean, sd,
    ensemble, n_seeds}}, "photos": [{true, group: {right, in_top3, of}}], "n": photos}.

    Rates count every view of every view seed. Each model is loaded once; the views of one view
    seed are made once and scored by every model, so all models see the same pixels. `flip` adds
    a group `NAME+flip` per group: its models with flip test-time averaging, as the server runs
    them with OMBRO_SCORE_FLIP=true, on the same views.
    """
    items = labelled_images(folder)
    expanded = repeat_items(items, views)
    flipped = {f"{g}+flip": paths for g, paths in groups.items()} if flip else {}
    if set(flipped) & set(groups):
        raise ValueError(f"group names {sorted(set(flipped) & set(groups))} are taken by --flip's twins")
    groups = {**groups, **flipped}
    predictors = {(g, i): onnx_predict(path, flip=g in flipped)
                  for g, paths in groups.items() for i, path in enumerate(paths)}
    probs: dict[tuple[str, int], list[np.ndarray]] = {key: [] for key in predictors}
    for seed in view_seeds:
        images = list(view_images(items, views, seed, ViewRanges()))
        for key, predict in predictors.items():
            probs[key].append(predict_images(predict, images))
    all_items = expanded * len(view_seeds)
    joined = {key: np.concatenate(p) for key, p in probs.items()}

    def rates(p: np.ndarray) -> dict:
        m = metrics_from_probs(all_items, p)
        return {k: round(float(m[k]), 4) for k in METRICS}

    models, summary = {}, {}
    for g, paths in groups.items():
        rows = [{"file": str(path), **rates(joined[(g, i)])} for i, path in enumerate(paths)]
        models[g] = rows
        table = np.array([[r[k] for k in METRICS] for r in rows])
        sd = table.std(0, ddof=1) if len(rows) > 1 else np.full(len(METRICS), np.nan)
        ensemble = np.mean([joined[(g, i)] for i in range(len(paths))], axis=0)
        summary[g] = {"n_seeds": len(rows), "mean": dict(zip(METRICS, table.mean(0).round(4).tolist())),
                      "sd": dict(zip(METRICS, [None if np.isnan(s) else round(float(s), 4) for s in sd])),
                      "ensemble": rates(ensemble)}
    photo_of = np.tile(np.repeat(np.arange(len(items)), views), len(view_seeds))
    photos = []
    for k, (path, t) in enumerate(items):
        entry = {"file": path.name, "true": PUPPETS[t]}
        rows = photo_of == k
        for g, paths in groups.items():
            verdicts = [photo_verdict(joined[(g, i)][rows], t) for i in range(len(paths))]
            entry[g] = {"right": sum(v["right"] for v in verdicts), "in_top3": sum(v["in_top3"] for v in verdicts),
                        "of": int(rows.sum()) * len(paths)}
        photos.append(entry)
    return {"folder": str(folder), "views": views, "view_seeds": list(view_seeds), "n": len(items),
            "models": models, "groups": summary, "photos": photos}


def format_report(result: dict) -> str:
    n = result["n"]
    groups = result["groups"]
    width = max(27, *(len(_label(r["file"])) + 2 for rows in result["models"].values() for r in rows))

    def cells(r: dict) -> str:
        return f"{r['top1'] * n:5.2f}/{n:<3d} {r['top3'] * n:5.2f}/{n:<3d} {r['mean_true_prob']:7.3f}"

    lines = [(f"{result['views']} camera views x view seeds {result['view_seeds']} of {n} photos; "
              "top-1 and top-3 in photos (mean over the views)"), "",
             f"{'model':{width}s}  top-1      top-3      p(true)"]
    for g, rows in result["models"].items():
        s = groups[g]
        lines.append(f"[{g}]")
        lines += [f"  {_label(r['file']):{width - 2}s}  {cells(r)}" for r in rows]
        lines.append(f"  {'mean of ' + str(s['n_seeds']) + ' seeds':{width - 2}s}  {cells(s['mean'])}")
        if s["sd"]["top1"] is not None:
            sd = s["sd"]
            lines.append(f"  {'spread (sd)':{width - 2}s}  {sd['top1'] * n:5.2f}      {sd['top3'] * n:5.2f}      "
                         f"{sd['mean_true_prob']:7.3f}")
        lines.append(f"  {'seed ensemble (average)':{width - 2}s}  {cells(s['ensemble'])}")
    names = list(groups)
    if len(names) > 1:
        base = groups[names[0]]
        lines += ["", f"difference of means against [{names[0]}] (standard error from the seeds' spread):"]
        for g in names[1:]:
            parts = []
            for k, label, scale in (("top1", "top-1", n), ("top3", "top-3", n), ("mean_true_prob", "p(true)", 1)):
                diff = (groups[g]["mean"][k] - base["mean"][k]) * scale
                se = _standard_error(base, groups[g], k)
                parts.append(f"{label} {diff:+.2f}" + ("" if se is None else f" +- {se * scale:.2f}"))
            lines.append(f"  [{g}] " + ", ".join(parts))
    lines += ["", "per photo, views right at top-1 / with the true puppet in the top 3, summed over each group's seeds:",
              f"{'photo':10s} " + " ".join(f"{g:>20s}" for g in names)]
    for p in result["photos"]:
        lines.append(f"{p['true']:10s} " + " ".join(
            f"{p[g]['right']:>6d}/{p[g]['in_top3']:<5d} of {p[g]['of']:<5d}".rjust(20) for g in names))
    return "\n".join(lines)


def _label(path: str) -> str:
    """`run/onnx/file.onnx` reads as `run/file.onnx`: runs differ by folder, not by file name."""
    p = Path(path)
    parent = p.parent.parent.name if p.parent.name == "onnx" else p.parent.name
    return f"{parent}/{p.name}" if parent else p.name


def _standard_error(a: dict, b: dict, key: str) -> float | None:
    """Of the difference of two group means, from each group's seed spread (Welch); None when a
    group has a single seed and so no spread to go on."""
    if a["sd"][key] is None or b["sd"][key] is None:
        return None
    return float(np.sqrt(a["sd"][key] ** 2 / a["n_seeds"] + b["sd"][key] ** 2 / b["n_seeds"]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip().split(".")[0])
    p.add_argument("--group", nargs="+", action="append", required=True, metavar=("NAME", "MODEL"),
                   help="a name, then the exported .onnx files of its seeds (each with its card); repeat per side")
    p.add_argument("--data", type=Path, default=None, help="folder to score (default: the real photos)")
    p.add_argument("--views", type=int, default=48, help="camera views per photo (the first is the photo itself)")
    p.add_argument("--view-seeds", type=int, nargs="+", default=[0], help="seeds of the camera views")
    p.add_argument("--flip", action="store_true",
                   help="also score each group with flip test-time averaging (OMBRO_SCORE_FLIP), as NAME+flip")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = p.parse_args(argv)
    groups: dict[str, list[Path]] = {}
    for name, *models in args.group:
        if not models:
            p.error(f"--group {name}: name at least one model after the group's name")
        if name in groups:
            p.error(f"--group {name} is given twice: give each group once, with all its seeds")
        groups[name] = [Path(m) for m in models]
    if args.views < 1:
        p.error(f"--views must be at least 1, got {args.views}")
    if args.flip and (taken := sorted(f"{g}+flip" for g in groups if f"{g}+flip" in groups)):
        p.error(f"--flip names its twin groups NAME+flip, and {taken} are already group names: rename them")
    try:
        result = compare_seeds(groups, photos_folder(args.data), views=args.views,
                               view_seeds=tuple(args.view_seeds), flip=args.flip)
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
