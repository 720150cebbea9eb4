"""Turns a jittery stream of per-frame predictions into a lesson decision.

A single frame says little: the hand trembles, the shadow blurs, the model flickers between
neighbours (deer / moose). The judge therefore smooths class probabilities with a time-aware EMA
(so it behaves the same at 8 or 30 inferences per second), only counts the target as "recognised"
above a threshold, tolerates short dropouts, and passes the lesson once the target has been held
for `hold_seconds`. Pure Python + numpy so it is tested without Kivy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ombro_contract.labels import NUM_CLASSES, PUPPETS, puppet_index


@dataclass(frozen=True)
class SmoothingConfig:
    """Tuning of the judge; the defaults suit a phone running 8-30 inferences per second."""

    time_constant_s: float = 0.25
    """EMA time constant: a frame seen `time_constant_s` ago weighs 1/e of the newest one."""
    threshold: float = 0.6
    """Smoothed target probability needed for a frame to count towards the hold."""
    unsure_below: float = 0.45
    """Below this best smoothed probability the app shows "no puppet / unsure"."""
    hold_seconds: float = 2.0
    grace_seconds: float = 0.4
    """A dropout shorter than this pauses the hold instead of resetting it."""
    max_step_s: float = 0.5
    """Longest gap credited to the hold between two results (a stalled camera earns nothing)."""
    star_confidence: float = 0.85
    """Mean smoothed confidence over the hold that earns the confidence star."""
    steady_ratio: float = 1.25
    """Earn the steadiness star when the hold took at most this times `hold_seconds`."""


class PracticeState(str, Enum):
    UNSURE = "unsure"  # nothing recognisable on the wall
    OTHER = "other"  # a puppet, but not the target
    HOLDING = "holding"  # the target, filling the ring
    PASSED = "passed"


@dataclass(frozen=True)
class PracticeUpdate:
    """What the practice screen draws after each result."""

    timestamp: float
    state: PracticeState
    label: str | None  # best smoothed puppet, None when unsure
    confidence: float  # smoothed probability of `label` (or of the best class when unsure)
    target_confidence: float
    hold_progress: float  # 0..1, the ring
    held_seconds: float
    passed: bool  # True on exactly one update: the one that passed the lesson
    stars: int  # 0 until passed, then 1..3


def stars_for(mean_confidence: float, hold_wall_seconds: float, config: SmoothingConfig) -> int:
    """One star for passing, one for a confident shadow, one for a steady hold.

    A steady hold reaches `hold_seconds` without long pauses: the wall-clock time from the start of
    the hold to the pass stays within `steady_ratio` of the hold itself.
    """
    stars = 1
    if mean_confidence >= config.star_confidence:
        stars += 1
    if hold_wall_seconds <= config.hold_seconds * config.steady_ratio + 1e-9:
        stars += 1
    return stars


class PracticeJudge:
    """Feed it `update(probs, timestamp)` per model result; it says when the lesson is passed."""

    def __init__(self, target: str, config: SmoothingConfig | None = None) -> None:
        self.target = target
        self.target_index = puppet_index(target)
        self.config = config or SmoothingConfig()
        self.reset()

    def reset(self) -> None:
        """Start a fresh attempt (after a pass, or when the student taps retry)."""
        self._smoothed: np.ndarray | None = None
        self._last_ts: float | None = None
        self._held = 0.0
        self._hold_started: float | None = None
        self._last_recognised: float | None = None
        self._conf_sum = 0.0
        self._conf_weight = 0.0
        self._passed = False
        self._stars = 0
        self.best_target_confidence = 0.0
        self.best_label: str | None = None
        self.best_label_confidence = 0.0

    @property
    def passed(self) -> bool:
        return self._passed

    @property
    def held_seconds(self) -> float:
        return self._held

    @property
    def smoothed(self) -> np.ndarray | None:
        return None if self._smoothed is None else self._smoothed.copy()

    def _smooth(self, probs: np.ndarray, timestamp: float) -> float:
        """Fold `probs` into the EMA; returns the time step credited to this result."""
        if self._smoothed is None or self._last_ts is None:
            self._smoothed = probs.copy()
            self._last_ts = timestamp
            return 0.0
        dt = timestamp - self._last_ts
        if dt < 0:  # out-of-order result (a late worker frame): ignore its weight in time
            dt = 0.0
        else:
            self._last_ts = timestamp
        alpha = 1.0 - math.exp(-dt / self.config.time_constant_s) if dt > 0 else 0.5
        self._smoothed = alpha * probs + (1.0 - alpha) * self._smoothed
        return min(dt, self.config.max_step_s)

    def update(self, probs: np.ndarray, timestamp: float) -> PracticeUpdate:
        probs = np.asarray(probs, dtype=np.float64).reshape(-1)
        if probs.shape != (NUM_CLASSES,) or not np.all(np.isfinite(probs)):
            raise ValueError(f"expected {NUM_CLASSES} finite class probabilities, got {probs.shape}")
        cfg = self.config
        step = self._smooth(probs, timestamp)
        smoothed = self._smoothed
        best = int(np.argmax(smoothed))
        best_conf = float(smoothed[best])
        target_conf = float(smoothed[self.target_index])
        self.best_target_confidence = max(self.best_target_confidence, target_conf)
        if best_conf > self.best_label_confidence:
            self.best_label, self.best_label_confidence = PUPPETS[best], best_conf

        just_passed = False
        if self._passed:
            state = PracticeState.PASSED
        else:
            recognised = best == self.target_index and target_conf >= cfg.threshold
            if recognised:
                if self._hold_started is None:
                    self._hold_started = timestamp
                # Only time between two recognised results counts, so a hold resumed after a
                # dropout does not get the dropout credited.
                if self._last_recognised is not None and timestamp > self._last_recognised:
                    credited = min(step, timestamp - self._last_recognised)
                    self._held += credited
                    self._conf_sum += target_conf * credited
                    self._conf_weight += credited
                self._last_recognised = timestamp
                if self._held >= cfg.hold_seconds:
                    self._passed = just_passed = True
                    mean_conf = self._conf_sum / self._conf_weight if self._conf_weight else target_conf
                    self._stars = stars_for(mean_conf, timestamp - self._hold_started, cfg)
                    state = PracticeState.PASSED
                else:
                    state = PracticeState.HOLDING
            else:
                lost_for = (
                    math.inf if self._last_recognised is None else timestamp - self._last_recognised
                )
                if lost_for > cfg.grace_seconds:
                    self._held = 0.0
                    self._hold_started = None
                    self._last_recognised = None
                    self._conf_sum = self._conf_weight = 0.0
                state = PracticeState.UNSURE if best_conf < cfg.unsure_below else PracticeState.OTHER

        label = None if best_conf < cfg.unsure_below else PUPPETS[best]
        return PracticeUpdate(
            timestamp=timestamp,
            state=state,
            label=label,
            confidence=best_conf,
            target_confidence=target_conf,
            hold_progress=1.0 if self._passed else min(1.0, self._held / cfg.hold_seconds),
            held_seconds=self._held,
            passed=just_passed,
            stars=self._stars,
        )
