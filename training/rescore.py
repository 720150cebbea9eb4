"""Measure a published model again with today's preprocessing code and update its card.

    python training/rescore.py models/mobilenet_v2.onnx models/mobilenet_v2.int8.onnx \
        --data data/synth-v3.5.0-s0-n1000

Why: a card's numbers are what the app and the server compute on that file. When code behind the
preprocessing spec changes (the silhouette's lighting analysis, say) without changing the spec,
the weights stay right but the card's val and real-photo numbers go stale; the run folder that
`training/export.py` needs is usually gone by then. This keeps the file, its checksum and its
version (apps need not download anything), and rewrites the measured numbers: val top-1, macro F1
and per-class results on `--data`'s val split, the real-photo results, and for an int8 file its
drop against the fp32 file beside it (measure the fp32 file first, or both in one call). The
card keeps what it said before under `metrics.rescored`, with the commit.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ombro_contract.card import ModelCard, load_verified, write_card
from ombro_contract.errors import OmbroError
from ombro_contract.paths import model_filename, real_shadows_dir
from training.export import card_metrics, check_training_data, git_commit, measure

_MEASURED = ("val_top1", "val_macro_f1", "real_top1", "real_top3", "real_mean_true_prob", "real_views")


def _fp32_sibling_top1(path: Path, card: ModelCard) -> float | None:
    if card.quantization != "int8":
        return None
    fp32 = path.with_name(model_filename(path.name.removesuffix(".int8.onnx"), "fp32"))
    if not fp32.exists():
        return None
    return load_verified(fp32).metrics.get("val_top1")


def rescore(path: Path, data_root: Path) -> ModelCard:
    card = load_verified(path)  # checksum and contract, like the app
    check_training_data(path.name, card, data_root, ("val",))
    if real_shadows_dir() is None and card.metrics.get("real_top1") is not None:
        raise OmbroError("the real shadow photos are not here (set OMBRO_REAL_SHADOWS or provide "
                         "../shared/real-shadows); without them the card would lose its real-photo "
                         "numbers")
    val, real = measure(path, card, data_root)
    before = card.metrics
    metrics = {**before, **card_metrics(val, real, {})}  # what is not measured is kept
    fp32_top1 = _fp32_sibling_top1(path, card)
    if fp32_top1 is not None:
        metrics.update(val_top1_fp32=fp32_top1,
                       int8_drop_points=round((fp32_top1 - metrics["val_top1"]) * 100, 2))
    metrics["rescored"] = {
        "commit": git_commit(), "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "before": {k: before.get(k) for k in _MEASURED},
    }
    new = card.model_copy(update={"metrics": metrics})
    write_card(path, new)
    return new


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Re-measure published models and update their cards.")
    p.add_argument("models", type=Path, nargs="+", help="published .onnx files, e.g. models/*.onnx")
    p.add_argument("--data", type=Path, required=True, help="the dataset they were trained on")
    args = p.parse_args(argv)
    # fp32 files first: an int8 card's drop is measured against the fp32 file's new val top-1
    for path in sorted(args.models, key=lambda m: m.name.endswith(".int8.onnx")):
        try:
            card = rescore(path, args.data)
        except (OmbroError, OSError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        was = card.metrics["rescored"]["before"]
        print(f"{path.name}: val top-1 {was['val_top1']} -> {card.metrics['val_top1']}, real top-1 "
              f"{was['real_top1']} -> {card.metrics['real_top1']}; card updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
