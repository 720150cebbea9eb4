import json

import cv2
import numpy as np
import pytest

from training.protect import (
    PREVIEW_NAME,
    ProtectSettings,
    apply_filter,
    class_filter,
    main,
    protect_dataset,
)
from training.protected import PROTECTED_MARKER, ProtectedDatasetError, ensure_not_protected


def _shadow(seed: int, size: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 230, np.uint8)
    cx, cy = rng.integers(10, size - 10, 2)
    cv2.circle(img, (int(cx), int(cy)), int(rng.integers(4, 9)), (40, 40, 40), -1)
    return img


@pytest.fixture
def image_folder(tmp_path):
    root = tmp_path / "clean"
    for split in ("train", "val"):
        for c, name in enumerate(("bird", "dog", "swan")):
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(2):
                cv2.imwrite(str(d / f"{i}.png"), _shadow(100 * c + i + (50 if split == "val" else 0)))
    return root


def _pixels(root):
    return {p.relative_to(root).as_posix(): cv2.imread(str(p)) for p in sorted(root.rglob("*.png"))
            if p.name != PREVIEW_NAME}


def test_filters_are_deterministic_per_key_and_differ_across_keys_and_classes():
    a = ProtectSettings(key="alpha")
    assert np.array_equal(class_filter(a, "bird"), class_filter(ProtectSettings(key="alpha"), "bird"))
    assert not np.array_equal(class_filter(a, "bird"), class_filter(ProtectSettings(key="beta"), "bird"))
    assert not np.array_equal(class_filter(a, "bird"), class_filter(a, "dog"))
    f = class_filter(a, "bird")
    assert f.shape == (3, 3, 3) and np.array_equal(f[0], f[1]) and np.array_equal(f[1], f[2])
    assert f.min() >= 0 and f.max() == pytest.approx(1.0)
    assert (f[0] < 0.3 + 1e-6).sum() == 8  # every tap but the centre one is within blur_parameter
    per = class_filter(ProtectSettings(key="alpha", per_channel=True), "bird")
    assert not np.array_equal(per[0], per[1])


def test_protect_is_deterministic_per_key(image_folder, tmp_path):
    s = ProtectSettings(key="secret")
    protect_dataset(image_folder, tmp_path / "p1", s, progress=False)
    protect_dataset(image_folder, tmp_path / "p2", s, progress=False)
    protect_dataset(image_folder, tmp_path / "p3", ProtectSettings(key="other"), progress=False)
    one, two, three = _pixels(tmp_path / "p1"), _pixels(tmp_path / "p2"), _pixels(tmp_path / "p3")
    assert one.keys() == two.keys() == three.keys() == _pixels(image_folder).keys()
    assert all(np.array_equal(one[k], two[k]) for k in one)
    assert sum(not np.array_equal(one[k], three[k]) for k in one) == len(one)


def test_protected_copy_changes_pixels_but_stays_recognisable(image_folder, tmp_path):
    report = protect_dataset(image_folder, tmp_path / "p", ProtectSettings(key="k"), progress=False)
    assert report.written == 12 and report.classes == ["bird", "dog", "swan"] and not report.skipped
    clean, prot = _pixels(image_folder), _pixels(tmp_path / "p")
    for k in clean:
        diff = np.abs(clean[k].astype(int) - prot[k].astype(int))
        assert diff.max() > 0
        # the shadow is still where it was: dark pixels of the original stay darker than the wall
        dark = clean[k][..., 0] < 100
        assert prot[k][..., 0][dark].mean() < prot[k][..., 0][~dark].mean() - 60
    assert (tmp_path / "p" / PREVIEW_NAME).read_bytes()[:4] == b"\x89PNG"


def test_marker_written_without_key_and_loader_refuses(image_folder, tmp_path):
    out = tmp_path / "p"
    protect_dataset(image_folder, out, ProtectSettings(key="hunter2"), progress=False)
    marker = (out / PROTECTED_MARKER).read_text()
    assert "hunter2" not in marker
    assert json.loads(marker)["method"] == "cuda"
    with pytest.raises(ProtectedDatasetError, match="--allow-protected"):
        ensure_not_protected(out)


def test_training_loader_refuses_protected_folder(image_folder, tmp_path):
    data = pytest.importorskip("training.data")
    out = tmp_path / "p"
    protect_dataset(image_folder, out, ProtectSettings(key="k"), progress=False)
    with pytest.raises(ProtectedDatasetError):
        data.check_dataset_root(out)
    data.check_dataset_root(out, allow_protected=True)
    data.check_dataset_root(image_folder)


def test_bad_input_is_reported_and_originals_untouched(image_folder, tmp_path):
    (image_folder / "train" / "dog" / "broken.png").write_bytes(b"not a png")
    before = _pixels(image_folder)
    report = protect_dataset(image_folder, tmp_path / "p", ProtectSettings(key="k"), progress=False)
    assert [s[0] for s in report.skipped] == ["train/dog/broken.png"]
    assert not (tmp_path / "p" / "train" / "dog" / "broken.png").exists()
    after = _pixels(image_folder)
    assert all(np.array_equal(before[k], after[k]) for k in before if before[k] is not None)
    with pytest.raises(FileExistsError):
        protect_dataset(image_folder, tmp_path / "p", ProtectSettings(key="k"), progress=False)
    with pytest.raises(ValueError, match="outside"):
        protect_dataset(image_folder, image_folder / "out", ProtectSettings(key="k"), progress=False)
    with pytest.raises(ValueError, match="already protected"):
        protect_dataset(tmp_path / "p", tmp_path / "pp", ProtectSettings(key="k"), progress=False)


def test_cli_one_command(image_folder, tmp_path, capsys):
    assert main([str(image_folder), str(tmp_path / "cli"), "--key", "k", "--blur-param", "0.5"]) == 0
    assert json.loads(capsys.readouterr().out)["written"] == 12
    assert main([str(image_folder), str(tmp_path / "bad"), "--key", "k", "--blur-param", "-1"]) == 2
    assert "blur-param" in capsys.readouterr().err


def test_class_of_follows_imagefolder_layouts():
    from pathlib import Path

    from training.protect import class_of

    assert class_of(Path("train/bird/1.png")) == "bird"
    assert class_of(Path("bird/1.png")) == "bird"
    assert class_of(Path("none/train/1.png")) == "none"
    assert class_of(Path("sheet.png")) is None


def test_apply_filter_identity_kernel_keeps_image():
    img = _shadow(3)
    ident = np.zeros((3, 3, 3), np.float32)
    ident[:, 1, 1] = 1.0
    out = apply_filter(img, ident)
    # identity filter + rescale by max: same picture up to the brightness normalisation
    expected = np.clip(np.rint(img / img.max() * 255), 0, 255).astype(np.uint8)
    assert np.array_equal(out, expected)
