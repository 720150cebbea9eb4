"""The default dataset is generated once and reused only while its manifest matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from training import synth_data
from training.config import TrainConfig
from training.data import scan_split
from training.utils import DistInfo


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(synth_data, "REPO_ROOT", tmp_path)
    return tmp_path


def test_generated_once_then_reused(data_home: Path, capsys):
    cfg = TrainConfig(synth_per_class=3, synth_size=64, workers=0, seed=5)
    root = synth_data.ensure_synth_dataset(cfg, DistInfo())
    assert root.parent == data_home / "data" and "-s5-n3-px64" in root.name
    assert "generating" in capsys.readouterr().out
    assert len(scan_split(root / "train", progress=False).samples) > 0  # a loadable layout
    stamp = (root / synth_data.MANIFEST).stat().st_mtime_ns

    assert synth_data.ensure_synth_dataset(cfg, DistInfo()) == root
    assert "reusing" in capsys.readouterr().out
    assert (root / synth_data.MANIFEST).stat().st_mtime_ns == stamp


def test_incomplete_folder_is_regenerated(data_home: Path, capsys):
    cfg = TrainConfig(synth_per_class=3, synth_size=64, workers=0)
    root = synth_data.ensure_synth_dataset(cfg, DistInfo())
    (root / synth_data.MANIFEST).unlink()  # as if generation had been killed
    capsys.readouterr()
    synth_data.ensure_synth_dataset(cfg, DistInfo())
    assert "generating" in capsys.readouterr().out
    assert (root / synth_data.MANIFEST).is_file()
