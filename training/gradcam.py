"""Grad-CAM overlays: where in the shadow the network looked, as in the HaSPeR paper.

A model can score well on generated data by reading some artefact of the generator (a corner, an
edge of the light cone) instead of the hand; a few heat maps per class show that at a glance.
Uses the `grad-cam` package (pytorch_grad_cam) rather than hand-written hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.image import show_cam_on_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec
from training.presets import ClassificationPresetEval


def target_layer(model: torch.nn.Module, arch: str) -> torch.nn.Module:
    """The last convolutional block: coarse but class-specific, the usual Grad-CAM choice."""
    if arch == "mobilenet_v2":
        return model.features[-1]
    if arch == "resnet34":
        return model.layer4[-1]
    raise ValueError(f"no Grad-CAM layer known for {arch!r}")


def gradcam_overlays(model: torch.nn.Module, arch: str, images: Sequence[np.ndarray],
                     spec: PreprocessSpec, device: torch.device) -> list[tuple[np.ndarray, int, float]]:
    """For each HWC RGB uint8 image: (overlay RGB uint8 at input size, predicted index, prob).

    The heat map is explained for the predicted class and laid over the photo resized the same
    way as the silhouette, so the two line up pixel for pixel.
    """
    model.eval()
    preset = ClassificationPresetEval(spec)
    batch = torch.stack([preset(im) for im in images]).to(device)
    with torch.no_grad():
        probs = model(batch).float().softmax(1).cpu().numpy()
    preds = probs.argmax(1)
    with GradCAM(model=model, target_layers=[target_layer(model, arch)]) as cam:
        heat = cam(input_tensor=batch, targets=[ClassifierOutputTarget(int(p)) for p in preds])
    size = (spec.input_size, spec.input_size)
    out = []
    for im, h, p, pr in zip(images, heat, preds, probs):
        base = cv2.resize(im, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        out.append((show_cam_on_image(base, h, use_rgb=True), int(p), float(pr[p])))
    return out


def write_gradcam_grid(model: torch.nn.Module, arch: str, by_class: dict[int, list[np.ndarray]],
                       spec: PreprocessSpec, device: torch.device, out_dir: Path) -> Path:
    """gradcam/<puppet>_<i>.png for each image plus one grid (rows: classes) gradcam.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [c for c in sorted(by_class) if by_class[c]]
    cols = max((len(by_class[c]) for c in rows), default=0)
    if not rows or cols == 0:
        raise ValueError("no images to explain")
    fig, axes = plt.subplots(len(rows), cols, figsize=(2.0 * cols, 2.1 * len(rows)), squeeze=False)
    for r, cls in enumerate(rows):
        results = gradcam_overlays(model, arch, by_class[cls], spec, device)
        for c in range(cols):
            ax = axes[r][c]
            ax.axis("off")
            if c >= len(results):
                continue
            overlay, pred, prob = results[c]
            cv2.imwrite(str(out_dir / f"{PUPPETS[cls]}_{c}.png"), cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
            ax.imshow(overlay)
            ok = pred == cls
            ax.set_title(f"{PUPPETS[cls]} -> {PUPPETS[pred]} {prob:.2f}", fontsize=7,
                         color="green" if ok else "red")
    fig.suptitle("Grad-CAM (true -> predicted, prob)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (2.1 * len(rows))))  # room for the title
    grid = out_dir.parent / "gradcam.png"
    fig.savefig(grid, dpi=90)
    plt.close(fig)
    return grid
