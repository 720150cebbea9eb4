"""How well the practice screen's shape feedback judges generated shadows.

    python benchmarks/bench_shape_feedback.py [--placements 6] [--seed 5]

For every puppet, its lesson pose at random placements (size 75-95 % of the frame, off-centre,
tilted up to 15 degrees, either hand) on generated walls: the shape match and how often a hint is
shown for a correct shadow, in clear rooms and in any room (faint or blurred shadows, vignetted
corners). Then the three known mistakes of the tests (a rabbit with an ear folded, a dog with its
jaw closed, a swan without its head): how often the hint names the right part. Then each puppet's
frames judged against the other puppets' targets (the match a wrong puppet gets). Each case is a
held shadow of 12 frames, as the camera sees one at 15 results per second.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.puppet_shape import load_puppet_shape
from app.shape_coach import ShapeCoach
from ombro_contract.labels import PUPPETS
from tests.app.shape_frames import (
    HEADLESS_SWAN,
    closed_jaw_dog,
    folded_ear_rabbit,
    shadow_frame,
    student_silhouette,
)
from training.shadowgen.jitter import Placement

HELD = 12


def judge(shape, frame):
    coach = ShapeCoach(shape)
    silhouette = student_silhouette(frame)
    for i in range(HELD):
        feedback = coach.update(silhouette, i / 15.0)
    return feedback


def placements(rng, n):
    return [Placement(fill=float(rng.uniform(0.75, 0.95)), dx=float(rng.uniform(-0.05, 0.05)),
                      dy=float(rng.uniform(-0.04, 0.06)), angle=float(rng.uniform(-15, 15)),
                      flip=bool(rng.random() < 0.5)) for _ in range(n)]


def spread(values) -> str:
    v = np.asarray(values)
    return (f"median {np.median(v) * 100:.1f} %, 10th percentile {np.percentile(v, 10) * 100:.1f} %, "
            f"min {v.min() * 100:.1f} %")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--placements", type=int, default=6, help="random placements per puppet")
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    shapes = {puppet: load_puppet_shape(puppet) for puppet in PUPPETS}
    cases = {puppet: placements(rng, args.placements) for puppet in PUPPETS}

    for clear in (True, False):
        matches, hinted = [], 0
        for puppet, where in cases.items():
            for k, placement in enumerate(where):
                fb = judge(shapes[puppet], shadow_frame(puppet, placement, seed=k,
                                                        effects=bool(k % 2), clear_room=clear))
                matches.append(fb.match)
                hinted += fb.hint is not None
        room = "clear rooms" if clear else "any room"
        print(f"lesson pose, {len(matches)} frames, {room}: match {spread(matches)}; "
              f"a hint shown on {hinted} of {len(matches)}")

    mistakes = (("rabbit, one ear folded", "rabbit", "ears", {"pose": folded_ear_rabbit()}),
                ("dog, jaw closed", "dog", "jaw", {"pose": closed_jaw_dog()}),
                ("swan, no head", "swan", "head", {"without": HEADLESS_SWAN}))
    for name, puppet, part, kw in mistakes:
        named, shown, matches = 0, 0, []
        for k, placement in enumerate(cases[puppet]):
            fb = judge(shapes[puppet], shadow_frame(puppet, placement, seed=k,
                                                    effects=bool(k % 2), **kw))
            matches.append(fb.match)
            shown += fb.hint is not None
            named += fb.hint is not None and fb.hint.part == part
        print(f"{name}: the hint names the {part} in {named} of {len(matches)} "
              f"(a hint in {shown}); match {spread(matches)}")

    wrong = []
    for puppet in PUPPETS:
        frame = shadow_frame(puppet, cases[puppet][0], seed=0)
        wrong += [judge(shapes[other], frame).match for other in PUPPETS if other != puppet]
    print(f"another puppet's target, {len(wrong)} pairs: match {spread(wrong)}, "
          f"90th percentile {np.percentile(wrong, 90) * 100:.1f} %, max {max(wrong) * 100:.1f} %")


if __name__ == "__main__":
    main()
