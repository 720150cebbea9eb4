"""Shape feedback for one practice try: where the student's shadow differs from the target.

Runs on the recognizer's worker for each frame the model sees, on the silhouette the model's own
preprocessing already made (`ombro_contract.preprocess.silhouette` with the model card's spec),
so the student is judged on the shadow the model saw and nothing is computed twice. Per frame:
fit the target (`shape_align`), then on a 160x120 grid measure the shape match (IoU), which
target parts lack shadow (missing) and where shadow lies beyond a part (extra), pick the part with
the largest such area for the hint (`hint_steadier` keeps it steady), and paint the overlay the
practice screen draws over the preview: the target's outline, missing area in blue and extra in
orange (Okabe-Ito colours, told apart with every common colour-vision deficiency).

Only the animal's parts are tinted and hinted: the arm is framing (how much of it shows is the
camera's business), and a part cast by a forearm alone gets no "extra" (a real arm goes on to the
elbow).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from app.hint_steadier import Evidence, HintSteadier, SteadyConfig
from app.puppet_shape import NEAR, PuppetShape
from app.shape_align import AlignBudget, Alignment, ShapeAligner, warp

MISSING_RGBA = (0, 114, 178)  # Okabe-Ito blue: the target has shadow here, the student none
EXTRA_RGBA = (230, 159, 0)  # Okabe-Ito orange: the student's shadow goes beyond the target
SHADOW = 2 * NEAR  # added to a pixel's target label where the student has shadow


@dataclass(frozen=True)
class CoachConfig:
    """Tuning of the shape feedback (the defaults are what the tests and docs/app.md measure)."""

    measure_grid: tuple[int, int] = (160, 120)
    min_shadow: float = 0.01  # share of the frame that must be shadow before anything is said
    min_match_for_hints: float = 0.45  # below this the shape is not the target: no part to name
    # A part is missing when this much of it has no shadow and that is this share of the target
    # (measured on generated frames, tests/app/test_shape_coach.py: a correct shape leaves at
    # most 16 % of a part bare, one folded rabbit ear 22-25 %, a closed dog jaw 33-61 %).
    missing_fraction: float = 0.2
    missing_share: float = 0.01
    # Shadow beyond a part: noisier (a near light fattens every finger), so a higher bar.
    extra_fraction: float = 0.3
    extra_share: float = 0.06
    tint_alpha: int = 130
    hinted_alpha: int = 215  # the part the hint names stands out
    align: AlignBudget = field(default_factory=AlignBudget)
    steady: SteadyConfig = field(default_factory=SteadyConfig)


@dataclass(frozen=True)
class Hint:
    part: str  # the short code sent with the attempt ("ears")
    kind: str  # "missing" | "extra"
    text: str  # the sentence for the child


@dataclass(frozen=True)
class ShapeFeedback:
    timestamp: float
    match: float | None  # IoU of the fitted target and the student's shadow; None: no shadow
    hint: Hint | None
    overlay: np.ndarray | None = field(default=None, repr=False)  # RGBA uint8, rows top-down
    outline: tuple[np.ndarray, ...] = field(default=(), repr=False)  # (N, 2) in frame widths
    alignment: Alignment | None = None
    evidence: dict[tuple[str, str], Evidence] = field(default_factory=dict, repr=False)
    cost_ms: float = 0.0


class ShapeCoach:
    """Feed it each silhouette the model saw; it says how close the shape is, and what to fix.

    One per try (it remembers the fit and the shown hint); the `PuppetShape` is shared.
    """

    def __init__(self, shape: PuppetShape, config: CoachConfig | None = None,
                 overlay: bool = True) -> None:
        self.shape = shape
        self.config = config or CoachConfig()
        self.overlay = overlay
        self.aligner = ShapeAligner(shape, self.config.align)
        self.steadier = HintSteadier(self.config.steady)
        names = shape.part_names
        self._missing_hint = np.zeros(NEAR, bool)
        self._extra_hint = np.zeros(NEAR, bool)
        for part, hint in shape.hints.items():
            pid = names.index(part)
            self._missing_hint[pid] = True
            self._extra_hint[pid] = hint.extra is not None

    def update(self, silhouette: np.ndarray, timestamp: float) -> ShapeFeedback:
        """`silhouette`: the contract's mask (float32, 0.0 shadow, 1.0 wall), any 4:3 size."""
        started = time.perf_counter()
        cfg = self.config
        detail = _coverage(silhouette, cfg.measure_grid)
        fine = cv2.resize(detail, cfg.align.fine_grid, interpolation=cv2.INTER_AREA)
        fit = None
        if cv2.sumElems(fine)[0] / 255.0 >= cfg.min_shadow * fine.size:
            fit = self.aligner.update(fine)
        else:
            self.aligner.reset()
        if fit is None:
            candidate = self.steadier.update({}, timestamp)
            return ShapeFeedback(timestamp, None, self._hint(candidate),
                                 cost_ms=(time.perf_counter() - started) * 1000.0)
        alignment, _ = fit
        raster = self.shape.raster(cfg.measure_grid, labelled=True)
        target = warp(raster, alignment)
        inter = cv2.sumElems(cv2.min(target, detail))[0]
        target_sum = cv2.sumElems(target)[0]
        union = target_sum + cv2.sumElems(detail)[0] - inter
        match = inter / union if union > 0 else 0.0
        # One label per pixel: the target part (or NEAR + the part it is near), + SHADOW where
        # the student has shadow; its histogram is every part's missing and extra area at once.
        labels = warp(raster, alignment, nearest=True, image=raster.labels)
        _, shadow = cv2.threshold(detail, 127, SHADOW, cv2.THRESH_BINARY)
        index = cv2.add(labels, shadow)
        evidence = {}
        if match >= cfg.min_match_for_hints:
            evidence = self._scores(np.bincount(index.ravel(), minlength=2 * SHADOW),
                                    target_sum / 255.0)
        candidate = self.steadier.update(evidence, timestamp)
        overlay = outline = None
        if self.overlay:
            overlay = self._paint(index, candidate)
            outline = _outline(target, cfg.measure_grid[0])
        return ShapeFeedback(timestamp, match, self._hint(candidate), overlay, outline or (),
                             alignment, evidence, (time.perf_counter() - started) * 1000.0)

    def _scores(self, counts: np.ndarray, target_area: float
                ) -> dict[tuple[str, str], Evidence]:
        """Missing and extra area per hinted part, from pixel counts by label and shadow."""
        if target_area <= 0:
            return {}
        names, cfg = self.shape.part_names, self.config
        bare, shaded = counts[:SHADOW], counts[SHADOW:]
        evidence = {}
        for pid in np.flatnonzero(self._missing_hint):
            part_area = bare[pid] + shaded[pid]
            if part_area and bare[pid]:
                share = bare[pid] / target_area
                strength = min(bare[pid] / part_area / cfg.missing_fraction,
                               share / cfg.missing_share)
                evidence[(names[pid], "missing")] = Evidence(float(share), float(strength))
        for pid in np.flatnonzero(self._extra_hint):
            part_area, spill = bare[pid] + shaded[pid], shaded[NEAR + pid]
            if part_area and spill:
                share = spill / target_area
                strength = min(spill / part_area / cfg.extra_fraction, share / cfg.extra_share)
                evidence[(names[pid], "extra")] = Evidence(float(share), float(strength))
        return evidence

    def _hint(self, candidate: tuple[str, str] | None) -> Hint | None:
        if candidate is None:
            return None
        part, kind = candidate
        texts = self.shape.hints[part]
        return Hint(part, kind, texts.missing if kind == "missing" else texts.extra or "")

    def _paint(self, index: np.ndarray, hinted: tuple[str, str] | None) -> np.ndarray:
        """Blue where a hinted part lacks shadow, orange where shadow spills beyond one."""
        cfg = self.config
        lut = np.zeros((2 * SHADOW, 4), np.uint8)
        lut[:NEAR][self._missing_hint] = (*MISSING_RGBA, cfg.tint_alpha)
        lut[SHADOW + NEAR:][self._extra_hint] = (*EXTRA_RGBA, cfg.tint_alpha)
        if hinted is not None:
            pid = self.shape.part_id(hinted[0])
            lut[pid if hinted[1] == "missing" else SHADOW + NEAR + pid, 3] = cfg.hinted_alpha
        # One 32-bit lookup per pixel instead of four byte lookups.
        rgba = lut.view(np.uint32).reshape(-1)[index]
        return rgba.view(np.uint8).reshape(*index.shape, 4)


