"""A uniform model soup: the average of the weights of several runs fine-tuned from one init.

Why: one RiFT epoch from the same distilled model moves top-1 over the camera views by about 0.7
photo between seeds (docs/research.md), by the draw of batch order and attack alone. Shipping one
seed means shipping a draw, and picking the best seed by the real photos is fitting the photos.
Averaging the weights of all seeds (Wortsman et al., "Model soups", ICML 2022) ships the recipe
instead: one model, the app's frame step unchanged (an output ensemble would double it). It only
works for runs that share their init and stay in its basin, so the ingredients must agree on
architecture, preprocessing, classes and init; anything else is refused with the reason.

BatchNorm running statistics are averaged like the weights: the ingredients were trained on the
same data from the same statistics, and export.py's val and real-photo numbers on the soup show
when that stops being true.

    python training/soup.py runs/rift-s0 runs/rift-s1 runs/rift-s2 runs/rift-s3 --out runs/soup
    python training/export.py runs/soup --out models/
    # half-way back to the published model the runs were fine-tuned from (WiSE-FT)
    python training/soup.py runs/ft-s0 runs/ft-s1 --init models/resnet34.onnx --init-weight 0.5 --out runs/wise

The output folder holds model_best.pth in train.py's checkpoint format (so export.py and
evaluate.py read it like any run) and soup.json (the ingredients and the soup's val top-1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # `python training/soup.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec
from training.utils import BEST_NAME, load_checkpoint, save_atomic


class SoupError(OmbroError, ValueError):
    """Checkpoints that cannot be averaged into one model (say which and why)."""


def checkpoint_path(run_or_ckpt: Path) -> Path:
    path = run_or_ckpt / BEST_NAME if run_or_ckpt.is_dir() else run_or_ckpt
    if not path.is_file():
        raise SoupError(f"{path} not found: pass run folders holding {BEST_NAME} or .pth checkpoints")
    return path


def _load(path: Path) -> dict:
    """A checkpoint, or a SoupError naming the file when it is torn, foreign or not a run's."""
    try:
        ckpt = load_checkpoint(path)
    except Exception as exc:  # torch raises pickle, zip and runtime errors for a broken file
        raise SoupError(f"{path} is not a readable checkpoint ({type(exc).__name__}: {exc}); "
                        "pass model_best.pth files written by train.py or rift.py") from exc
    missing = [k for k in ("model", "arch", "classes", "spec", "data_root")
               if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise SoupError(f"{path} is not a training run's checkpoint (missing {', '.join(missing)})")
    return ckpt


def _init_of(ckpt: dict) -> str | None:
    """The model a run was fine-tuned from: rift.py's or train.py's --init (a published model's
    card version, else its path) or ImageNet weights (--pretrained); None for a run from random
    weights."""
    rift, config = ckpt.get("rift") or {}, ckpt.get("config") or {}
    return (rift.get("init_version") or rift.get("init") or ckpt.get("init_version") or config.get("init")
            or ("imagenet" if config.get("pretrained") else None))


def check_compatible(ckpts: list[dict], names: list[str]) -> None:
    """Refuse a soup whose ingredients are not fine-tunes of one model."""
    if len(ckpts) < 2:
        raise SoupError("a soup needs at least two checkpoints")
    first = ckpts[0]
    if _init_of(first) is None:
        raise SoupError(f"{names[0]} started from random weights: only runs fine-tuned from one model "
                        "(rift.py or train.py --init, train.py --pretrained) average into a working model")
    for name, c in zip(names[1:], ckpts[1:]):
        for key, what in (("arch", "architecture"), ("classes", "class list")):
            if c.get(key) != first.get(key):
                raise SoupError(f"{name}: {what} {c.get(key)!r} differs from {names[0]}'s {first.get(key)!r}")
        if PreprocessSpec.model_validate(c["spec"]) != PreprocessSpec.model_validate(first["spec"]):
            raise SoupError(f"{name}: preprocessing {c['spec']} differs from {names[0]}'s {first['spec']}")
        if _init_of(c) != _init_of(first):
            raise SoupError(f"{name} started from {_init_of(c)!r}, {names[0]} from {_init_of(first)!r}: "
                            "weights of runs from different inits do not average into a working model")
        if c["model"].keys() != first["model"].keys():
            raise SoupError(f"{name}: its weights have other tensors than {names[0]}'s")
    if tuple(first["classes"]) != PUPPETS:
        raise SoupError(f"{names[0]} was trained on classes {first['classes']}, not the contract's")


def average_state_dicts(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Uniform mean of floating tensors; integer buffers (BatchNorm's batch counter) from the
    first, since a mean of counts means nothing."""
    out = {}
    for key, first in states[0].items():
        if any(s[key].shape != first.shape for s in states):
            raise SoupError(f"tensor {key!r} has different shapes across the checkpoints")
        if first.is_floating_point():
            out[key] = torch.stack([s[key].double() for s in states]).mean(0).to(first.dtype)
        else:
            out[key] = first.clone()
    return out


def toward_init(state: dict[str, torch.Tensor], arch: str, init: Path, init_version: str | None,
                weight: float) -> dict[str, torch.Tensor]:
    """``state`` moved ``weight`` of the way back to the published model the runs started from
    (WiSE-FT: Wortsman et al., "Robust fine-tuning of zero-shot models", CVPR 2022).

    Why: fine-tuning on generated frames fits the generator, and the real shadows pay for it
    (docs/training.md); interpolating the fine-tuned weights with their start keeps part of what
    the start knew. Both sides are put in the published form (BatchNorm folded into its
    convolution, ``onnx_weights.fold_batchnorm``) first, so the same function is the same numbers
    on both sides. The result keeps that form (identity BatchNorms): export it, and train on from
    its exported .onnx (`--init`), which rebuilds the BatchNorm statistics first."""
    from training.engine import build_model
    from training.onnx_weights import fold_batchnorm, load_onnx_weights, published_card

    if not 0.0 < weight <= 1.0:
        raise SoupError(f"--init-weight {weight:g}: give a share between 0 (the soup) and 1 (the init)")
    if init.suffix != ".onnx":
        raise SoupError(f"--init {init}: give the published fp32 .onnx file the runs were fine-tuned from")
    try:
        version = published_card(init).version
        start = build_model(arch)
        load_onnx_weights(start, init)
    except (OSError, OmbroError) as exc:  # a missing or broken file, another architecture
        raise SoupError(f"--init {init}: {exc}") from exc
    if version != init_version:
        raise SoupError(f"--init {init} is {version!r}, but the runs were fine-tuned from {init_version!r}")
    tuned = build_model(arch)
    tuned.load_state_dict(state)
    fold_batchnorm(tuned)
    ends = [tuned.state_dict(), start.state_dict()]
    return {k: ((1.0 - weight) * v.double() + weight * ends[1][k].double()).to(v.dtype)
            if v.is_floating_point() else v.clone() for k, v in ends[0].items()}


def make_soup(runs: list[Path], init: Path | None = None, init_weight: float = 0.0) -> dict:
    """The soup checkpoint (train.py's layout plus a ``soup`` record) of the given runs; with
    ``init_weight`` > 0, moved that share of the way back to ``init`` (``toward_init``)."""
    paths = [checkpoint_path(Path(r)) for r in runs]
    names = [str(p.parent if p.name == BEST_NAME else p) for p in paths]
    ckpts = [_load(p) for p in paths]
    check_compatible(ckpts, names)
    first = ckpts[0]
    record = {
        "ingredients": names,
        "init": _init_of(first),
        "ingredient_val_top1": [c.get("val_top1") for c in ckpts],
        "ingredient_seeds": [(c.get("config") or {}).get("seed") for c in ckpts],
        "rift_alphas": [(c.get("rift") or {}).get("alpha") for c in ckpts],
    }
    soup = {k: v for k, v in first.items() if k not in ("model", "val_top1", "rift", "optimizer",
                                                        "lr_scheduler", "model_ema", "scaler")}
    soup["model"] = average_state_dicts([c["model"] for c in ckpts])
    if init_weight or init is not None:
        if init is None:
            raise SoupError("--init-weight needs --init: the published model the runs started from")
        soup["model"] = toward_init(soup["model"], first["arch"], Path(init), record["init"], init_weight)
        record["init_weight"] = init_weight
    soup["soup"] = record
    return soup


def measure_val(ckpt: dict) -> float:
    """The soup's own val top-1 on its dataset's val split, with the eval preset."""
    from training.evaluate import (
        evaluate_items,
        labelled_images,
        model_from_checkpoint,
        torch_probs,
    )
    from training.synth_data import run_data_root

    spec = PreprocessSpec.model_validate(ckpt["spec"])
    device = torch.device("cpu")
    model = model_from_checkpoint(ckpt, device)
    items = labelled_images(run_data_root(ckpt["data_root"]) / "val")
    return evaluate_items(lambda images: torch_probs(model, images, spec, device), items)["top1"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Average the weights of runs fine-tuned from one init.")
    p.add_argument("runs", nargs="+", type=Path, help="run folders (model_best.pth) or .pth files")
    p.add_argument("--out", type=Path, required=True, help="folder for the soup's model_best.pth")
    p.add_argument("--no-val", action="store_true", help="skip measuring the soup on val")
    p.add_argument("--init", type=Path, default=None,
                   help="the published fp32 .onnx the runs were fine-tuned from (with --init-weight)")
    p.add_argument("--init-weight", type=float, default=0.0,
                   help="move the soup this share (0-1] of the way back to --init (WiSE-FT)")
    args = p.parse_args(argv)
    try:
        soup = make_soup(args.runs, args.init, args.init_weight)
        rec = soup["soup"]
        for name, v, seed, alpha in zip(rec["ingredients"], rec["ingredient_val_top1"],
                                        rec["ingredient_seeds"], rec["rift_alphas"]):
            val = "?" if v is None else f"{v:.4f}"
            print(f"ingredient {name}: seed {seed}, val top-1 {val}" + ("" if alpha is None else f", alpha {alpha:g}"))
        if not args.no_val:
            soup["val_top1"] = rec["val_top1"] = measure_val(soup)
            print(f"soup of {len(args.runs)}: val top-1 {soup['val_top1']:.4f}")
        args.out.mkdir(parents=True, exist_ok=True)
        save_atomic(soup, args.out / BEST_NAME)
        (args.out / "soup.json").write_text(json.dumps(rec, indent=2) + "\n")
        print(f"wrote {args.out / BEST_NAME}; export it with training/export.py {args.out}")
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
