"""Lay the target shadow over the student's: translation, scale, rotation, and either hand.

A student's puppet sits anywhere in the frame, at any size, a little tilted, made with either hand
(a mirror image). The target is moved onto it by image moments first (the centroids meet, the
areas match), then a small search maximises the overlap (IoU): a sweep of rotations and both
mirrors on a 40x30 grid, and a hill climb on 80x60. Moments alone are not enough: an orientation
from second moments is unreliable for these shapes (a fist with an arm, two crossed hands).

The camera shows the same hand frame after frame, so each frame starts from the last fit and
only re-sweeps a slice of the rotations (all of them within `sweep_frames` frames): a fixed,
small amount of work per frame (`budget`), no jumps between frames, and a wrong fit is still
replaced within a fraction of a second. Everything is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from app.puppet_shape import PuppetShape, ShapeRaster


class Alignment(NamedTuple):
    """Where the target lands on the student's frame: its shadow's centre at (x, y) in frame
    widths (y down), `scale` 1 = as large as in the lesson picture, `angle` radians, `mirror`
    = made with the other hand. (A named tuple: the search makes thousands per second.)"""

    scale: float
    angle: float
    mirror: bool
    x: float
    y: float

    def matrix(self, raster: ShapeRaster) -> np.ndarray:
        """2x3 affine from the raster's canvas pixels to the student grid's pixels."""
        c, s = math.cos(self.angle) * self.scale, math.sin(self.angle) * self.scale
        f = -1.0 if self.mirror else 1.0
        cx, cy = raster.centroid
        gw = raster.grid[0]
        return np.array([[c * f, -s, self.x * gw - (c * f * cx - s * cy)],
                         [s * f, c, self.y * gw - (s * f * cx + c * cy)]], np.float32)


@dataclass(frozen=True)
class AlignBudget:
    """How much searching one frame may do (each step is one warp and one overlap)."""

    coarse_grid: tuple[int, int] = (40, 30)
    fine_grid: tuple[int, int] = (80, 60)
    rotations: int = 18  # sweep every 20 degrees, both hands: 36 starts
    sweep_frames: int = 3  # a held shadow has been swept fully after this many frames
    coarse_starts: int = 1  # best sweep starts climbed on the coarse grid
    coarse_steps: int = 20
    fine_steps: int = 30  # the first fit: the fine climb settles most of it
    polish_steps: int = 12  # then each frame: the last fit, polished...
    challenger_steps: int = 18  # ...against the best start of the sweep's slice


def warp(raster: ShapeRaster, alignment: Alignment, nearest: bool = False,
         image: np.ndarray | None = None) -> np.ndarray:
    """The raster's coverage (or `image` on its canvas) as it lies on the student grid."""
    src = raster.coverage if image is None else image
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.warpAffine(src, alignment.matrix(raster), raster.grid, flags=flags,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def overlap(raster: ShapeRaster, student: np.ndarray, student_sum: float,
            alignment: Alignment) -> float:
    """IoU of soft (0-255) coverages: anti-aliased edges count by how much they are covered."""
    target = warp(raster, alignment)
    inter = cv2.sumElems(cv2.min(target, student))[0]
    union = cv2.sumElems(target)[0] + student_sum - inter
    return inter / union if union > 0 else 0.0


def shadow_moments(student: np.ndarray) -> tuple[float, float, float] | None:
    """(area in pixels, centre x, centre y) of a 0-255 coverage; None for an empty frame."""
    m = cv2.moments(student)
    if m["m00"] <= 0:
        return None
    return m["m00"] / 255.0, m["m10"] / m["m00"], m["m01"] / m["m00"]


class ShapeAligner:
    """Fits one target to a stream of student frames; one per practice try (it keeps the fit)."""

    def __init__(self, shape: PuppetShape, budget: AlignBudget | None = None) -> None:
        self.shape = shape
        self.budget = budget or AlignBudget()
        self.last: Alignment | None = None
        self._last_centre: tuple[float, float] | None = None
        self._frame = 0
        self.steps = 0  # overlaps computed for the last frame (for tests and the benchmark)

    def reset(self) -> None:
        self.last, self._last_centre, self._frame = None, None, 0

    def update(self, student_fine: np.ndarray) -> tuple[Alignment, float] | None:
        """Fit the target to `student_fine` (0-255 coverage on the fine grid); the alignment and
        its IoU there, or None when there is no shadow to fit.

        Two fits compete each frame: the last one (moved with the shadow's centre, then polished)
        and a challenger, the best start of this frame's slice of the rotation sweep climbed on the
        coarse grid and then on the fine one. A wrong last fit (the other hand, a rotation off by
        a few tens of degrees) is replaced as soon as the sweep reaches the right start.
        """
        b = self.budget
        if tuple(student_fine.shape[::-1]) != b.fine_grid:
            raise ValueError(f"student coverage is {student_fine.shape[::-1]}, expected the fine "
                             f"grid {b.fine_grid}")
        moments = shadow_moments(student_fine)
        if moments is None:
            self.reset()
            return None
        area, cx, cy = moments
        fine = self.shape.raster(b.fine_grid)
        coarse = self.shape.raster(b.coarse_grid)
        fw = b.fine_grid[0]
        centre = (cx / fw, cy / fw)
        student_coarse = cv2.resize(student_fine, b.coarse_grid, interpolation=cv2.INTER_AREA)
        coarse_sum = cv2.sumElems(student_coarse)[0]
        fine_sum = cv2.sumElems(student_fine)[0]
        self.steps = 0

        def coarse_iou(a: Alignment) -> float:
            self.steps += 1
            return overlap(coarse, student_coarse, coarse_sum, a)

        def fine_iou(a: Alignment) -> float:
            self.steps += 1
            return overlap(fine, student_fine, fine_sum, a)

        starts = self._sweep_slice(math.sqrt(area / fine.area), centre)
        scored = sorted(((coarse_iou(a), i, a) for i, a in enumerate(starts)), reverse=True)
        climbed = [_climb(coarse_iou, a, v, b.coarse_steps, (0.15, math.radians(10), 4.0 / fw))
                   for v, _, a in scored[:b.coarse_starts]]
        challenger = max(climbed, key=lambda va: va[0])[1]
        fine_steps = (0.05, math.radians(4), 1.0 / fw)
        fits = []
        if self.last is not None:
            moved = self.last._replace(x=self.last.x + centre[0] - self._last_centre[0],
                                       y=self.last.y + centre[1] - self._last_centre[1])
            # Already close: start with small steps, so a settled fit costs few overlaps.
            fits.append(_climb(fine_iou, moved, fine_iou(moved), b.polish_steps,
                               tuple(x / 4 for x in fine_steps)))
        fits.append(_climb(fine_iou, challenger, fine_iou(challenger),
                           b.fine_steps if self.last is None else b.challenger_steps, fine_steps))
        iou, best = max(fits, key=lambda va: va[0])
        self.last, self._last_centre = best, centre
        self._frame += 1
        return best, iou

    def _sweep_slice(self, scale: float, centre: tuple[float, float]) -> list[Alignment]:
        """This frame's share of the rotation sweep (all of it while there is no fit yet)."""
        b = self.budget
        sweep = [Alignment(scale, 2 * math.pi * k / b.rotations, mirror, *centre)
                 for mirror in (False, True) for k in range(b.rotations)]
        if self.last is None:
            return sweep
        return sweep[self._frame % b.sweep_frames::b.sweep_frames]


def _climb(score, start: Alignment, value: float, max_steps: int,
           steps: tuple[float, float, float]) -> tuple[float, Alignment]:
    """First-improvement hill climb over scale, angle and position; steps halve when stuck."""
    ds, da, dt = steps
    best, best_v, used = start, value, 0
    while used < max_steps and dt > 0.05 * steps[2]:
        sc, an, mi, x, y = best
        moves = (Alignment(sc, an, mi, x + dt, y), Alignment(sc, an, mi, x - dt, y),
                 Alignment(sc, an, mi, x, y + dt), Alignment(sc, an, mi, x, y - dt),
                 Alignment(sc * (1 + ds), an, mi, x, y), Alignment(sc / (1 + ds), an, mi, x, y),
                 Alignment(sc, an + da, mi, x, y), Alignment(sc, an - da, mi, x, y))
        for move in moves:
            if used >= max_steps:
                break
            v = score(move)
            used += 1
            if v > best_v:
                best, best_v = move, v
                break
        else:
            ds, da, dt = ds / 2, da / 2, dt / 2
    return best_v, best
