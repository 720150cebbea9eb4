"""Which dark pixels are a shadow, and which are only a room the light does not reach.

A single threshold over the frame assumes an evenly lit wall. Real hand shadows are often made in
a spotlight: a lit disc in a dark room. Thresholded as a whole, the dark room becomes "shadow",
and the network sees a black frame with a white hole in which the puppet is a bump on the edge.
Vignetting and uneven light do the same in milder form.

The physics gives the way out: a shadow can only be seen where light falls. So this module

1. finds the lit wall (bright at a coarse 80x60 scale, ignoring thin bright strips along the
   frame edge such as a window or a door frame),
2. takes the region the light reaches: the convex hull of the lit wall (a shadow is a bite out
   of the light, so the hull closes over it), widened to the spotlight's ellipse when the edge
   of a disc shows (fitted robustly, so the shadow's own outline does not bend it),
3. calls each dark area outside that region "room" when the border it shares with the region
   is mostly lit wall (the edge of a disc or of a vignette) and keeps it when the border runs
   through shadow (a forearm that reaches past a corner),
4. divides the frame by a smooth estimate of the light on the wall (normalised convolution of
   the lit pixels), so a shadow is "much darker than the wall around it" rather than "darker
   than one number", and thresholds that ratio inside the lit region only.

It works on the small gray image that both preprocessing pipelines compute (numpy in the app and
server, torch in training); both call `shadow_mask`, so the two cannot drift apart. Measured
against the generator's true masks in `benchmarks/bench_silhouette.py`.
"""

from __future__ import annotations

import functools
import itertools
import math

import cv2
import numpy as np

ANALYSIS_SIZE = (80, 60)  # (width, height) of the coarse lighting analysis
WALL_LEVEL = 200.0  # the normalised gray level of an evenly lit wall
_K3 = np.ones((3, 3), np.uint8)
# Smaller lit specks are noise, not the wall. Small on purpose: a shadow that covers most of a
# spotlight leaves only small lit pieces of its rim between the fingers, and each is the wall
# (0.015 dropped them and found no shadow at all in 4 % of generated spotlight frames; mean IoU
# 0.898 -> 0.921 with 0.002, benchmarks/bench_silhouette.py).
_MIN_LIT_FRACTION = 0.002
_RANSAC_ITERATIONS = 32
_TRIPLES = np.array(list(itertools.combinations(range(5), 3)))  # of a RANSAC sample's 5 points
_ELLIPSE_TOLERANCE = 1.0  # analysis pixels
_LIGHT_SIGMA = 8.0  # analysis pixels; the light on a wall changes slowly
# A dark area outside the lit region is room when this much of its border is lit wall: less
# with a fitted spotlight disc (its edge is the proof), more without one.
_ROOM_BORDER_LIT = (0.3, 0.6)


def otsu_threshold(hist: np.ndarray) -> int:
    """Otsu's threshold from a 256-bin histogram; levels <= t are the dark class."""
    hist = np.asarray(hist, dtype=np.float64)
    total = hist.sum()
    if total <= 0:
        return 127
    levels = np.arange(256, dtype=np.float64)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0 * total) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1.0
    return int(np.argmax(between))


