"""Evaluate a training run or any exported ONNX model on a folder of labelled shadow images.

    python training/evaluate.py runs/mnv2                    # the run's best checkpoint, val split
    python training/evaluate.py models/mobilenet_v2.int8.onnx           # the 15 real photos
    python training/evaluate.py models/mobilenet_v2.onnx --data DIR --out reports/x

A folder is either class sub-folders (HaSPeR / ImageFolder layout) or flat files named
`<puppet>.<ext>` (`../shared/real-shadows`). ONNX models are run through the contract's
`PuppetClassifier`, i.e. exactly as the app and server run them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from ombro_contract.errors import OmbroError
from ombro_contract.labels import NUM_CLASSES, PUPPETS, puppet_index
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import PreprocessSpec
from training.camera_views import ViewRanges, camera_views
from training.data import IMAGE_SUFFIXES, DatasetError, load_rgb, scan_split
from training.engine import build_model, evaluate
from training.presets import ClassificationPresetEval
from training.synth_data import run_data_root
from training.utils import BEST_NAME, LOG_NAME, load_checkpoint, read_log

# camera views per real photo behind a card's `real_views` (steady to about 0.3 photo of 15;
# docs/training.md, "Camera views")
CARD_VIEWS = 48
REAL_ABSENT = ("real shadow photos not found (set OMBRO_REAL_SHADOWS or provide ../shared/"
               "real-shadows); no real-photo score")


def photos_folder(folder: Path | None, option: str = "--data") -> Path:
    """`folder`, or the real photos when it is None; a clear error naming `option` when neither
    is there (every CLI that scores photos defaults to the real ones)."""
    folder = folder or real_shadows_dir()
    if folder is None:
        raise DatasetError(f"{REAL_ABSENT}; pass {option} DIR")
    return Path(folder)


def classification_metrics(targets: np.ndarray, preds: np.ndarray) -> dict:
    """top-1, macro F1, per-class precision/recall/F1/support and the confusion matrix."""
    labels = list(range(NUM_CLASSES))
    p, r, f, s = precision_recall_fscore_support(targets, preds, labels=labels, zero_division=0)
    cm = confusion_matrix(targets, preds, labels=labels)
    present = s > 0
    return {
        "top1": float((targets == preds).mean()) if len(targets) else 0.0,
        "n": len(targets),
        "macro_f1": float(f[present].mean()) if present.any() else 0.0,
        "per_class": {PUPPETS[i]: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                                   "f1": round(float(f[i]), 4), "support": int(s[i])} for i in labels},
        "confusion": cm.tolist(),
    }


def probability_metrics(targets: np.ndarray, probs: np.ndarray) -> dict:
    """What 15 right/wrong answers hide: top-3, the mean probability given to the true puppet
    (how close the misses were) and balanced accuracy (mean recall over the classes present)."""
    if not len(targets):
        return {"top3": 0.0, "mean_true_prob": 0.0, "balanced_accuracy": 0.0}
    top3 = np.argsort(-probs, axis=1)[:, :3]
    recalls = [float((probs[targets == c].argmax(1) == c).mean()) for c in np.unique(targets)]
    return {
        "top3": float((top3 == targets[:, None]).any(1).mean()),
        "mean_true_prob": float(probs[np.arange(len(targets)), targets].mean()),
        "balanced_accuracy": float(np.mean(recalls)),
    }


def labelled_images(folder: Path) -> list[tuple[Path, int]]:
    """(path, label) from class sub-folders or from flat `<puppet>.<ext>` files."""
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder")
    if any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir()):
        scan = scan_split(folder, progress=False, max_bad_fraction=1.0)
        return scan.samples
    items = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in IMAGE_SUFFIXES:
            items.append((p, puppet_index(p.stem.split("_")[0].lower())))
    if not items:
        raise DatasetError(f"{folder} has no class folders and no <puppet>.png files")
    return items


def plot_confusion(cm: np.ndarray | list, path: Path, title: str) -> Path:
    cm = np.asarray(cm)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(NUM_CLASSES), PUPPETS, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(NUM_CLASSES), PUPPETS, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):
            if cm[i, j]:
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of true class")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_curves(log_path: Path, path: Path) -> Path | None:
    rows = read_log(log_path)
    if not rows:
        return None
    ep = [int(r["epoch"]) for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    a.plot(ep, [float(r["train_loss"]) for r in rows], label="train")
    a.plot(ep, [float(r["val_loss"]) for r in rows], label="val")
    a.set_xlabel("epoch")
    a.set_ylabel("loss")
    a.legend()
    b.plot(ep, [float(r["train_acc"]) for r in rows], label="train")
    b.plot(ep, [float(r["val_acc"]) for r in rows], label="val")
    b.set_xlabel("epoch")
    b.set_ylabel("top-1")
    b.set_ylim(0, 1)
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def load_run_model(run_or_ckpt: Path, device: torch.device):
    """(model, checkpoint dict) from a run folder's model_best.pth or a checkpoint file."""
    path = run_or_ckpt / BEST_NAME if run_or_ckpt.is_dir() else run_or_ckpt
    if not path.is_file():
        raise DatasetError(f"{path} not found: train first (training/train.py --out {run_or_ckpt})")
    ckpt = load_checkpoint(path)
    if tuple(ckpt["classes"]) != PUPPETS:
        raise OmbroError(f"{path} was trained on classes {ckpt['classes']}, not the contract's")
    return model_from_checkpoint(ckpt, device), ckpt


