"""Lesson pictures: written for all 15 puppets, and the committed copies the app ships."""

from pathlib import Path

import cv2
import pytest

from ombro_contract.labels import PUPPETS
from training.synth import write_reference_assets

REPO = Path(__file__).resolve().parents[2]


def test_write_reference_assets_gives_two_pictures_per_puppet(tmp_path):
    paths = write_reference_assets(tmp_path)
    assert len(paths) == 2 * len(PUPPETS)
    for puppet in PUPPETS:
        sil = cv2.imread(str(tmp_path / f"{puppet}_silhouette.png"), cv2.IMREAD_GRAYSCALE)
        dark = (sil < 128).mean()
        assert 0.05 < dark < 0.7, f"{puppet} silhouette dark fraction {dark:.2f}"
        howto = cv2.imread(str(tmp_path / f"{puppet}_howto.png"))
        # Drawn hands are skin-coloured, not just a grey shadow.
        b, _g, r = (howto[..., i].astype(int) for i in range(3))
        assert ((r - b) > 40).mean() > 0.03, f"{puppet} how-to shows no drawn hand"


def test_docs_pictures_are_small_enough_for_git(tmp_path):
    from training.synth import write_docs_pictures

    sheet, overview, forms = write_docs_pictures(tmp_path)
    assert all(p.stat().st_size < 600_000 for p in (sheet, overview, forms))
    img = cv2.imread(str(sheet))
    assert img.shape[0] == 16 * 84  # 15 puppets and the none row
    assert cv2.imread(str(forms)).shape[0] == 15 * 120  # one row of forms per puppet


@pytest.mark.parametrize("puppet", PUPPETS)
def test_committed_app_assets_exist(puppet):
    folder = REPO / "app" / "assets" / "puppets"
    for suffix in ("silhouette", "howto"):
        path = folder / f"{puppet}_{suffix}.png"
        assert path.is_file(), f"missing {path}: run training/synth.py --assets {folder}"
        assert cv2.imread(str(path)) is not None