def gray_histogram(gray: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """256-bin histogram of float gray levels rounded half-to-even (like torch.round) and
    clipped to 0..255, optionally only where `where` (uint8 or bool mask) is set."""
    levels = cv2.convertScaleAbs(cv2.max(np.ascontiguousarray(gray, np.float32), 0.0))
    mask = None if where is None else where.astype(np.uint8, copy=False)
    return cv2.calcHist([levels], [0], mask, [256], [0, 256]).ravel().astype(np.int64)


def _lit_wall(lit: np.ndarray) -> np.ndarray | None:
    """The lit components that are wall: big enough, and not a thin strip along one edge."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lit, connectivity=8)
    if n <= 1:
        return None
    h, w = lit.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    strip_h = ((y == 0) | (y + bh == h)) & (bw > 0.5 * w) & (bh < 0.2 * h)
    strip_v = ((x == 0) | (x + bw == w)) & (bh > 0.5 * h) & (bw < 0.2 * w)
    keep = (area >= _MIN_LIT_FRACTION * h * w) & ~strip_h & ~strip_v
    if not keep.any():
        keep = area == area.max()
    return np.concatenate([[False], keep])[labels].astype(np.uint8)


def _ellipse_deviation(points: np.ndarray, ellipses: np.ndarray) -> np.ndarray:
    """Approximate distance (pixels) of each point to each ellipse: (E, N) for E ellipses given
    as rows (cx, cy, width, height, angle in degrees) as cv2.fitEllipse returns them."""
    cx, cy, a, b, ang = (ellipses[:, i:i + 1] for i in range(5))
    t = np.radians(ang)
    c, s = np.cos(t), np.sin(t)
    dx, dy = points[None, :, 0] - cx, points[None, :, 1] - cy
    ra, rb = np.maximum(a / 2, 1e-3), np.maximum(b / 2, 1e-3)
    u, v = (dx * c + dy * s) / ra, (-dx * s + dy * c) / rb
    return np.abs(np.sqrt(u * u + v * v) - 1.0) * np.minimum(ra, rb)


def _fit_ellipse(points: np.ndarray) -> tuple[float, float, float, float, float] | None:
    """cv2.fitEllipse as (cx, cy, width, height, angle), or None where the points admit no
    ellipse (collinear or repeated points make its eigen solver fail, and a camera frame must
    never fail preprocessing)."""
    try:
        (cx, cy), (a, b), ang = cv2.fitEllipse(points)
    except cv2.error:
        return None
    values = (cx, cy, a, b, ang)
    return values if all(map(math.isfinite, values)) else None


@functools.lru_cache(maxsize=1024)
def _ransac_samples(n: int) -> np.ndarray:
    """Index rows (five each) into `n` outline points for the spotlight's RANSAC.

    Same frame, same answer: the samples come from a fixed seed, so they depend on `n` alone and
    are worked out once per `n` (seeding a generator on every camera frame cost more than the
    fits). Sorted rows, and only rows of five distinct points, which `fitEllipse` needs.
    """
    rng = np.random.default_rng(0)
    starts = rng.integers(0, n, _RANSAC_ITERATIONS)
    spans = rng.uniform(0.25, 1.0, _RANSAC_ITERATIONS) * (n - 1)
    steps = np.linspace(0.0, 1.0, 5)
    idx = np.sort((starts[:, None] + (steps[None, :] * spans[:, None]).astype(np.int64)) % n, axis=1)
    rows = idx[(np.diff(idx, axis=1) > 0).all(axis=1)]
    rows.flags.writeable = False  # shared by every later frame with as many points
    return rows


def _no_three_in_line(samples: np.ndarray) -> np.ndarray:
    """Which (R, 5, 2) samples have no three points on a line (bool, R).

    No ellipse passes through three points of a line, so such a sample has no fit; worse,
    cv2.fitEllipse answers it with a different ellipse from call to call (seen with four points
    along the frame's second row), which made the same frame give different silhouettes.
    Outline points are whole pixels, so twice a triangle's area is a whole number: 0 is a line.
    """
    a, b, c = (samples[:, _TRIPLES[:, k]] for k in range(3))
    ab, ac = b - a, c - a
    twice_area = np.abs(ab[..., 0] * ac[..., 1] - ab[..., 1] * ac[..., 0])
    return twice_area.min(axis=1) >= 1.0


def _spotlight(lit: np.ndarray, outline: np.ndarray, hull: np.ndarray) -> np.ndarray | None:
    """The spotlight's disc (uint8 mask) when the lit wall's outline shows an elliptic edge.

    Candidate edge points are outline points on the lit wall's convex hull (a shadow bites
    inward, so its outline leaves the hull) away from the frame border. A seeded RANSAC picks
    the ellipse most of them lie on, sampling five points spread along a stretch of the outline
    (close points fit badly); it is kept only if it holds nearly all the lit wall.
    """
    h, w = lit.shape
    canvas = np.full(lit.shape, 255, np.uint8)
    cv2.polylines(canvas, [hull], True, 0)
    on_hull = cv2.distanceTransform(canvas, cv2.DIST_L2, 3)[outline[:, 1], outline[:, 0]] <= 1.0
    inner = ((outline[:, 0] > 0) & (outline[:, 0] < w - 1) & (outline[:, 1] > 0)
             & (outline[:, 1] < h - 1))
    pts = outline[on_hull & inner].astype(np.float32)
    n = len(pts)
    if n < 20:
        return None
    samples = pts[_ransac_samples(n)]
    fits = []
    for sample in samples[_no_three_in_line(samples)]:
        fit = _fit_ellipse(sample)
        if fit is not None and 4 < fit[2] < 3 * w and 4 < fit[3] < 3 * h:
            fits.append(fit)
    if not fits:
        return None
    inliers = _ellipse_deviation(pts, np.array(fits)) < _ELLIPSE_TOLERANCE
    best = int(np.argmax(inliers.sum(1)))
    if inliers[best].sum() < max(20, 0.4 * n):
        return None
    fit = _fit_ellipse(pts[inliers[best]])
    if fit is None:
        return None
    cx, cy, a, b, ang = fit
    disc = np.zeros_like(lit)
    cv2.ellipse(disc, ((cx, cy), (a, b), ang), 1, -1)
    if cv2.countNonZero(lit & disc) < 0.95 * cv2.countNonZero(lit):
        return None  # a spotlight lights nothing outside itself
    return disc


def _unlit_room(lit: np.ndarray) -> np.ndarray | None:
    """Dark areas that light does not reach (bool) at analysis size; None when there are none."""
    contours, _ = cv2.findContours(lit, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = np.concatenate([c.reshape(-1, 2) for c in contours])
    hull = cv2.convexHull(outline)  # the hull of the outline is the hull of the region
    region = np.zeros_like(lit)
    cv2.fillConvexPoly(region, hull, 1)
    if cv2.countNonZero(region) == region.size:
        return None  # the light reaches the whole frame
    disc = _spotlight(lit, outline, hull)
    if disc is not None:
        region |= disc
    n, labels = cv2.connectedComponents(1 - region, connectivity=8)
    # For every pixel of the region, the outside area it borders (if any); then per area, how
    # much of that border is lit wall. One pass over the image instead of one per area.
    neighbour = cv2.dilate(labels.astype(np.float32), _K3)[region > 0].astype(np.int64)
    lit_border = cv2.dilate(lit, _K3)[region > 0].astype(np.float64)
    border_len = np.bincount(neighbour, minlength=n)
    border_lit = np.bincount(neighbour, weights=lit_border, minlength=n)
    needed = _ROOM_BORDER_LIT[0] if disc is not None else _ROOM_BORDER_LIT[1]
    is_room = (border_len > 0) & (border_lit >= needed * np.maximum(border_len, 1))
    is_room[0] = False
    room = is_room[labels]
    return room if room.any() else None


def normalised_gray(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(gray divided by the light on the wall, scaled so lit wall is about `WALL_LEVEL`;
    uint8 mask of where a shadow can be at all, None for everywhere), at `gray`'s size."""
    h, w = gray.shape
    small = cv2.resize(gray, ANALYSIS_SIZE, interpolation=cv2.INTER_AREA)
    aw, ah = ANALYSIS_SIZE
    # Thin bright things at the frame edge (a window) must not set the level of "lit".
    core = small[ah // 8: ah - ah // 8, aw // 8: aw - aw // 8]
    lit = (small > otsu_threshold(gray_histogram(core)) + 0.5).astype(np.uint8)
    wall = _lit_wall(lit)
    if wall is None:
        return gray * np.float32(WALL_LEVEL / max(float(gray.max()), 1.0)), None
    num = cv2.GaussianBlur(small * wall, (0, 0), _LIGHT_SIGMA)
    den = cv2.GaussianBlur(wall.astype(np.float32), (0, 0), _LIGHT_SIGMA)
    light = cv2.resize(num / np.maximum(den, 1e-3), (w, h), interpolation=cv2.INTER_LINEAR)
    ratio = cv2.divide(gray, cv2.max(light, 1.0), scale=WALL_LEVEL)
    room = _unlit_room(wall)
    if room is None:
        return cv2.min(ratio, 255.0), None
    possible = cv2.resize((~room).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    # Keep clear of the soft edge of the light, which is darker than the wall inside it.
    possible = cv2.erode(possible, _K3, iterations=2, borderType=cv2.BORDER_CONSTANT,
                         borderValue=1)
    return cv2.min(ratio, 255.0), possible


def shadow_mask(gray: np.ndarray, threshold: int | str, lighting: str) -> np.ndarray:
    """Shadow (True) at `gray`'s size, from a float32 gray image in 0..255.

    `lighting="even"` is one threshold over the whole frame (an evenly lit wall, the HaSPeR
    recipe); `"normalised"` divides out the light on the wall and ignores the unlit room first
    (see the module docstring). `threshold` is a gray level or "otsu" (chosen per frame, over the
    pixels where a shadow can be).
    """
    if lighting == "normalised":
        level, possible = normalised_gray(gray)
    elif lighting == "even":
        level, possible = gray, None
    else:
        raise ValueError(f"unknown lighting {lighting!r}: expected 'even' or 'normalised'")
    t = otsu_threshold(gray_histogram(level, possible)) if threshold == "otsu" else int(threshold)
    shadow = level <= t + 0.5
    return shadow if possible is None else shadow & (possible > 0)
