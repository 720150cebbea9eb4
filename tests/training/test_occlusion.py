"""training/occlusion.py: which cell of a photo holds the model's answer."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training import occlusion
from training.evaluate import onnx_predict

REPO = Path(__file__).resolve().parents[2]
APP_MODEL = REPO / "models" / "mobilenet_v2.int8.onnx"


def shadow_in_top_left(size: int = 120) -> np.ndarray:
    """A white wall with a dark blob inside the top-left cell of a 2x2 grid only."""
    img = np.full((size, size, 3), 255, np.uint8)
    cv2.ellipse(img, (30, 30), (22, 14), 30, 0, 360, (20, 20, 20), -1)
    return img


def test_each_copy_erases_exactly_its_own_cell_with_the_wall_colour():
    img = shadow_in_top_left()
    copies, cells = occlusion.erased_copies(img, 2)
    assert cells == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert (copies[0] == 255).all()  # the shadow's cell painted the wall's colour
    for copy in copies[1:]:
        assert np.array_equal(copy, img)  # cells of bare wall: nothing to erase
    with pytest.raises(ValueError, match="at least 1"):
        occlusion.erased_copies(img, 0)


def test_grid_holds_the_true_puppets_probability_with_each_cell_gone():
    """With a stand-in model whose 'cow' probability is the dark share of the frame, erasing
    the shadow's cell sends p(cow) to zero and erasing bare wall leaves it as it was."""
    cow = PUPPETS.index("cow")

    def predict(images):
        out = np.zeros((len(images), len(PUPPETS)))
        for k, im in enumerate(images):
            out[k, cow] = (im[..., 0] < 128).mean()
            out[k, 0] = 1.0 - out[k, cow]
        return out

    result = occlusion.occlusion(predict, shadow_in_top_left(), cow, grid=2)
    base = result["base"][cow]
    assert base > 0.02
    assert result["grid"][0, 0] == 0.0
    for i, j in [(0, 1), (1, 0), (1, 1)]:
        assert result["grid"][i, j] == pytest.approx(base)
    assert result["top"][0][0] == PUPPETS[0]


def test_the_shipped_model_changes_its_answer_only_where_there_is_shadow():
    predict = onnx_predict(APP_MODEL, threads=1)
    img = shadow_in_top_left()
    result = occlusion.occlusion(predict, img, PUPPETS.index("cow"), grid=2)
    whole = predict([img])[0]
    np.testing.assert_allclose(result["base"], whole, atol=1e-6)
    for i, j in [(0, 1), (1, 0), (1, 1)]:
        assert result["grid"][i, j] == pytest.approx(whole[PUPPETS.index("cow")], abs=1e-6)


def test_cli_prints_a_grid_per_photo_and_draws_them(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("cow", "dog"):
        cv2.imwrite(str(photos / f"{name}.png"), shadow_in_top_left())
    picture = tmp_path / "occ.png"
    code = occlusion.main([str(APP_MODEL), "--photos", str(photos), "--puppets", "cow",
                           "--grid", "3", "--picture", str(picture)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("cow.png: cow ") and "dog.png" not in out
    grid_rows = [line for line in out.splitlines() if line.startswith("   ")]
    assert len(grid_rows) == 3 and all(len(r.split()) == 3 for r in grid_rows)
    assert cv2.imread(str(picture)).shape[0] > 100


@pytest.mark.parametrize("extra, message", [
    (["--puppets", "unicorn"], "unknown puppet"),
    (["--grid", "0"], "at least 1"),
])
def test_cli_bad_arguments_exit_2_with_a_message(tmp_path, capsys, extra, message):
    cv2.imwrite(str(tmp_path / "cow.png"), shadow_in_top_left())
    assert occlusion.main([str(APP_MODEL), "--photos", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err


def test_cli_missing_photos_folder_exits_2_with_a_message(tmp_path, capsys):
    assert occlusion.main([str(APP_MODEL), "--photos", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
