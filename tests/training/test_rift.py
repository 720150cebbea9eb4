"""training/rift.py: the same seed on the same machine gives the same weights.

The shipped app model averages four RiFT seeds (docs/training.md, "A soup of RiFT seeds"); a
soup is only a reproducible recipe if each seed is a fixed draw here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.training.conftest import FAKE_RUN_SPEC
from training import rift

pytestmark = pytest.mark.slow


def run(data: Path, out: Path, seed: int) -> None:
    args = ["--data", str(data), "--input-size", "64", "--epochs", "1", "--finetune-epochs", "1",
            "-b", "8", "--workers", "0", "--no-report", "--no-progress", "--mrc-samples", "4",
            "--mrc-steps", "1", "--pgd-steps", "2", "--eval-pgd-steps", "1", "--alpha-points", "3",
            "--measure-images", "10", "--device", "cpu", "--lighting", FAKE_RUN_SPEC.lighting,
            "--seed", str(seed), "--out", str(out)]
    assert rift.cli(args) == 0


def weights(folder: Path, name: str) -> dict[str, torch.Tensor]:
    return torch.load(folder / name, weights_only=True)["model"]


def test_same_seed_same_weights_other_seed_other_weights(tiny_dataset_shared, tmp_path):
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        run(tiny_dataset_shared, tmp_path / name, seed)
    for f in ("adversarial.pth", "finetuned.pth", "model_best.pth"):
        a, b = weights(tmp_path / "a", f), weights(tmp_path / "b", f)
        assert a.keys() == b.keys()
        for k in a:
            assert torch.equal(a[k], b[k]), f"{f}: {k} differs between two seed-0 runs"
    a, c = weights(tmp_path / "a", "adversarial.pth"), weights(tmp_path / "c", "adversarial.pth")
    assert not torch.equal(a["features.0.0.weight"], c["features.0.0.weight"])
