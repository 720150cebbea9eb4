"""Dataset layout, manifest and byte-for-byte determinism of training/synth.py."""

import json

import pytest

from ombro_contract.labels import PUPPETS
from training.synth import GENERATOR_VERSION, generate_dataset


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.png"))}


def test_layout_and_manifest_counts(tiny_dataset):
    out, manifest = tiny_dataset
    assert manifest == json.loads((out / "manifest.json").read_text())
    assert manifest["generator_version"] == GENERATOR_VERSION
    assert manifest["seed"] == 11
    assert manifest["classes"] == list(PUPPETS)
    for split, expected in (("train", 2), ("val", 1)):
        assert sorted(p.name for p in (out / split).iterdir()) == sorted(PUPPETS)
        for puppet in PUPPETS:
            pngs = list((out / split / puppet).glob("*.png"))
            assert len(pngs) == expected == manifest["counts"][split][puppet]
    assert manifest["counts"]["none"] == {"train": 2, "val": 1}
    assert (out / "contact_sheet.png").stat().st_size > 1000


def test_none_frames_stay_out_of_the_class_folders(tiny_dataset):
    out, _ = tiny_dataset
    for split in ("train", "val"):
        assert "none" not in {p.name for p in (out / split).iterdir()}
        assert not list((out / split).rglob("none_*.png"))
    assert len(list((out / "none").rglob("none_*.png"))) == 3


def test_every_image_has_a_part_map_of_its_size(tiny_dataset):
    import cv2
    import numpy as np

    from training.shadowgen.parts import PARTS
    from training.synth import load_truth, truth_path

    out, manifest = tiny_dataset
    assert manifest["parts"] == list(PARTS)
    images = [p for p in out.rglob("*.png") if "truth" not in p.parts and p.name != "contact_sheet.png"]
    assert len(images) == 15 * 3 + 3
    seen_parts = set()
    for image in images:
        labels, visible = load_truth(truth_path(out, image))
        assert labels.shape == cv2.imread(str(image)).shape[:2]
        assert visible.dtype == bool and (labels[visible] > 0).all() and (labels[~visible] == 0).all()
        seen_parts |= set(np.unique(labels).tolist())
    # the maps name real animal parts, not just "shadow"
    assert {PARTS.index("ears"), PARTS.index("head")} <= seen_parts


def test_frames_are_4_by_3_at_the_requested_long_side(tiny_dataset):
    import cv2

    out, manifest = tiny_dataset
    img = cv2.imread(str(out / "train" / "dog" / "dog_00000.png"))
    assert img.shape == (48, 64, 3)
    assert manifest["frame"] == {"width": 64, "height": 48, "format": "png", "color": "bgr8"}


def test_same_seed_gives_identical_bytes_regardless_of_workers(tmp_path, tiny_dataset):
    first, _ = tiny_dataset
    second = tmp_path / "again"
    generate_dataset(second, per_class=3, seed=11, size=64, val_fraction=0.34, workers=2,
                     progress=False)
    a, b = _files(first), _files(second)
    # images and none frames, each with its part map, and the contact sheet
    assert len(a) == 2 * (15 * 3 + 3) + 1
    assert a == b
    assert (first / "manifest.json").read_bytes() == (second / "manifest.json").read_bytes()


def test_different_seeds_differ(tmp_path, tiny_dataset):
    first, _ = tiny_dataset
    other = tmp_path / "other"
    generate_dataset(other, per_class=3, seed=12, size=64, val_fraction=0.34, workers=1,
                     progress=False, include_none=False)
    a, b = _files(first), _files(other)
    shared = [k for k in b if k.startswith(("train/", "val/"))]
    assert len(shared) == 45
    assert all(a[k] != b[k] for k in shared)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"per_class": -5}, "per_class"),
        ({"per_class": 0}, "per_class"),
        ({"per_class": 2, "size": 8}, "size"),
        ({"per_class": 2, "val_fraction": 1.5}, "val_fraction"),
        ({"per_class": 2, "classes": ["dog", "unicorn"]}, "unicorn"),
    ],
)
def test_bad_arguments_raise_before_writing(tmp_path, kwargs, message):
    from ombro_contract.errors import OmbroError

    out = tmp_path / "never"
    with pytest.raises(OmbroError, match=message):
        generate_dataset(out, progress=False, **kwargs)
    assert not out.exists()


def test_existing_dataset_is_refused_unless_overwrite(tmp_path):
    from ombro_contract.errors import OmbroError

    out = tmp_path / "ds"
    generate_dataset(out, per_class=2, seed=1, size=48, workers=1, progress=False,
                     classes=["dog", "cow"], include_none=False)
    keep = out / "notes.txt"
    keep.write_text("mine")
    before = _files(out)
    with pytest.raises(OmbroError, match="already holds a generated dataset"):
        generate_dataset(out, per_class=1, seed=2, size=48, workers=1, progress=False)
    assert _files(out) == before  # nothing lost
    manifest = generate_dataset(out, per_class=1, seed=2, size=48, workers=1, progress=False,
                                classes=["swan"], include_none=False, overwrite=True)
    assert manifest["classes"] == ["swan"]
    assert sorted(p.name for p in (out / "train").iterdir()) == ["swan"]  # old classes gone
    assert keep.read_text() == "mine"  # files the generator did not write are left alone


def test_each_image_names_the_form_it_shows_by_rendering_it_again(tiny_dataset, tmp_path):
    """`generated_form`: what neighbours.py prints beside each generated frame."""
    import shutil

    import cv2

    from training.shadowgen.poses import FORMS
    from training.synth import generated_form

    out, _ = tiny_dataset
    seen = {}
    for image in sorted(out.glob("*/*/*.png")):
        if image.parts[-3] not in ("train", "val"):
            continue
        puppet, form = generated_form(image)
        assert puppet == image.parent.name and 1 <= form <= len(FORMS[puppet])
        seen.setdefault(puppet, set()).add(form)
    assert len(seen) == 15
    assert any(len(forms) > 1 for forms in seen.values())  # not one fixed answer
    # no answer rather than a guess: a 'none' frame, a changed file, a file outside a dataset
    assert generated_form(next((out / "none" / "train").glob("*.png"))) is None
    copy = tmp_path / "copy" / "train" / "dog"
    shutil.copytree(out / "train" / "dog", copy)
    shutil.copy(out / "manifest.json", tmp_path / "copy" / "manifest.json")
    first = min(copy.glob("*.png"))
    assert generated_form(first) is not None
    img = cv2.imread(str(first))
    img[0, 0] = 255 - img[0, 0]
    cv2.imwrite(str(first), img)
    assert generated_form(first) is None
    loose = tmp_path / "dog_00000.png"
    shutil.copy(out / "train" / "dog" / "dog_00000.png", loose)
    assert generated_form(loose) is None
