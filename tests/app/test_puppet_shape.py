"""The lesson targets the shape feedback reads from the app's assets (never from the generator)."""

import json
import shutil

import numpy as np
import pytest

from app.lessons import PUPPET_ASSETS
from app.puppet_shape import NEAR, ShapeAssetError, load_puppet_shape
from ombro_contract.labels import PUPPETS


@pytest.mark.parametrize("puppet", PUPPETS)
def test_every_lesson_has_a_target_with_hints(puppet):
    shape = load_puppet_shape(puppet)
    assert shape.hints and "arm" not in shape.hints
    raster = shape.raster((80, 60))
    assert raster.area > 0.03 * 80 * 60  # the puppet fills a fair part of the lesson frame
    fx, fy = 80, 60  # the canvas has one frame of margin on every side
    assert fx < raster.centroid[0] < 2 * fx and fy < raster.centroid[1] < 2 * fy
    labels = shape.raster((160, 120), labelled=True).labels
    parts = {int(v) for v in np.unique(labels) if 0 < v < NEAR}
    near = {int(v) - NEAR for v in np.unique(labels) if v > NEAR}
    hinted = {shape.part_id(p) for p in shape.hints}
    assert hinted <= parts and hinted <= near  # each hinted part has shadow and wall near it


def test_rasters_are_made_once_per_grid():
    shape = load_puppet_shape("dog")
    assert shape.raster((40, 30)) is shape.raster((40, 30))
    assert shape.raster((40, 30)) is not shape.raster((80, 60))


def test_missing_assets_say_how_to_make_them(tmp_path):
    with pytest.raises(ShapeAssetError, match="training/synth.py --assets"):
        load_puppet_shape("dog", tmp_path)
    shutil.copy(PUPPET_ASSETS / "dog_parts.png", tmp_path)
    (tmp_path / "dog_parts.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ShapeAssetError, match="unreadable"):
        load_puppet_shape("dog", tmp_path)
    table = json.loads((PUPPET_ASSETS / "dog_parts.json").read_text(encoding="utf-8"))
    table["hints"]["tail"] = {"missing": "Wag", "extra": None}
    (tmp_path / "dog_parts.json").write_text(json.dumps(table), encoding="utf-8")
    with pytest.raises(ShapeAssetError, match="disagree"):
        load_puppet_shape("dog", tmp_path)


def test_an_unknown_puppet_is_refused():
    with pytest.raises(Exception, match="unicorn"):
        load_puppet_shape("unicorn")
