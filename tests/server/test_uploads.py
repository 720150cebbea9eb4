"""Image checks without HTTP: type sniffing, pixel limits before decoding, truncation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ombro_contract.preprocess import decode_image
from server.uploads import ImageRejected, check_and_decode, sniff_image_type

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
