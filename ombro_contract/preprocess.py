"""The one inference-time preprocessing, shared by the app and the server.

Its torchvision twin is `training.presets.ClassificationPresetEval`; a parity test holds the two to
1e-5. Every step is chosen so that both sides compute the same numbers: an integer luma formula,
bilinear resizing on float32 without antialiasing, a strict threshold, a min filter for the 3x3
dilation of the shadow. The spec travels inside each model card, so a model trained on silhouettes
is always fed silhouettes, whatever the code default is at the time.

Silhouette mode follows the HaSPeR authors (grayscale, 320x240, threshold, 3x3 dilation):
wall texture, light colour and shadow opacity stop mattering, which is most of the gap between
generated and real shadows. Unlike HaSPeR's fixed level, the default divides out the light on the
wall and ignores the unlit room around a spotlight first (`ombro_contract.lighting`), because a
dark room is not a shadow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ImageDecodeError
from .lighting import gray_histogram, otsu_threshold, shadow_mask

__all__ = [
    "DEFAULT_SPEC", "IMAGENET_MEAN", "IMAGENET_STD", "LUMA_WEIGHTS_BGR", "PreprocessSpec",
    "bilinear_taps", "decode_image", "gray_histogram", "load_image", "luma", "otsu_threshold",
    "preprocess", "preprocess_batch", "silhouette", "silhouette_image", "silhouette_input",
    "to_bgr",
]

# OpenCV's IPP resize rounds its coordinates differently from OpenCV's own code, and only the latter
# has a torch twin (see `bilinear_taps`). Without IPP both sides agree to float rounding, and on
# these sizes it is no slower. It is a process-wide switch, so it is set once, here, on import.
cv2.ipp.setUseIPP(False)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# BT.601 luma weights (cv2's Q14 values / 2**14; they sum to exactly 1). Applied as three float32
# multiply-adds in a fixed order so numpy and torch round identically.
LUMA_WEIGHTS_BGR = (1868 / 16384, 9617 / 16384, 4899 / 16384)


class PreprocessSpec(BaseModel):
    """Everything that decides what the network sees; stored in every model card."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_size: int = Field(224, ge=16, le=1024, description="square network input, pixels")
    mode: Literal["silhouette", "rgb"] = "silhouette"
    silhouette_size: tuple[int, int] = Field((320, 240), description="(width, height) of the mask")
    # HaSPeR used a fixed 90; Otsu's per-frame level transferred better from generated to real
    # shadows (docs/training.md: 33 % vs 27 % real top-1 in equal short runs) and keeps the faint
    # shadows of near or large lights that a fixed level loses.
    threshold: int | Literal["otsu"] = Field("otsu", description="gray level (darker is shadow) or 'otsu'")
    # "even": one threshold over the frame (cards written before lighting existed mean this).
    # "normalised": divide out the light on the wall and ignore the unlit room around a spot
    # (mean IoU with the true shadow on generated spotlight scenes: benchmarks/bench_silhouette).
    lighting: Literal["even", "normalised"] = Field(
        "even", description="'even' wall or 'normalised' by the estimated light (spotlights)")
    dilate: int = Field(3, ge=0, le=15, description="square kernel that grows the shadow; 0: off")
    # "frame": the whole frame goes to the network (cards written before framing existed).
    # "shadow": a square around the shadow, so the puppet fills the input whatever its size and
    # place in the frame, and thin ears and antlers keep more pixels.
    framing: Literal["frame", "shadow"] = Field(
        "frame", description="network input: the whole 'frame', or a square around the 'shadow'")
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD

    @field_validator("threshold")
    @classmethod
    def _threshold_in_range(cls, v):
        if isinstance(v, int) and not 0 <= v <= 255:
            raise ValueError("threshold must be within 0..255 or 'otsu'")
        return v

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (3, self.input_size, self.input_size)


# What new models are trained with. The field defaults above stay what old cards meant.
DEFAULT_SPEC = PreprocessSpec(lighting="normalised")