def model_from_checkpoint(ckpt: dict, device: torch.device) -> torch.nn.Module:
    """The checkpoint's network in eval mode, built with the options its run trained with."""
    model = build_model(ckpt["arch"], antialias=(ckpt.get("config") or {}).get("antialias", 0))
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval()


@torch.inference_mode()
def torch_probs(model, images: list[np.ndarray], spec: PreprocessSpec, device, batch: int = 32) -> np.ndarray:
    preset = ClassificationPresetEval(spec)
    out = []
    for i in range(0, len(images), batch):
        x = torch.stack([preset(im) for im in images[i:i + batch]]).to(device)
        out.append(model(x).float().softmax(1).cpu().numpy())
    return np.concatenate(out)


def predict_items(predict, items: list[tuple[Path, int]], batch: int = 32) -> np.ndarray:
    """(N, classes) probabilities of a predict(list of RGB images) -> probs function."""
    return np.concatenate([predict([load_rgb(p) for p, _ in items[i:i + batch]])
                           for i in range(0, len(items), batch)])


def predict_images(predict, images: Iterable[np.ndarray], batch: int = 32) -> np.ndarray:
    """`predict_items` for images made on the fly (camera views of a photo, say): taken `batch`
    at a time, so a large folder under many views never sits in memory at once."""
    images, out = iter(images), []
    while chunk := list(islice(images, batch)):
        out.append(predict(chunk))
    return np.concatenate(out)


def view_images(items: list[tuple[Path, int]], views: int, seed: int = 0,
                ranges: ViewRanges | None = None) -> Iterator[np.ndarray]:
    """Every photo's `views` camera views in order, the photo itself first
    (`training/camera_views.py`); the same pixels each time it is called."""
    for key, (path, _) in enumerate(items):
        yield from camera_views(load_rgb(path), views, seed=seed, key=key, ranges=ranges or ViewRanges())


def repeat_items(items: list[tuple[Path, int]], views: int) -> list[tuple[Path, int]]:
    """The items lined up with `view_images`, so `metrics_from_probs` counts every view."""
    return [item for item in items for _ in range(views)]


def evaluate_onnx_views(onnx_path: Path, folder: Path, views: int = CARD_VIEWS, seed: int = 0) -> dict:
    """Rates over camera views of a folder's photos, as a card records them (`real_views`): how
    firmly a model holds each photo, where the photos' own pixels give one right/wrong answer each."""
    items = labelled_images(folder)
    m = metrics_from_probs(repeat_items(items, views),
                           predict_images(onnx_predict(onnx_path), view_images(items, views, seed)))
    return {"views": views, "view_seed": seed, "n": m["n"],
            **{k: round(m[k], 4) for k in ("top1", "top3", "mean_true_prob", "balanced_accuracy")}}


def evaluate_items(predict, items: list[tuple[Path, int]], batch: int = 32) -> dict:
    """Metrics for a predict(list of RGB images) -> probs function, plus each file's verdict."""
    return metrics_from_probs(items, predict_items(predict, items, batch))


def metrics_from_probs(items: list[tuple[Path, int]], probs: np.ndarray) -> dict:
    """Metrics and each file's verdict for probabilities already computed (one row per item)."""
    targets = np.array([t for _, t in items])
    preds = probs.argmax(1)
    m = classification_metrics(targets, preds)
    m.update(probability_metrics(targets, probs))
    m["files"] = [{"file": p.name, "true": PUPPETS[t], "pred": PUPPETS[int(k)],
                   "prob": round(float(pr[k]), 4), "true_prob": round(float(pr[t]), 4),
                   "top3": [PUPPETS[int(j)] for j in np.argsort(-pr)[:3]]}
                  for (p, t), k, pr in zip(items, preds, probs)]
    return m


def with_flip(predict):
    """Flip test-time averaging: the mean of the probabilities for the image and its mirror
    image (a left-handed performer's puppet), for a PyTorch checkpoint. Exported models flip
    inside `PuppetClassifier(flip=True)`, as the server does (`onnx_predict`)."""
    return lambda ims: (predict(ims) + predict([im[:, ::-1].copy() for im in ims])) / 2


def onnx_predict(onnx_path: Path, threads: int = 2, flip: bool = False):
    """predict(list of RGB images) -> probs for an exported model, run as the app/server run it
    (`flip`: as the server runs it with OMBRO_SCORE_FLIP=true)."""
    from ombro_contract.classifier import PuppetClassifier

    clf = PuppetClassifier.from_path(onnx_path, threads=threads, flip=flip)

    def predict(rgbs):  # the wrapper takes camera-style BGR frames
        return np.stack([p.probs for p in clf.classify_batch([im[:, :, ::-1] for im in rgbs])])

    return predict


