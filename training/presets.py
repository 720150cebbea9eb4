"""Train and eval transforms, as in torchvision's references/classification.

`ClassificationPresetEval` is the training-side twin of `ombro_contract.preprocess.preprocess`:
it runs on torch tensors (batched, on any device) and is held to the numpy version within 1e-5 by
`tests/contract/test_preprocess_parity.py`. Train-time augmentation happens on the image *before*
these steps, so the network only ever sees what inference will give it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from ombro_contract.lighting import shadow_mask
from ombro_contract.preprocess import (
    DEFAULT_SPEC,
    LUMA_WEIGHTS_BGR,
    PreprocessSpec,
    bilinear_taps,
    otsu_threshold,
    shadow_box,
)


def to_rgb_uint8(img: Image.Image | torch.Tensor | np.ndarray) -> torch.Tensor:
    """(3, H, W) uint8 RGB from a PIL image, a CHW tensor (1, 3 or 4 channels, RGB order) or an HWC
    RGB array; alpha is dropped and gray replicated, as `ombro_contract.preprocess.to_bgr` does."""
    if isinstance(img, Image.Image):
        img = TF.pil_to_tensor(img.convert("RGB") if img.mode not in ("RGB", "L", "RGBA") else img)
    elif isinstance(img, np.ndarray):
        img = torch.from_numpy(np.ascontiguousarray(img if img.ndim == 3 else img[:, :, None])).permute(2, 0, 1)
    if img.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels, got {img.dtype}")
    channels = img.shape[0]
    if channels == 1:
        return img.expand(3, -1, -1)
    if channels == 4:
        return img[:3]
    if channels == 3:
        return img
    raise ValueError(f"unsupported channel count {channels}")


def resize_bilinear(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear resize of (..., H, W) float tensors, separable, with cv2's exact taps.

    `F.interpolate` places its samples up to 3e-5 pixels away from cv2's, enough to break the
    1e-5 parity with inference, so the taps come from `ombro_contract.preprocess.bilinear_taps`.
    """
    h, w = x.shape[-2:]
    if (h, w) == (height, width):
        return x
    i0, i1, w0, w1 = (torch.from_numpy(a).to(x.device) for a in bilinear_taps(w, width))
    x = x[..., i0] * w0 + x[..., i1] * w1
    j0, j1, v0, v1 = (torch.from_numpy(a).to(x.device) for a in bilinear_taps(h, height))
    return x[..., j0, :] * v0[:, None] + x[..., j1, :] * v1[:, None]


def silhouette_tensor(rgb: torch.Tensor, spec: PreprocessSpec) -> torch.Tensor:
    """(1, h, w) float mask, 0 shadow / 1 wall, from (3, H, W) uint8 RGB."""
    w, h = spec.silhouette_size
    small = resize_bilinear(rgb.float(), h, w)
    wb, wg, wr = (torch.tensor(v, dtype=torch.float32, device=rgb.device) for v in LUMA_WEIGHTS_BGR)
    gray = small[2] * wb + small[1] * wg + small[0] * wr  # same order of roundings as numpy
    if spec.lighting == "normalised":
        # The lighting analysis is control flow on an 80x60 image (components, hulls, a fitted
        # spotlight ellipse): it has no tensor form worth writing twice, and sharing the one
        # implementation removes a whole class of train/serve skew. Only the mask comes back.
        shadow = shadow_mask(gray.cpu().numpy(), spec.threshold, spec.lighting)
        mask = torch.from_numpy(~shadow).to(gray.device).float()[None]
    else:
        if spec.threshold == "otsu":
            levels = torch.round(gray).clamp(0, 255).to(torch.int64)
            t = otsu_threshold(torch.bincount(levels.flatten(), minlength=256).cpu().numpy())
        else:
            t = spec.threshold
        mask = (gray > t + 0.5).float()[None]
    if spec.dilate > 1:
        mask = -F.max_pool2d(-mask[None], spec.dilate, stride=1, padding=spec.dilate // 2)[0]
    return mask


class ClassificationPresetEval:
    """The network input for one image: (3, S, S) float32, normalised. What inference must match."""

    def __init__(self, spec: PreprocessSpec = DEFAULT_SPEC):
        self.spec = spec

    def __call__(self, img) -> torch.Tensor:
        return self.finish(self.silhouette(img))

    def silhouette(self, img) -> torch.Tensor:
        """(1, h, w) wall-is-1 mask in silhouette mode; (3, H, W) RGB in 0..1 in rgb mode."""
        rgb = to_rgb_uint8(img)
        if self.spec.mode == "silhouette":
            return silhouette_tensor(rgb, self.spec)
        return rgb.float() * (1.0 / 255.0)

    def finish(self, x: torch.Tensor) -> torch.Tensor:
        """Frame, resize to the input size and normalise: the network input."""
        spec = self.spec
        if spec.framing == "shadow" and x.shape[0] == 1:
            box = shadow_box(x[0].cpu().numpy())
            if box is not None:
                x0, y0, side = box
                x = F.pad(x, (side, side, side, side), value=1.0)
                x = x[:, y0 + side: y0 + 2 * side, x0 + side: x0 + 2 * side]
        x = resize_bilinear(x, spec.input_size, spec.input_size)
        if x.shape[0] == 1:
            x = x.expand(3, -1, -1)
        return TF.normalize(x, list(spec.mean), list(spec.std))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


class ClassificationPresetTrain:
    """Shadow-on-a-wall augmentation of the raw image, the eval preset's silhouette step, an
    augmentation of the silhouette's outline, then the eval preset's resize and normalisation.

    Reusing `ClassificationPresetEval` for every fixed step means the silhouette threshold,
    resizing and normalisation can never drift between training and inference. Takes the same
    inputs as the eval preset (HWC RGB uint8 arrays; the augmentation is channel-order agnostic).
    `silhouette_augment=False` (or None in rgb mode) skips the outline step.
    """

    def __init__(self, spec: PreprocessSpec = DEFAULT_SPEC, augment=None, silhouette_augment=None):
        from training.transforms import ShadowAugment, SilhouetteAugment

        self.augment = augment if augment is not None else ShadowAugment()
        if silhouette_augment is None and spec.mode == "silhouette":
            silhouette_augment = SilhouetteAugment()
        self.silhouette_augment = silhouette_augment or None
        self.eval = ClassificationPresetEval(spec)
        self.spec = spec

    def __call__(self, img: np.ndarray) -> torch.Tensor:
        x = self.eval.silhouette(self.augment(np.asarray(img)))
        if self.silhouette_augment is not None and self.spec.mode == "silhouette":
            x = torch.from_numpy(self.silhouette_augment(x[0].numpy()))[None]
        return self.eval.finish(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.augment!r}, {self.silhouette_augment!r}, {self.spec!r})"
