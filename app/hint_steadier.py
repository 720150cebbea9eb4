"""One hint at a time, and a steady one.

Frame by frame the part with the largest missing or extra area changes with every tremble of the
hand; a child cannot read a sentence that changes five times a second. The steadier shows a new
hint only after it has led for `switch_after_s`, keeps the shown one at least `min_show_s`, keeps
it while its evidence stays above a lower bar than the one that brought it up (hysteresis), and
clears it once it has been below that bar for `clear_after_s`. Time comes from the frames'
timestamps, so it behaves the same at 8 or 30 results per second. Pure Python, tested without
Kivy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Candidate = tuple[str, str]  # (part, "missing" | "extra")


class Evidence(NamedTuple):
    area: float  # the part's missing or extra area, as a share of the target's: ranks hints
    strength: float  # how far past the bar for a hint (1.0 = just enough)


@dataclass(frozen=True)
class SteadyConfig:
    keep_strength: float = 0.7  # a shown hint stays while its strength is at least this
    switch_after_s: float = 0.5
    min_show_s: float = 1.5
    clear_after_s: float = 0.8


class HintSteadier:
    def __init__(self, config: SteadyConfig | None = None) -> None:
        self.config = config or SteadyConfig()
        self.current: Candidate | None = None
        self._shown_at = 0.0
        self._supported_at = 0.0
        self._challenger: Candidate | None = None
        self._challenger_since = 0.0

    def update(self, evidence: dict[Candidate, Evidence], timestamp: float) -> Candidate | None:
        """`evidence`: this frame's missing or extra parts; returns the hint to show now."""
        cfg, t = self.config, timestamp
        if self.current is not None:
            shown = evidence.get(self.current)
            if shown is not None and shown.strength >= cfg.keep_strength:
                self._supported_at = t
            elif t - self._supported_at >= cfg.clear_after_s:
                self.current = None
        leader = max((c for c, e in evidence.items() if e.strength >= 1.0),
                     key=lambda c: (evidence[c].area, c), default=None)
        if leader is None or leader == self.current:
            self._challenger = None
            return self.current
        if leader != self._challenger:
            self._challenger, self._challenger_since = leader, t
        settled = t - self._challenger_since >= cfg.switch_after_s
        may_replace = self.current is None or t - self._shown_at >= cfg.min_show_s
        if settled and may_replace:
            self.current, self._shown_at, self._supported_at = leader, t, t
            self._challenger = None
        return self.current