def evaluate_onnx(onnx_path: Path, folder: Path, threads: int = 2, flip: bool = False) -> dict:
    """Score an exported model on a folder exactly as the app/server would run it."""
    return evaluate_items(onnx_predict(onnx_path, threads, flip=flip), labelled_images(folder))


def evaluate_real_torch(model, spec: PreprocessSpec, device) -> dict | None:
    folder = real_shadows_dir()
    if folder is None:
        return None
    return evaluate_items(lambda ims: torch_probs(model, ims, spec, device), labelled_images(folder))


def summary(m: dict) -> str:
    extra = (f", top-3 {m['top3']:.4f}, mean p(true) {m['mean_true_prob']:.3f}"
             if "top3" in m else "")
    return f"top-1 {m['top1']:.4f}{extra} on {m['n']} images (macro F1 {m['macro_f1']:.3f})"


def write_run_report(run_dir: Path, device: torch.device, workers: int = 2, gradcam_per_class: int = 2,
                     progress: bool = True) -> dict:
    """metrics.json, confusion_matrix.png, curves.png, gradcam/ and real-photo results for a run."""
    from training.data import PuppetImages
    from training.gradcam import write_gradcam_grid

    model, ckpt = load_run_model(run_dir, device)
    spec = PreprocessSpec.model_validate(ckpt["spec"])
    scan = scan_split(run_data_root(ckpt["data_root"], workers) / "val", progress=False, max_bad_fraction=1.0)
    loader = torch.utils.data.DataLoader(PuppetImages(scan, ClassificationPresetEval(spec)),
                                         batch_size=64, num_workers=workers)
    res = evaluate(model, loader, device, progress=progress, desc="report")
    report = {"arch": ckpt["arch"], "epoch": ckpt["epoch"], "dataset": ckpt["dataset"],
              "preprocess": ckpt["spec"], "val": classification_metrics(res.targets, res.preds)}
    plot_confusion(report["val"]["confusion"], run_dir / "confusion_matrix.png",
                   f"{ckpt['arch']} val ({ckpt['dataset']}): top-1 {report['val']['top1']:.3f}")
    plot_curves(run_dir / LOG_NAME, run_dir / "curves.png")
    real = evaluate_real_torch(model, spec, device)
    report["real"] = real if real is not None else {"absent": REAL_ABSENT}
    if real is not None:
        plot_confusion(real["confusion"], run_dir / "confusion_real.png",
                       f"{ckpt['arch']} on real shadow photos: top-1 {real['top1']:.3f}")
    if gradcam_per_class > 0:
        ds = PuppetImages(scan, ClassificationPresetEval(spec))
        by_class: dict[int, list[np.ndarray]] = {}
        for i, (_, label) in enumerate(scan.samples):
            if len(by_class.setdefault(label, [])) < gradcam_per_class:
                by_class[label].append(ds.image(i))
        write_gradcam_grid(model, ckpt["arch"], by_class, spec, device, run_dir / "gradcam")
    (run_dir / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"val: {summary(report['val'])}")
    print(f"real photos: {summary(real)}" if real is not None else REAL_ABSENT)
    print(f"report written to {run_dir}")
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", type=Path, help="run folder, .pth checkpoint or .onnx model")
    p.add_argument("--data", type=Path, default=None,
                   help="folder to score (default: the real photos, or the run's val split)")
    p.add_argument("--out", type=Path, default=None, help="write metrics.json and the confusion matrix here")
    p.add_argument("--device", default="cpu")
    p.add_argument("--flip-tta", action="store_true",
                   help="average each image's probabilities with its mirror image's")
    args = p.parse_args(argv)
    try:
        if args.model.suffix == ".onnx":
            folder = photos_folder(args.data)
            m = evaluate_onnx(args.model, folder, flip=args.flip_tta)
        elif args.data is None and args.model.is_dir():
            write_run_report(args.model, torch.device(args.device), gradcam_per_class=0)
            return 0
        else:
            folder = photos_folder(args.data)
            model, ckpt = load_run_model(args.model, torch.device(args.device))
            spec = PreprocessSpec.model_validate(ckpt["spec"])
            predict = lambda ims: torch_probs(model, ims, spec, args.device)
            m = evaluate_items(with_flip(predict) if args.flip_tta else predict,
                               labelled_images(folder))
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.model.name} on {folder}: {summary(m)}")
    for cls, v in m["per_class"].items():
        if v["support"]:
            print(f"  {cls:9s} P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} (n={v['support']})")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "metrics.json").write_text(json.dumps(m, indent=2) + "\n")
        plot_confusion(m["confusion"], args.out / "confusion_matrix.png", f"{args.model.name}: {summary(m)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
