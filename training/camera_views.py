"""The same photo as another phone, hand or exposure would have taken it: seeded camera views.

Why: 15 real photos give 15 right/wrong answers, and a photo whose true puppet sits at 0.27
against 0.28 flips with a retrain, a re-quantisation or a student's phone held two degrees
differently. Scoring each photo under a few small, plausible changes of camera (framing, tilt,
perspective, exposure, white balance, focus, sensor noise, JPEG) turns each answer into a rate:
"the cow is in the top 3 in 9 of 12 views" says more than "the cow is 4th". It adds no scenes
and no performers, so it measures how firmly a model holds these 15 shadows, not how it does on
new ones (the held-out set judges that).

Every view is drawn from `numpy.random.default_rng([seed, key, view])`, so two models compared
on `(seed, key)` see the very same pixels, and view 0 is the photo itself.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import cv2
import numpy as np


@dataclass(frozen=True)
class ViewRanges:
    """How far a view may stray from the photo; each value is drawn uniformly in its range.

    The ranges are those of a phone held by hand at a wall a metre or two away: a few degrees of
    tilt, a little closer or further, the wall not quite square to the lens, auto-exposure and
    white balance that drift, a soft focus, a cheap sensor's noise and its JPEG.
    """

    zoom: tuple[float, float] = (0.88, 1.12)
    shift: float = 0.05            # of the frame's width / height
    rotate_deg: float = 8.0
    perspective: float = 0.03      # corner displacement, of the frame's size
    gain: tuple[float, float] = (0.75, 1.25)
    gamma: tuple[float, float] = (0.8, 1.25)
    white_balance: float = 0.08    # per-channel gain 1 +- this
    blur_sigma: tuple[float, float] = (0.0, 1.5)   # pixels at 640 px wide
    noise_sigma: tuple[float, float] = (0.0, 4.0)  # gray levels
    jpeg_quality: tuple[int, int] | None = (60, 95)  # None: no JPEG round trip

    def only(self, *families: str) -> ViewRanges:
        """These ranges with every family but `families` held at "no change" (FAMILIES names
        them). The random draws stay the same, so view v of `only("geometry")` has exactly view
        v's framing and tilt with the photo's own light: an ablation compares the same views."""
        unknown = sorted(set(families) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown view families {unknown}; choose from {', '.join(FAMILIES)}")
        keep = {name for family in families for name in FAMILIES[family]}
        identity = {f.name: NO_CHANGE[f.name] for f in fields(self) if f.name not in keep}
        return replace(self, **identity)


# What each family of a camera view changes, and each field's "no change" value.
FAMILIES: dict[str, tuple[str, ...]] = {
    "geometry": ("zoom", "shift", "rotate_deg", "perspective"),
    "light": ("gain", "gamma", "white_balance"),
    "blur": ("blur_sigma",),
    "noise": ("noise_sigma",),
    "jpeg": ("jpeg_quality",),
}
NO_CHANGE: dict[str, object] = {
    "zoom": (1.0, 1.0), "shift": 0.0, "rotate_deg": 0.0, "perspective": 0.0, "gain": (1.0, 1.0),
    "gamma": (1.0, 1.0), "white_balance": 0.0, "blur_sigma": (0.0, 0.0), "noise_sigma": (0.0, 0.0),
    "jpeg_quality": None,
}


def camera_view(image: np.ndarray, rng: np.random.Generator, ranges: ViewRanges = ViewRanges()) -> np.ndarray:
    """One view of an 8-bit HxWx3 image (channel order kept). The borders a tilt or zoom-out
    uncovers continue the photo's edge pixels outward: an arm that leaves the frame goes on
    leaving it, a dark room stays dark. Black wedges would read as shadow, and a mirrored border
    would grow a second arm; either would test the border, not the model."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"camera_view needs an 8-bit HxWx3 image, got {image.dtype} {image.shape}")
    h, w = image.shape[:2]
    u = rng.uniform
    # geometry: rotate and zoom about a shifted centre, then move each corner a little
    centre = (w / 2 + u(-1, 1) * ranges.shift * w, h / 2 + u(-1, 1) * ranges.shift * h)
    affine = cv2.getRotationMatrix2D(centre, u(-1, 1) * ranges.rotate_deg, u(*ranges.zoom))
    affine[:, 2] += (w / 2 - centre[0], h / 2 - centre[1])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = cv2.transform(src[None], affine)[0] + rng.uniform(-1, 1, (4, 2)) * ranges.perspective * np.float32([w, h])
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # light and colour: white balance, exposure gain, then the camera's tone curve
    x = out.astype(np.float32) / 255.0
    x *= 1.0 + rng.uniform(-1, 1, 3).astype(np.float32) * ranges.white_balance
    x = np.clip(x * u(*ranges.gain), 0.0, 1.0) ** u(*ranges.gamma)
    sigma = u(*ranges.blur_sigma) * w / 640
    if sigma > 0.3:
        x = cv2.GaussianBlur(x, (0, 0), sigma)
    x = x * 255.0 + rng.normal(0.0, u(*ranges.noise_sigma), x.shape).astype(np.float32)
    out = np.clip(x + 0.5, 0, 255).astype(np.uint8)
    if ranges.jpeg_quality is None:  # the last draw: skipping it moves no other
        return out
    quality = int(rng.integers(ranges.jpeg_quality[0], ranges.jpeg_quality[1] + 1))
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit 3-channel image
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)


def camera_views(image: np.ndarray, n: int, seed: int = 0, key: int = 0,
                 ranges: ViewRanges = ViewRanges()) -> list[np.ndarray]:
    """`n` views of `image`: the image itself first, then `n - 1` drawn views. `key` tells the
    photos of one folder apart (its index), so each photo gets its own views."""
    if n < 1:
        raise ValueError(f"need at least one view, got {n}")
    return [image] + [camera_view(image, np.random.default_rng([seed, key, v]), ranges) for v in range(1, n)]
