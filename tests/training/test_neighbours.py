"""training/neighbours.py: the generated frames a model finds most like each photo."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training import neighbours

from .conftest import draw_shadow

REPO = Path(__file__).resolve().parents[2]
APP_MODEL = REPO / "models" / "mobilenet_v2.int8.onnx"
PUPPETS_USED = PUPPETS  # labelled_images wants every class folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    """A generated pool in class folders (4 frames a puppet) and photos that are copies of the
    first frame of each puppet, so each photo's nearest frame is known."""
    root = tmp_path_factory.mktemp("nn")
    pool, photos = root / "train", root / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for label, name in enumerate(PUPPETS_USED):
        (pool / name).mkdir(parents=True)
        for i in range(4):
            cv2.imwrite(str(pool / name / f"{i}.png"), draw_shadow(label, rng, 96))
        shutil.copy(pool / name / "0.png", photos / f"{name}.png")
    return pool, photos


def test_each_photo_finds_its_own_copy_first_and_neighbours_are_sorted(folders):
    pool, photos = folders
    results = neighbours.nearest(APP_MODEL, photos, pool, k=4)
    assert [r["puppet"] for r in results] == list(PUPPETS_USED)
    for r in results:
        near = r["neighbours"]
        assert near[0]["path"] == pool / r["puppet"] / "0.png"
        assert near[0]["cosine"] == pytest.approx(1.0, abs=1e-4)
        cosines = [x["cosine"] for x in near]
        assert cosines == sorted(cosines, reverse=True) and len(near) == 4
        assert sum(r["counts"].values()) == 4 and r["counts"][r["puppet"]] >= 1


def test_n_draws_that_many_frames_from_the_pool(folders):
    pool, photos = folders
    results = neighbours.nearest(APP_MODEL, photos, pool, n=3, k=10)
    seen = {x["path"] for r in results for x in r["neighbours"]}
    assert len(seen) == 3 and all(len(r["neighbours"]) == 3 for r in results)
    with pytest.raises(ValueError, match="at least 1"):
        neighbours.nearest(APP_MODEL, photos, pool, k=0)


def test_cli_prints_one_row_per_photo_and_draws_them(folders, tmp_path, capsys):
    pool, photos = folders
    picture = tmp_path / "nn.png"
    code = neighbours.main([str(APP_MODEL), "--data", str(pool), "--photos", str(photos),
                            "--k", "3", "--picture", str(picture)])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line for line in out.splitlines() if line.split(" ")[0].endswith(".png")]
    assert [r.split()[0] for r in rows] == [f"{p}.png" for p in PUPPETS_USED]
    assert all(r.split()[2] == "1.00" for r in rows)  # the copy itself, cosine 1
    image = cv2.imread(str(picture))
    assert image.shape[0] == 96 * len(PUPPETS_USED)


def test_cli_missing_data_folder_exits_2_with_a_message(tmp_path, capsys):
    code = neighbours.main([str(APP_MODEL), "--data", str(tmp_path / "nope"),
                            "--photos", str(tmp_path)])
    assert code == 2
    assert "is not a folder" in capsys.readouterr().err


def test_frames_the_generator_did_not_make_get_no_form(folders):
    pool, photos = folders
    results = neighbours.nearest(APP_MODEL, photos, pool, k=2)
    assert all(x["form"] is None for r in results for x in r["neighbours"])
    assert not any(r["forms"] for r in results)
    assert "forms:" not in neighbours.format_report(results)
