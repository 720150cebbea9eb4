"""The default dataset is generated once and reused only while its manifest matches."""

from __future__ import annotations

import shutil
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


def test_a_run_from_another_machine_gets_its_generated_data_made_again_here(data_home: Path, tmp_path: Path,
                                                                              capsys):
    # a run trained on a lent GPU records that machine's path; the same images are made here
    here = synth_data.ensure_synth_dataset(TrainConfig(synth_per_class=3, synth_size=64, workers=0, seed=2),
                                           DistInfo())
    files = sorted(p.relative_to(here) for p in here.rglob("*.png"))
    first = (here / files[0]).read_bytes()
    shutil.rmtree(here)
    elsewhere = Path("/nonexistent/gpu-box/data") / here.name
    capsys.readouterr()
    root = synth_data.run_data_root(elsewhere, workers=0)
    assert root == here and f"{elsewhere} is not here" in capsys.readouterr().out
    assert sorted(p.relative_to(root) for p in root.rglob("*.png")) == files
    assert (root / files[0]).read_bytes() == first  # deterministic per seed: the same pixels
    # a folder that is here is used as it is, whatever its name
    assert synth_data.run_data_root(root) == root


def test_data_that_cannot_be_made_again_is_named(data_home: Path):
    from training.data import DatasetError

    hasper = Path("/nonexistent/hasper")
    assert synth_data.run_data_root(hasper) == hasper  # not generated: the caller's check explains
    other = Path("/nonexistent/data/synth-v0.1.0-s0-n1000")
    with pytest.raises(DatasetError, match=r"generator 0\.1\.0 .*docs/trials"):
        synth_data.run_data_root(other)


def test_cards_call_a_generated_folder_generated_however_the_run_found_it(data_home: Path, tmp_path: Path):
    """`--data data/synth-...` (a fine-tune on the default frames) and the default run describe
    the same folder alike; a folder the generator did not write is named as a folder."""
    cfg = TrainConfig(synth_per_class=3, synth_size=64, workers=0, seed=5)
    root = synth_data.ensure_synth_dataset(cfg, DistInfo())
    assert synth_data.describe_dataset(root) == f"generated shadows {root.name}"
    assert synth_data.describe_dataset(str(root)) == f"generated shadows {root.name}"

    photos = tmp_path / "hasper"
    shutil.copytree(root, photos)
    (photos / synth_data.MANIFEST).unlink()
    assert synth_data.describe_dataset(photos) == f"folder {photos}"
    (photos / synth_data.MANIFEST).write_text("not json")
    assert synth_data.describe_dataset(photos) == f"folder {photos}"
