"""Export a training run to ONNX (fp32, and int8 for MobileNetV2) with measured model cards.

    python training/export.py runs/mnv2 --out models/
    python training/export.py runs/r34 --out models/ --no-int8

Each model is checked before it is published: `onnx.checker`, onnxruntime-vs-PyTorch parity on
real validation images (max abs logit difference, fp32 must stay within 1e-4), and the int8 copy
must keep val top-1 within `--max-int8-drop` points of fp32. The cards carry val top-1 on the
training data, top-1 on the real shadow photos, per-class results and what the model was trained
on, so the app and server can show and verify what they run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import onnx
import onnxruntime as ort
import torch

from ombro_contract.card import ModelCard, card_path_for, write_card
from ombro_contract.errors import OmbroError
from ombro_contract.int8 import max_weight_level
from ombro_contract.labels import PUPPETS
from ombro_contract.paths import MODELS_DIR, REPO_ROOT, model_filename, real_shadows_dir
from ombro_contract.preprocess import PreprocessSpec, preprocess_batch
from training.data import load_rgb, scan_split
from training.evaluate import (
    REAL_ABSENT,
    evaluate_onnx,
    evaluate_onnx_views,
    load_run_model,
    summary,
)
from training.quantize import CALIBRATION_METHODS, quantize_int8
from training.synth_data import dataset_generator_version, describe_dataset, run_data_root

FP32_TOLERANCE = 1e-4
ARCH_NAMES = {"mobilenet_v2": "MobileNetV2", "resnet34": "ResNet34"}


class ExportCheckError(OmbroError):
    """An exported file failed a check; nothing was published under its final name."""


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def sample_bgr(split_dir: Path, n: int, seed: int = 0) -> list[np.ndarray]:
    """Up to n images spread evenly over the classes (BGR, the contract preprocess input)."""
    scan = scan_split(split_dir, progress=False, max_bad_fraction=1.0)
    rng = np.random.default_rng(seed)
    by_class: dict[int, list[Path]] = {}
    for path, label in scan.samples:
        by_class.setdefault(label, []).append(path)
    per_class = max(1, n // len(by_class))
    picked = [p for paths in by_class.values()
              for p in rng.permutation(np.array(paths, dtype=object))[:per_class]]
    return [load_rgb(p)[:, :, ::-1].copy() for p in picked]


def export_onnx(model: torch.nn.Module, spec: PreprocessSpec, path: Path, opset: int) -> Path:
    """fp32 ONNX with a dynamic batch axis: input `input` (N,3,S,S), output `logits` (N,15)."""
    dummy = torch.zeros(2, *spec.input_shape)
    torch.onnx.export(
        model, (dummy,), str(path), input_names=["input"], output_names=["logits"],
        dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1, max=1024)}},
        opset_version=opset, dynamo=True, external_data=False,
    )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return path


def parity(model: torch.nn.Module, path: Path, batch: np.ndarray) -> float:
    """Max abs logit difference between PyTorch and onnxruntime on the same input batch."""
    with torch.inference_mode():
        ref = model(torch.from_numpy(batch)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["logits"], {"input": batch})[0]
    return float(np.abs(ref - got).max())


def card_metrics(val: dict, real: dict | None, extra: dict) -> dict:
    m = {"val_top1": round(val["top1"], 4), "val_macro_f1": round(val["macro_f1"], 4),
         "val_n": val["n"], "val_per_class": val["per_class"]}
    if real is None:
        m.update(real_top1=None, real_note=REAL_ABSENT)
    else:
        m.update(real_top1=round(real["top1"], 4), real_top3=round(real["top3"], 4),
                 real_mean_true_prob=round(real["mean_true_prob"], 4), real_n=real["n"],
                 real_per_class={f["true"]: {"pred": f["pred"], "prob": f["prob"],
                                             "true_prob": f["true_prob"], "top3": f["top3"],
                                             "correct": f["pred"] == f["true"]}
                                 for f in real["files"]})
        if "views" in real:
            m["real_views"] = real["views"]
    return {**m, **extra}


def publish(tmp: Path, final: Path, card: ModelCard) -> None:
    """Move the checked file into place, then write its card (checksum of the final bytes)."""
    tmp.replace(final)
    write_card(final, card)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Export a training run to ONNX with model cards.")
    p.add_argument("run", type=Path, help="run folder (uses model_best.pth) or a .pth checkpoint")
    p.add_argument("--out", type=Path, default=MODELS_DIR)
    p.add_argument("--name", default=None, help="file stem (default: the arch, e.g. mobilenet_v2)")
    p.add_argument("--version", default=None, help="card version (default: arch-date-commit)")
    p.add_argument("--int8", action=argparse.BooleanOptionalAction, default=None,
                   help="also write a static int8 model (default: on for mobilenet_v2)")
    p.add_argument("--calib-images", type=int, default=300, help="train images for int8 calibration")
    p.add_argument("--calib-method", choices=sorted(CALIBRATION_METHODS), default="minmax")
    p.add_argument("--max-int8-drop", type=float, default=1.0, help="allowed val top-1 loss, points")
    p.add_argument("--opset", type=int, default=18)
    p.add_argument("--notes", default="")
    args = p.parse_args(argv)
    try:
        export(args)
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def export(args: argparse.Namespace) -> dict[str, Path]:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model, ckpt = load_run_model(args.run, torch.device("cpu"))
    arch, spec = ckpt["arch"], PreprocessSpec.model_validate(ckpt["spec"])
    data_root = run_data_root(ckpt["data_root"])
    commit = git_commit()
    stamp = datetime.now(UTC)
    version = args.version or f"{arch}-{stamp:%Y%m%d.%H%M}" + (f"-{commit[:7]}" if commit else "")
    stem = args.name or arch
    do_int8 = args.int8 if args.int8 is not None else arch == "mobilenet_v2"
    args.out.mkdir(parents=True, exist_ok=True)

    fp32_tmp = args.out / f".{stem}.export.onnx"
    export_onnx(model, spec, fp32_tmp, args.opset)
    val_bgr = sample_bgr(data_root / "val", 32, seed=1)
    diff = parity(model, fp32_tmp, preprocess_batch(val_bgr, spec))
    print(f"onnx.checker: ok; onnxruntime vs PyTorch on {len(val_bgr)} val images: "
          f"max abs logit diff {diff:.2e} (tolerance {FP32_TOLERANCE:g})")
    if not diff <= FP32_TOLERANCE:
        fp32_tmp.unlink(missing_ok=True)
        raise ExportCheckError(f"fp32 ONNX differs from PyTorch by {diff:.2e} > {FP32_TOLERANCE:g}")

    base = dict(  # noqa: C408 -- keyword style reads as a card
        arch=arch, classes=list(PUPPETS), preprocess=spec, input_shape=spec.input_shape,
                input_name="input", output_name="logits", outputs="logits",
                dataset=_dataset_text(ckpt, data_root), training_commit=commit, created=stamp,
                sha256="0" * 64, size_bytes=0)
    if real_shadows_dir() is None:
        print(REAL_ABSENT, file=sys.stderr)

    fp32_final = args.out / model_filename(stem, "fp32")
    fp32_card = ModelCard(name=f"Ombro {ARCH_NAMES[arch]} fp32", version=version, quantization="fp32",
                          notes=args.notes, **base)
    publish(fp32_tmp, fp32_final, fp32_card)
    val32, real32 = measure(fp32_final, fp32_card, data_root)
    provenance = {"epoch": ckpt["epoch"], "generator_version": dataset_generator_version(data_root)}
    if ckpt.get("teacher"):
        provenance["distilled_from"] = ckpt["teacher"]
    if not ckpt.get("rift") and (ckpt.get("init_version") or (ckpt.get("config") or {}).get("init")):
        # train.py --init (a RiFT run says it under "rift")
        provenance["fine_tuned_from"] = ckpt.get("init_version") or ckpt["config"]["init"]
    if ckpt.get("rift"):  # training/rift.py: what it started from and what it chose
        r = ckpt["rift"]
        provenance["rift"] = {"init": r.get("init_version") or r.get("init"), "alpha": r["alpha"],
                              "module": r["module"], "pgd_train": r["pgd_train"]}
    if ckpt.get("soup"):  # training/soup.py: the weight average of these runs
        s = ckpt["soup"]
        provenance["soup"] = {"ingredients": len(s["ingredients"]), "init": s["init"],
                              "seeds": s["ingredient_seeds"], "rift_alphas": s["rift_alphas"]}
        if s.get("init_weight"):  # moved that share back to its init (soup.py --init-weight)
            provenance["soup"]["init_weight"] = s["init_weight"]
    if (ckpt.get("config") or {}).get("model_ema"):  # the weights are train.py's --model-ema average
        provenance["model_ema_decay"] = ckpt["config"]["model_ema_decay"]
    # trained on mixed batches (transforms.BatchMix) or with blurred strides (training/antialias.py)
    for mix in ("mixup_alpha", "cutmix_alpha", "antialias"):
        if (ckpt.get("config") or {}).get(mix):
            provenance[mix] = ckpt["config"][mix]
    write_card(fp32_final, fp32_card.model_copy(update={"metrics": card_metrics(
        val32, real32, {"onnx_parity_max_abs_diff": diff, **provenance})}))
    written = {"fp32": fp32_final}
    if not do_int8:
        return written

    written["int8"] = publish_int8(
        fp32_final, fp32_card.model_copy(update={"version": f"{version}-int8"}), data_root,
        val32["top1"], provenance, args.calib_images, args.calib_method, args.max_int8_drop)
    return written


def measure(path: Path, card: ModelCard, data_root: Path) -> tuple[dict, dict | None]:
    """Val and real-photo scores of a published file, loaded as the app loads it."""
    write_card(path, card)  # evaluate_onnx loads through load_verified, like the app
    real_dir = real_shadows_dir()
    val = evaluate_onnx(path, data_root / "val")
    real = evaluate_onnx(path, real_dir) if real_dir else None
    print(f"{path.name}: val {summary(val)}" + (f"; real photos {summary(real)}" if real else ""))
    if real:
        real["views"] = views = evaluate_onnx_views(path, real_dir)
        print(f"{path.name}: real photos over {views['views']} camera views each: top-1 {views['top1']:.4f}, "
              f"top-3 {views['top3']:.4f}, mean p(true) {views['mean_true_prob']:.3f}")
    return val, real


def publish_int8(fp32_final: Path, base: ModelCard, data_root: Path, val32_top1: float,
                 provenance: dict, calib_images: int = 300, calib_method: str = "minmax",
                 max_drop: float = 1.0) -> Path:
    """Quantise a published fp32 file beside it, measure it and publish it with its card.

    `base` is the fp32 card with the int8 version; the file is removed again when it loses more
    than `max_drop` val points against `val32_top1`.
    """
    stem = fp32_final.name.removesuffix(".onnx")
    int8_tmp = fp32_final.with_name(f".{stem}.int8.export.onnx")
    calib = sample_bgr(data_root / "train", calib_images, seed=2)
    quantize_int8(fp32_final, int8_tmp, calib, base.preprocess, calib_method)
    onnx.checker.check_model(onnx.load(str(int8_tmp)))
    int8_final = fp32_final.with_name(model_filename(stem, "int8"))
    int8_card = base.model_copy(update={"name": base.name.replace("fp32", "int8"),
                                        "quantization": "int8", "metrics": {}})
    publish(int8_tmp, int8_final, int8_card)
    val8, real8 = measure(int8_final, int8_card, data_root)
    drop = (val32_top1 - val8["top1"]) * 100
    print(f"int8 vs fp32 val top-1: {val8['top1']:.4f} vs {val32_top1:.4f} ({drop:+.2f} points lost; "
          f"limit {max_drop})")
    write_card(int8_final, int8_card.model_copy(update={"metrics": card_metrics(val8, real8, {
        "val_top1_fp32": round(val32_top1, 4), "int8_drop_points": round(drop, 2),
        "calibration": f"{len(calib)} train images, {calib_method}, QDQ per-channel, 7-bit weights",
        "max_weight_level": max_weight_level(int8_final), **provenance})}))
    if drop > max_drop:
        int8_final.unlink()
        card_path_for(int8_final).unlink()
        raise ExportCheckError(
            f"int8 model loses {drop:.2f} val points (> {max_drop}); it was not published. "
            "Try --calib-method percentile or entropy, or more --calib-images")
    return int8_final


class TrainingDataError(OmbroError):
    """The dataset given is not the one a published model was trained on."""


def check_training_data(name: str, card: ModelCard, data_root: Path, splits: tuple[str, ...]) -> None:
    """Refuse a dataset that is not the one `card`'s model was trained on: same generator version,
    with the `splits` present. A model measured or calibrated on other data would carry numbers
    that say nothing about it."""
    for split in splits:
        if not (data_root / split).is_dir():
            raise TrainingDataError(f"{data_root / split} is missing: --data needs the "
                                    f"{' and '.join(s + '/' for s in splits)} folders the model "
                                    "was trained on")
    trained_on, given = card.metrics.get("generator_version"), dataset_generator_version(data_root)
    if trained_on != given:
        def what(v: str | None) -> str:
            return f"shadows of generator {v}" if v else "data that no generator made (e.g. HaSPeR)"

        hint = (f"e.g. python training/synth.py --out data/synth-v{trained_on}-s0-n1000 --per-class "
                "1000 (with the generator of that version)" if trained_on else
                "give the folder it was trained on")
        raise TrainingDataError(f"{name} was trained on {what(trained_on)}, but {data_root} "
                                f"holds {what(given)}: use the same data, {hint}")


def _dataset_text(ckpt: dict, data_root: Path) -> str:
    """A folder the generator wrote is named as generated shadows whatever the run recorded
    (train.py --data on it); any other dataset keeps the run's own description."""
    counts = {}
    for split in ("train", "val"):
        d = data_root / split
        counts[split] = sum(1 for f in d.rglob("*") if f.is_file()) if d.is_dir() else 0
    own = ckpt.get("dataset")
    text = own if own and not dataset_generator_version(data_root) else describe_dataset(data_root)
    return f"{text} ({counts['train']} train / {counts['val']} val images)"


if __name__ == "__main__":
    sys.exit(main())