def bilinear_taps(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of cv2's INTER_LINEAR along one axis (i0, i1, w0, w1).

    cv2 computes each source coordinate in double and rounds it to float32; torch computes it in
    float32 and lands up to 3e-5 away. The torch twin uses these taps to reproduce cv2 exactly.
    """
    scale = 1.0 / (dst / src)
    fx = ((np.arange(dst) + 0.5) * scale - 0.5).astype(np.float32)
    i0 = np.floor(fx)
    fx = (fx - i0).astype(np.float32)
    i0 = i0.astype(np.int64)
    before, after = i0 < 0, i0 >= src - 1
    fx[before | after] = 0.0
    i0[before] = 0
    i0[after] = src - 1
    i1 = np.minimum(i0 + 1, src - 1)
    return i0, i1, (np.float32(1.0) - fx).astype(np.float32), fx


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Any camera or file layout (gray, BGR, BGRA; 8 or 16 bit) as 3-channel uint8 BGR."""
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise ImageDecodeError("expected a non-empty image array")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ImageDecodeError(f"expected uint8 or uint16 pixels, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    raise ImageDecodeError(f"unsupported image shape {image.shape}: expected HxW, HxWx3 or HxWx4")


def decode_image(data: bytes) -> np.ndarray:
    """Encoded bytes (JPEG, PNG, WebP, BMP...) to BGR uint8, honouring EXIF orientation."""
    if not data:
        raise ImageDecodeError("empty image data: send a JPEG or PNG file")
    buf = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise ImageDecodeError(
            "could not decode the image: the file is corrupt, truncated or not an image "
            "(JPEG, PNG, WebP and BMP are supported)"
        )
    return image


def load_image(path: str | Path) -> np.ndarray:
    """A file on disk as BGR uint8, with an error that names the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageDecodeError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageDecodeError(f"{path}: {exc}") from None


def luma(bgr_float: np.ndarray) -> np.ndarray:
    """float32 gray from float32 BGR (H, W, 3), rounding exactly like the torch twin."""
    wb, wg, wr = (np.float32(w) for w in LUMA_WEIGHTS_BGR)
    return bgr_float[..., 0] * wb + bgr_float[..., 1] * wg + bgr_float[..., 2] * wr


def silhouette(image: np.ndarray, spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    """Binary mask at `silhouette_size` as float32: 0.0 shadow, 1.0 wall.

    Resizing before the luma step is the same maths as after (both are linear) and is cheaper on
    large camera frames.
    """
    bgr = to_bgr(image).astype(np.float32)
    # A frame already at mask size (the app asks the camera for it) skips the resize: cv2 would
    # only copy it.
    small = bgr if bgr.shape[1::-1] == tuple(spec.silhouette_size) else cv2.resize(
        bgr, spec.silhouette_size, interpolation=cv2.INTER_LINEAR)
    mask = (~shadow_mask(luma(small), spec.threshold, spec.lighting)).astype(np.float32)
    if spec.dilate > 1:
        # Grow the shadow (a min filter on the wall-is-1 mask) so thin fingers and soft edges
        # survive the threshold; the border is ignored, like the torch twin's padding.
        kernel = np.ones((spec.dilate, spec.dilate), np.uint8)
        mask = cv2.erode(mask, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=1.0)
    return mask


def silhouette_image(image: np.ndarray, spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    """The mask as a uint8 picture (0 shadow, 255 wall), for previews and lessons."""
    return (silhouette(image, spec) * 255).astype(np.uint8)


def _normalise(chw: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    mean = np.asarray(spec.mean, np.float32).reshape(3, 1, 1)
    std = np.asarray(spec.std, np.float32).reshape(3, 1, 1)
    return np.ascontiguousarray((chw - mean) / std, dtype=np.float32)


SHADOW_MARGIN = 0.12  # of the shadow's box on each side, so outlines never touch the border
MIN_SHADOW_BOX = 0.4  # of the frame height: a speck is not magnified to fill the input


def shadow_box(mask: np.ndarray) -> tuple[int, int, int] | None:
    """(x0, y0, side) of the square the network sees with `framing="shadow"`, or None for the
    whole frame (no shadow to speak of). Shared by both pipelines, so they crop alike.

    The box spans the shadow's middle 99 % along each axis (a speck in a corner does not
    stretch it), grows by a margin, and is centred on the shadow; it may reach past the frame,
    where the crop is wall.
    """
    h, w = mask.shape
    shadow = mask < 0.5
    cols = np.cumsum(shadow.sum(axis=0, dtype=np.int64))
    total = int(cols[-1])
    if total < 0.002 * h * w:
        return None
    rows = np.cumsum(shadow.sum(axis=1, dtype=np.int64))
    lo, hi = 0.005 * total, 0.995 * total
    x0, x1 = int(np.searchsorted(cols, lo)), int(np.searchsorted(cols, hi))
    y0, y1 = int(np.searchsorted(rows, lo)), int(np.searchsorted(rows, hi))
    side = max(x1 - x0 + 1, y1 - y0 + 1, MIN_SHADOW_BOX * h / (1 + 2 * SHADOW_MARGIN))
    side = round(side * (1 + 2 * SHADOW_MARGIN))
    return (x0 + x1 + 1 - side) // 2, (y0 + y1 + 1 - side) // 2, side


def frame_on_shadow(mask: np.ndarray) -> np.ndarray:
    """The square of `shadow_box` cut from the silhouette (wall where it reaches past it)."""
    box = shadow_box(mask)
    if box is None:
        return mask
    x0, y0, side = box
    # Wall, with the part of the frame the square covers copied in: padding the whole frame by
    # `side` first gave the same pixels at twice the cost per camera frame.
    h, w = mask.shape
    out = np.ones((side, side), mask.dtype)
    fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if fx1 > fx0 and fy1 > fy0:
        out[fy0 - y0: fy1 - y0, fx0 - x0: fx1 - x0] = mask[fy0:fy1, fx0:fx1]
    return out


def silhouette_input(mask: np.ndarray, spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    """The network input from a silhouette (`silhouette(frame, spec)`): framed, resized, three
    channels, normalised. The app computes the silhouette once per frame for both the model and
    its shape feedback, so this is the tail of `preprocess`, not a copy of it."""
    size = (spec.input_size, spec.input_size)
    if spec.framing == "shadow":
        mask = frame_on_shadow(mask)
    plane = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
    return _normalise(np.broadcast_to(plane, (3, *plane.shape)), spec)


def preprocess(image: np.ndarray, spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    """One frame (any layout) to the network input: float32 (3, S, S), normalised."""
    if spec.mode == "silhouette":
        return silhouette_input(silhouette(image, spec), spec)
    size = (spec.input_size, spec.input_size)
    rgb = cv2.cvtColor(to_bgr(image), cv2.COLOR_BGR2RGB).astype(np.float32) * (1.0 / 255.0)
    return _normalise(cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1),
                      spec)


def preprocess_batch(images: Sequence[np.ndarray], spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    if len(images) == 0:
        raise ValueError("preprocess_batch needs at least one image")
    return np.stack([preprocess(im, spec) for im in images])
