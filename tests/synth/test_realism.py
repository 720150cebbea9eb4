"""The generator's shadows have the build of real ones (`training.shadowgen.realism`).

Generator 3.0.0 drew limbs 15 % thinner than the shared real photos show, and models trained on
it met fatter, frame-filling shadows on students' walls; this keeps that from creeping back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import load_image
from training.shadowgen.realism import shape_stats
from training.shadowgen.render import render_photo

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_realism.py"


def test_shape_stats_of_a_bar():
    # A dark 40 px tall bar across a 320 px wide pale frame: blocky (solidity 1), an eighth of
    # the frame, and about 40 px thick by the distance-transform measure (2 x mean = half height).
    img = np.full((240, 320, 3), 220, np.uint8)
    cv2.rectangle(img, (0, 100), (319, 139), (30, 30, 30), -1)
    share, solidity, thickness = shape_stats(img)
    assert share == pytest.approx(40 / 240, abs=0.02)
    assert solidity == pytest.approx(1.0, abs=0.03)
    assert 0.05 < thickness < 0.08  # ~(40 / 2) / 320, the mean over a bar's cross-section


def test_shape_stats_of_an_empty_wall():
    assert shape_stats(np.full((240, 320, 3), 200, np.uint8)) is None


@pytest.fixture(scope="module")
def real_and_generated_stats():
    """(frame share, solidity, thickness) per puppet: the shared photo's, and the mean of 8
    generated frames."""
    if real_shadows_dir() is None:
        pytest.skip("needs ../shared/real-shadows")
    rng = np.random.default_rng(11)
    real = np.array([shape_stats(load_image(real_shadows_dir() / f"{p}.png")) for p in PUPPETS])
    gen = np.array([np.mean([shape_stats(render_photo(p, rng, 224).image) for _ in range(8)],
                            axis=0) for p in PUPPETS])
    return real, gen


def test_generated_limbs_are_as_thick_as_real_ones(real_and_generated_stats):
    real, gen = real_and_generated_stats
    ratio = float(gen[:, 2].mean() / real[:, 2].mean())
    assert 0.9 < ratio < 1.25, f"generated/real limb thickness {ratio:.2f}"


def test_generated_shadows_fill_the_frame_as_real_ones_do(real_and_generated_stats):
    """3.0.0 filled 0.85x, 3.1.0-3.5.0 1.13x of the real frame share; 3.6.1 films some puppets
    from far back (the snail photo fills 0.11 of its frame) and is at about 1.0x."""
    real, gen = real_and_generated_stats
    ratio = float(gen[:, 0].mean() / real[:, 0].mean())
    assert 0.9 < ratio < 1.1, f"generated/real frame share {ratio:.2f}"


@pytest.mark.skipif(real_shadows_dir() is None, reason="needs ../shared/real-shadows")
def test_bench_prints_the_ratio_line():
    done = subprocess.run([sys.executable, str(_BENCH), "--n", "1"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "gen/real" in out and out.count("\n") >= len(PUPPETS) + 3
