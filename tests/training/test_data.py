"""Bad --data folders must fail loudly or skip-and-report; labels always follow the contract."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training.data import DatasetError, check_dataset_root, class_folders, scan_split
from training.protected import ProtectedDatasetError, write_marker
from training.train import cli


def test_labels_follow_contract_order_not_folder_names(tiny_dataset: Path):
    # Capitalised folders sort differently from the contract order ("Swan" < "bird" in ASCII);
    # the labels must still be the contract's indices.
    train = tiny_dataset / "train"
    for name in ("swan", "bird"):
        (train / name).rename(train / name.capitalize())
    scan = scan_split(train, progress=False)
    by_folder = {p.parent.name.lower(): label for p, label in scan.samples}
    assert by_folder == {name: i for i, name in enumerate(PUPPETS)}


def test_missing_data_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(DatasetError, match="does not exist"):
        check_dataset_root(tmp_path / "nope")


def test_empty_dataset_folder_names_the_expected_layout(tmp_path: Path):
    with pytest.raises(DatasetError, match="train/ and val/"):
        class_folders(tmp_path / "train")
    (tmp_path / "train").mkdir()
    with pytest.raises(DatasetError, match="no puppet class folders"):
        class_folders(tmp_path / "train")


def test_classes_that_differ_from_the_contract_are_refused(tiny_dataset: Path):
    train = tiny_dataset / "train"
    shutil.rmtree(train / "llama")
    (train / "bat").mkdir()
    with pytest.raises(DatasetError) as err:
        class_folders(train)
    assert "llama" in str(err.value) and "bat" in str(err.value)


def test_class_folder_with_no_images_is_refused(tiny_dataset: Path):
    for f in (tiny_dataset / "val" / "crab").iterdir():
        f.unlink()
    with pytest.raises(DatasetError, match="no readable images for crab"):
        scan_split(tiny_dataset / "val", progress=False)


def test_corrupt_images_are_skipped_and_reported(tiny_dataset: Path):
    bad = tiny_dataset / "train" / "dog" / "dog_0.png"
    bad.write_bytes(b"\x89PNG not really")
    (tiny_dataset / "train" / "dog" / "notes.txt").write_text("ignored: not an image")
    scan = scan_split(tiny_dataset / "train", progress=False, max_bad_fraction=0.5)
    assert [p for p, _ in scan.bad_files] == [bad]
    assert bad not in {p for p, _ in scan.samples}
    assert len(scan.samples) == 15 * 4 - 1
    assert scan.report()["bad_files"][0]["path"] == str(bad)
    with pytest.raises(DatasetError, match="unreadable"):
        scan_split(tiny_dataset / "train", progress=False, max_bad_fraction=0.0)


def test_cache_keeps_decoded_rgb_only_within_budget(tiny_dataset: Path):
    cached = scan_split(tiny_dataset / "val", cache_mb=64, progress=False)
    assert cached.cache is not None and len(cached.cache) == len(cached.samples)
    assert cached.cache[0].shape == (64, 64, 3) and cached.cache[0].dtype == np.uint8
    assert scan_split(tiny_dataset / "val", cache_mb=0.001, progress=False).cache is None


def test_protected_dataset_is_refused_unless_allowed(tiny_dataset: Path):
    write_marker(tiny_dataset, method="test", key="k")
    with pytest.raises(ProtectedDatasetError, match="PROTECTED"):
        check_dataset_root(tiny_dataset)
    check_dataset_root(tiny_dataset, allow_protected=True)


def test_train_cli_reports_bad_data_without_training(tiny_dataset: Path, tmp_path: Path, capsys):
    shutil.rmtree(tiny_dataset / "train" / "snail")
    rc = cli(["--data", str(tiny_dataset), "--out", str(tmp_path / "run"), "--epochs", "1",
              "--no-progress", "--workers", "0"])
    assert rc == 2
    assert "missing: ['snail']" in capsys.readouterr().err
    assert not (tmp_path / "run" / "checkpoint.pth").exists()


def test_train_cli_refuses_a_protected_dataset(tiny_dataset: Path, tmp_path: Path, capsys):
    write_marker(tiny_dataset, method="test", key="k")
    rc = cli(["--data", str(tiny_dataset), "--out", str(tmp_path / "run"), "--epochs", "1",
              "--no-progress", "--workers", "0"])
    assert rc == 2
    assert "--allow-protected" in capsys.readouterr().err