def _coverage(silhouette: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Shadow coverage 0-255 (uint8) of a contract silhouette (0.0 shadow, 1.0 wall) on `grid`."""
    wall = cv2.resize(silhouette, grid, interpolation=cv2.INTER_AREA)
    return ((1.0 - wall) * 255.0 + 0.5).astype(np.uint8)


def _outline(target: np.ndarray, grid_width: int, smooth: int = 5) -> tuple[np.ndarray, ...]:
    """The fitted target's outline as point lists in frame widths (y down), largest first.

    Traced on the 160x120 grid, whose pixel steps would show as stairs on a phone-sized preview,
    so each point is averaged with its neighbours along the outline (and every other one kept).
    """
    contours, _ = cv2.findContours((target >= 128).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    keep = sorted((c for c in contours if len(c) >= 8), key=cv2.contourArea, reverse=True)[:4]
    kernel = np.full(smooth, 1.0 / smooth, np.float32)
    out = []
    for c in keep:
        pts = c.reshape(-1, 2).astype(np.float32) + 0.5
        wrapped = np.concatenate([pts[-(smooth // 2):], pts, pts[:smooth // 2]])
        smoothed = np.stack([np.convolve(wrapped[:, k], kernel, "valid") for k in (0, 1)], 1)
        out.append(smoothed[::2] / grid_width)
    return tuple(out)
