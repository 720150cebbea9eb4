"""Filling projected hand parts into a shadow mask, and drawing the hands for lessons.

Masks are drawn at twice the output resolution and area-averaged down, which gives clean
anti-aliased edges at little cost (the scene's blur then sets the real softness).
"""

from __future__ import annotations

import cv2
import numpy as np

from .hand import Part, capsule_outline

_SHIFT = 4  # OpenCV fixed-point bits: sub-pixel accurate polygon vertices
SUPERSAMPLE = 2


def similarity(scale: float, angle_deg: float, flip: bool, center_wall: np.ndarray,
               center_px: tuple[float, float]) -> np.ndarray:
    """2x3 matrix from wall coordinates (y up) to pixels (y down)."""
    a = np.radians(angle_deg)
    c, s = np.cos(a) * scale, np.sin(a) * scale
    fx = -1.0 if flip else 1.0
    # Rotate in the wall frame, then flip y for image rows.
    lin = np.array([[c * fx, -s], [-s * fx, -c]])
    offset = np.array(center_px) - lin @ center_wall
    return np.hstack([lin, offset[:, None]])


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def part_polygon(part: Part, m: np.ndarray) -> np.ndarray:
    """Pixel outline of one part (float, convex)."""
    if part.kind == "capsule":
        scale = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
        a, b = _apply(m, part.points)
        pts = capsule_outline(a, b, part.radii[0] * scale, part.radii[1] * scale)
    else:
        pts = _apply(m, part.points)
    return cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2)


def _fixed(pts: np.ndarray) -> np.ndarray:
    return np.round(pts * (1 << _SHIFT)).astype(np.int32)


def draw_mask(parts: list[Part], holes: list[tuple[np.ndarray, float]], m: np.ndarray,
              size: tuple[int, int]) -> np.ndarray:
    """Shadow coverage in [0, 1] as float32 (H, W); holes are (centre_wall, radius_wall)."""
    w, h = size
    ss = SUPERSAMPLE
    big = np.zeros((h * ss, w * ss), np.uint8)
    mss = m * ss
    for part in parts:
        cv2.fillConvexPoly(big, _fixed(part_polygon(part, mss)), 255, cv2.LINE_8, _SHIFT)
    scale = float(np.sqrt(abs(np.linalg.det(mss[:, :2]))))
    for centre, radius in holes:
        c = _apply(mss, centre[None])[0]
        r = radius * scale
        axes = (max(1, round(r * 1.5 * (1 << _SHIFT))), max(1, round(r * (1 << _SHIFT))))
        cv2.ellipse(big, tuple(int(v) for v in _fixed(c)), axes, 0, 0, 360, 0, -1, cv2.LINE_8,
                    _SHIFT)
    small = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) * (1.0 / 255.0)


def draw_labels(parts: list[Part], labels: list[int], holes: list[tuple[np.ndarray, float]],
                m: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Part map (H, W) uint8: which labelled part casts each pixel's shadow, 0 where none.

    Drawn like `draw_mask` (same supersampling, holes, order), so a pixel's label and its coverage
    come from the same polygons. Parts nearer the light are drawn last: where two parts overlap,
    the shadow's outline there is the nearer part's.
    """
    w, h = size
    ss = SUPERSAMPLE
    big = np.zeros((h * ss, w * ss), np.uint8)
    mss = m * ss
    for i in sorted(range(len(parts)), key=lambda i: parts[i].depth):
        cv2.fillConvexPoly(big, _fixed(part_polygon(parts[i], mss)), int(labels[i]), cv2.LINE_8,
                           _SHIFT)
    scale = float(np.sqrt(abs(np.linalg.det(mss[:, :2]))))
    for centre, radius in holes:
        c = _apply(mss, centre[None])[0]
        r = radius * scale
        axes = (max(1, round(r * 1.5 * (1 << _SHIFT))), max(1, round(r * (1 << _SHIFT))))
        cv2.ellipse(big, tuple(int(v) for v in _fixed(c)), axes, 0, 0, 360, 0, -1, cv2.LINE_8,
                    _SHIFT)
    return cv2.resize(big, (w, h), interpolation=cv2.INTER_NEAREST)


def bounds(parts: list[Part]) -> tuple[np.ndarray, np.ndarray]:
    """Wall-space bounding box of the hands, ignoring forearms and sleeves (they run out of
    frame)."""
    pts = []
    for part in parts:
        if part.name == "sleeve":
            continue
        if part.name == "forearm":
            # The first stretch of the forearm belongs to the silhouette (the neck of a swan).
            a, b = part.points
            pts.append(a + (b - a) * 0.12)
            continue
        if part.kind == "capsule":
            r = max(part.radii)
            pts.extend([part.points[0] - r, part.points[0] + r, part.points[1] - r,
                        part.points[1] + r])
        else:
            pts.extend(part.points)
    arr = np.array(pts)
    return arr.min(axis=0), arr.max(axis=0)


def draw_hands(canvas: np.ndarray, parts: list[Part], m: np.ndarray, skin: tuple[int, int, int],
               outline: tuple[int, int, int] = (60, 40, 30)) -> None:
    """Paint the hands themselves, far parts first, for the how-to picture (in place, BGR)."""
    order = sorted(parts, key=lambda p: p.depth)
    for part in order:
        poly = _fixed(part_polygon(part, m))
        shade = 0.85 + 0.15 * np.tanh(part.depth * 2.0)
        color = tuple(int(min(255, c * shade)) for c in skin)
        cv2.fillConvexPoly(canvas, poly, color, cv2.LINE_AA, _SHIFT)
        cv2.polylines(canvas, [poly], True, outline, 1, cv2.LINE_AA, _SHIFT)
