"""The target shape of a lesson, as the practice screen's shape feedback needs it.

The generator draws each lesson's shadow with a part map (which pixels are the ears, the jaw, ...)
and writes it with the hint sentences as app assets (`training/synth.py --assets
app/assets/puppets`: `<puppet>_parts.png` and `<puppet>_parts.json`). The app only reads those
files: it ships without the generator (and without torch).

`ShapeRaster` is the part map resampled to one grid of the student's frame (40x30 to find the
pose, 80x60 to refine it, 160x120 to measure), made once per grid and kept, because a try
compares every camera frame with the same target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from app.lessons import PUPPET_ASSETS
from ombro_contract.errors import OmbroError
from ombro_contract.labels import check_puppet

# Labels of the measuring grid: a part's id inside the target's shadow, or NEAR + id on the wall
# close to that part (up to `reach` pixels away): the part a student's extra shadow belongs to.
NEAR = 32
MAX_PARTS = NEAR


class ShapeAssetError(OmbroError, ValueError):
    """A lesson's part map or hint table is missing or unreadable."""


@dataclass(frozen=True)
class PartHint:
    missing: str
    extra: str | None  # None: shadow beyond this part is not a mistake (a forearm goes on)


@dataclass(frozen=True)
class ShapeRaster:
    """The target at one grid size (the student frame's grid): coverage 0-255 on the canvas,
    whose lesson frame is exactly `grid` pixels, and where that frame's shadow has its centre."""

    grid: tuple[int, int]
    coverage: np.ndarray  # uint8 (canvas rows, canvas cols)
    centroid: tuple[float, float]  # of the shadow inside the lesson frame, canvas pixels
    area: float  # shadow inside the lesson frame, pixels
    labels: np.ndarray | None = None  # uint8 part / NEAR + part labels (measuring grid only)


@dataclass
class PuppetShape:
    """A lesson's target: the part map from the assets, its part names and its hints."""

    puppet: str
    part_ids: np.ndarray  # uint8 canvas, 0 wall
    frame: tuple[int, int, int, int]  # the lesson frame in the canvas: x, y, width, height
    part_names: tuple[str, ...]
    hints: dict[str, PartHint]
    _rasters: dict[tuple[tuple[int, int], bool], ShapeRaster] = field(
        default_factory=dict, repr=False)

    def part_id(self, name: str) -> int:
        return self.part_names.index(name)

    def raster(self, grid: tuple[int, int], labelled: bool = False) -> ShapeRaster:
        """The target on `grid` (width, height of the student frame's grid), made on first use."""
        key = (tuple(grid), labelled)
        if key not in self._rasters:
            self._rasters[key] = _rasterise(self, key[0], labelled)
        return self._rasters[key]


def load_puppet_shape(puppet: str, folder: Path = PUPPET_ASSETS) -> PuppetShape:
    """Read `<puppet>_parts.png` and `<puppet>_parts.json` from the lesson assets."""
    check_puppet(puppet)
    png, meta = folder / f"{puppet}_parts.png", folder / f"{puppet}_parts.json"
    fix = f"regenerate the lesson assets: python training/synth.py --assets {folder}"
    ids = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    if ids is None or ids.ndim != 2 or ids.dtype != np.uint8:
        raise ShapeAssetError(f"{png} is missing or not a part map: {fix}")
    try:
        table = json.loads(meta.read_text(encoding="utf-8"))
        x, y, w, h = (int(v) for v in table["frame"])
        names = tuple(str(n) for n in table["parts"])
        hints = {str(p): PartHint(str(h["missing"]), None if h.get("extra") is None
                                  else str(h["extra"])) for p, h in table["hints"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShapeAssetError(f"{meta} is missing or unreadable ({exc}): {fix}") from None
    if not (0 <= x and 0 <= y and x + w <= ids.shape[1] and y + h <= ids.shape[0] and w and h):
        raise ShapeAssetError(f"{meta}: frame {table['frame']} lies outside the part map: {fix}")
    if int(ids.max()) >= min(len(names), MAX_PARTS) or not set(hints) <= set(names):
        raise ShapeAssetError(f"{png} and {meta} disagree about the parts: {fix}")
    if not (ids[y:y + h, x:x + w] > 0).any():
        raise ShapeAssetError(f"{png} has no shadow in its lesson frame: {fix}")
    return PuppetShape(puppet, ids, (x, y, w, h), names, hints)


def _rasterise(shape: PuppetShape, grid: tuple[int, int], labelled: bool) -> ShapeRaster:
    gw, gh = grid
    x, y, w, h = shape.frame
    sx, sy = gw / w, gh / h
    ch, cw = shape.part_ids.shape
    size = (round(cw * sx), round(ch * sy))
    solid = (shape.part_ids > 0).astype(np.float32)
    coverage = cv2.resize(solid, size, interpolation=cv2.INTER_AREA)
    fx, fy = round(x * sx), round(y * sy)
    inside = np.ascontiguousarray(coverage[fy:fy + gh, fx:fx + gw])
    m = cv2.moments(inside)
    centroid = (m["m10"] / m["m00"] + fx, m["m01"] / m["m00"] + fy)
    labels = _labels(shape, coverage, size, gw) if labelled else None
    return ShapeRaster(tuple(grid), (coverage * 255.0 + 0.5).astype(np.uint8), centroid,
                       float(m["m00"]), labels)


def _labels(shape: PuppetShape, coverage: np.ndarray, size: tuple[int, int], grid_width: int,
            reach_fraction: float = 0.06) -> np.ndarray:
    """Part ids inside the shadow, NEAR + the nearest part's id on the wall around it."""
    ids = cv2.resize(shape.part_ids, size, interpolation=cv2.INTER_NEAREST)
    solid = coverage >= 0.5
    core = np.where(solid, ids, 0).astype(np.uint8)
    grown = core.copy()
    k3 = np.ones((3, 3), np.uint8)
    # A grid pixel per step: a max filter that only fills wall pixels is "the nearest part" up to
    # ties, which is all a hint needs.
    for _ in range(max(2, round(reach_fraction * grid_width))):
        grown = np.where(grown == 0, cv2.dilate(grown, k3), grown)
    near = np.where(~solid & (grown > 0), grown + NEAR, 0)
    return (core + near).astype(np.uint8)
