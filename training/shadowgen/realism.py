"""How a shadow is built, measured the same way on real photos and generated frames.

A model trained on thin, small shadows meets fat, frame-filling ones on a student's wall, so
the generator is judged against the real photos by these numbers (`benchmarks/bench_realism.py`,
`tests/synth/test_realism.py`). The measure runs on the contract's own silhouette, so it sees
each frame as the shipped models do.
"""

from __future__ import annotations

import cv2
import numpy as np

from ombro_contract.preprocess import DEFAULT_SPEC, silhouette

COLUMNS = ("frame share", "solidity", "thickness")


def shape_stats(image: np.ndarray) -> tuple[float, float, float] | None:
    """(frame share, solidity, thickness) of the largest shadow in a camera frame, or None
    without one. Solidity is area over convex hull (how blocky the shape is); thickness is twice
    the mean distance to the outline, as a fraction of the frame width (mean limb width)."""
    shadow = (silhouette(image, DEFAULT_SPEC) < 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(shadow)
    if n < 2:
        return None
    blob = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
    inside = cv2.distanceTransform(blob, cv2.DIST_L2, 3)[blob > 0]
    return (float(blob.mean()), float(blob.sum() / max(hull, 1.0)),
            float(2 * inside.mean() / blob.shape[1]))
