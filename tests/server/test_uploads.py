"""Image checks without HTTP: type sniffing, pixel limits before decoding, truncation, and
reduced decoding of photos far larger than the silhouette."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import DEFAULT_SPEC, decode_image, silhouette
from server.uploads import ImageRejected, check_and_decode, reduction_for, sniff_image_type

MB = 1 << 20


def encode(img, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture
def picture(rng):
    img = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    img[10:50, 20:60] = 15
    return img


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP"])
def test_good_images_decode_like_the_contract(picture, fmt):
    data = encode(picture, fmt)
    assert sniff_image_type(data) == fmt
    np.testing.assert_array_equal(check_and_decode(data, 8 * MB, 10_000), decode_image(data))


@pytest.mark.parametrize(
    "make, status, fragment",
    [
        (lambda p: encode(p, "JPEG")[:-200], 422, "truncated"),
        (lambda p: encode(p, "PNG")[:-40], 422, "decode"),
        (lambda p: encode(p, "PNG")[:30], 422, "header"),
        (lambda p: b"GIF89a" + bytes(100), 415, "unsupported"),
        (lambda p: b"%PDF-1.7 hello", 415, "unsupported"),
        (lambda p: encode(np.zeros((200, 200), np.uint8), "PNG"), 413, "pixels"),
        (lambda p: b"\xff\xd8\xff" + bytes(2 * MB), 413, "bytes"),
    ],
    ids=["cut-jpeg", "cut-png", "png-header-only", "gif", "pdf", "too-many-pixels", "too-many-bytes"],
)
def test_bad_images(picture, make, status, fragment):
    with pytest.raises(ImageRejected) as info:
        check_and_decode(make(picture), MB, 10_000)
    assert info.value.status == status
    assert fragment in info.value.detail


def scene(h: int, w: int) -> np.ndarray:
    """A wall with a hand-shadow blob, at any resolution (same picture, scaled)."""
    img = np.full((h, w, 3), 205, np.uint8)
    yy, xx = np.ogrid[:h, :w]
    img[((yy - h * 0.55) / (h * 0.25)) ** 2 + ((xx - w * 0.45) / (w * 0.2)) ** 2 < 1] = 30
    img[int(h * 0.2):int(h * 0.4), int(w * 0.6):int(w * 0.65)] = 30
    return img


@pytest.mark.parametrize(
    "size, factor",
    [((640, 480), 1), ((1280, 720), 1), ((1280, 960), 2), ((1920, 1080), 2), ((4032, 3024), 4),
     ((3024, 4032), 4), ((5120, 3840), 8), ((100, 8000), 1)],
)
def test_reduction_keeps_twice_the_silhouette(size, factor):
    assert reduction_for(size, (320, 240)) == factor
    assert reduction_for(size, None) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_big_photos_are_decoded_reduced_and_give_the_same_silhouette(fmt):
    photo = encode(scene(3024, 4032), fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    reduced = check_and_decode(photo, 8 * MB, 4096 * 3072, 8192, need=(320, 240))
    assert reduced.shape == (756, 1008, 3)
    full = decode_image(photo)
    agree = (silhouette(reduced, DEFAULT_SPEC) == silhouette(full, DEFAULT_SPEC)).mean()
    assert agree > 0.98


def test_camera_frames_are_decoded_exactly_like_the_app():
    frame = encode(scene(480, 640), "JPEG", quality=85)
    np.testing.assert_array_equal(
        check_and_decode(frame, 8 * MB, 4096 * 3072, 8192, need=(320, 240)), decode_image(frame))


@pytest.mark.parametrize(
    "size, fragment",
    [((6300, 6300), "pixels"), ((9000, 100), "a side")],
    ids=["6300x6300-png", "very-long-side"],
)
def test_images_past_the_phone_caps_are_refused_from_the_header(size, fragment):
    data = encode(np.zeros((size[1], size[0]), np.uint8), "PNG")
    assert len(data) < 200_000  # cheap to send, 40 MP to decode
    with pytest.raises(ImageRejected) as info:
        check_and_decode(data, 8 * MB, 4096 * 3072, 8192, need=(320, 240))
    assert info.value.status == 413 and fragment in info.value.detail


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize("need", [None, (320, 240)], ids=["full", "reduced"])
def test_phone_photos_are_turned_upright_by_their_exif_orientation(orientation, need):
    # Phones store a portrait photo as landscape pixels plus an EXIF Orientation tag; a decoder
    # that ignores the tag hands the network a puppet lying on its side. PIL's exif_transpose
    # is the reference for what the viewer sees, on the full and on the reduced decode.
    from PIL import ImageOps

    stored = scene(1440, 1920)
    stored[:, :200] = 255  # a bright left edge, so every turn and mirror tells apart
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", quality=92, exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as img:
        upright = np.asarray(ImageOps.exif_transpose(img))[:, :, ::-1]
    decoded = check_and_decode(data, 8 * MB, 4096 * 3072, 8192, need=need)
    assert decoded.shape[0] / decoded.shape[1] == pytest.approx(upright.shape[0] / upright.shape[1])
    scaled = cv2.resize(upright, decoded.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(decoded.astype(int) - scaled).mean() < 3
    np.testing.assert_array_equal(decode_image(data).shape, upright.shape)


def jpeg(img: np.ndarray, progressive: bool = False) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90,
                                         cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])
    assert ok
    return buf.tobytes()


# The server's defaults (server/core/config.py): 24 MiB, 12.6 MP, 50.3 MP for baseline JPEGs.
PHONE_LIMITS = {"max_bytes": 24 * MB, "max_pixels": 4096 * 3072, "max_side": 8192,
                "need": (320, 240), "max_jpeg_pixels": 8192 * 6144}


def test_a_48_mp_baseline_jpeg_is_decoded_at_an_eighth_with_the_same_silhouette():
    big = scene(6048, 8064)
    data = jpeg(big)
    reduced = check_and_decode(data, **PHONE_LIMITS)
    assert reduced.shape == (756, 1008, 3)
    full = cv2.resize(decode_image(data), (1008, 756), interpolation=cv2.INTER_AREA)
    agree = (silhouette(reduced, DEFAULT_SPEC) == silhouette(full, DEFAULT_SPEC)).mean()
    assert agree > 0.98


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: jpeg(scene(4284, 5712), progressive=True), "progressive JPEG"),
        (lambda: encode(np.zeros((4284, 5712), np.uint8), "PNG"), "a PNG image"),
    ],
    ids=["24-mp-progressive-jpeg", "24-mp-png"],
)
def test_only_baseline_jpegs_get_the_larger_limit(make, fragment):
    # Progressive JPEGs and the other formats are inflated in full before they are shrunk.
    with pytest.raises(ImageRejected) as info:
        check_and_decode(make(), **PHONE_LIMITS)
    assert info.value.status == 413
    assert fragment in info.value.detail and "a baseline JPEG may have up to" in info.value.detail


def test_baseline_jpegs_past_their_own_limit_or_decoded_in_full_are_refused():
    data = jpeg(np.full((6200, 8192, 3), 200, np.uint8))  # 50.8 MP
    with pytest.raises(ImageRejected) as info:
        check_and_decode(data, **PHONE_LIMITS)
    assert info.value.status == 413 and "50331648 pixels" in info.value.detail
    # Without a target size nothing is decoded reduced, so the common limit holds.
    phone = jpeg(scene(4284, 5712))
    with pytest.raises(ImageRejected):
        check_and_decode(phone, **{**PHONE_LIMITS, "need": None})
    assert check_and_decode(phone, **PHONE_LIMITS).shape == (536, 714, 3)


@pytest.mark.skipif(real_shadows_dir() is None, reason="../shared/real-shadows is absent")
def test_real_photos_as_24_mp_phone_jpegs_get_the_server_models_answers():
    # Train/serve skew on the server's own path: a photo that arrives as a 24 MP JPEG is decoded
    # at an eighth, not as the cards' photos were read. The shipped ResNet34 must answer alike.
    from ombro_contract.classifier import PuppetClassifier
    from ombro_contract.labels import PUPPETS
    from ombro_contract.paths import default_model_path
    from ombro_contract.preprocess import load_image

    clf = PuppetClassifier.from_path(default_model_path("resnet34", "fp32"))
    photos = sorted(real_shadows_dir().glob("*.png"))
    assert len(photos) == 15
    for path in photos:
        img = load_image(path)
        data = jpeg(cv2.resize(img, (5712, 4284), interpolation=cv2.INTER_CUBIC))
        decoded = check_and_decode(data, **PHONE_LIMITS)
        assert decoded.shape == (536, 714, 3)
        want, got = clf.classify(img, top_k=2), clf.classify(decoded, top_k=2)
        true = PUPPETS.index(path.stem)
        assert abs(got.probs[true] - want.probs[true]) < 0.03, path.name
        if want.top_k[0][1] - want.top_k[1][1] > 0.05:  # near ties (the cow) may swap
            assert got.top_k[0][0] == want.top_k[0][0], path.name
