"""Image checks, so hostile or broken uploads cost little and get a clear 4xx.

Order matters: the byte limit is enforced while the body streams in (Starlette's body limit), the
type is sniffed from magic bytes (415), the size is read from the header before anything is
decoded (413 over the pixel or side limit: a decompression bomb never gets inflated), truncation
and corruption give 422.

Decoding costs memory in proportion to the pixels decoded, and the preprocessing then makes a
float32 copy (12 bytes a pixel), while the model only ever sees a 320x240 silhouette. So an image
at least twice the needed size in both directions is decoded reduced by 2, 4 or 8 (OpenCV's
IMREAD_REDUCED_*: JPEG's DCT scaling decodes straight to the small size; other formats are
decoded and then shrunk), keeping at least 2x the needed resolution. Frames up to twice the
silhouette (the app's 640x480) are decoded in full, by the contract's `decode_image`, exactly as
the app decodes them.

That is also why a baseline JPEG may have more pixels than anything else (`max_jpeg_pixels`):
phones save 24-50 MP photos (iPhone 15 Pro and later: 24 MP by default), and the DCT scaling
decodes a 48 MP one to 1/8 with a few MiB (measured: +9 MiB, against +284 MiB in full). A
progressive JPEG must hold every DCT coefficient of the full image while it decodes (+146 MiB for
48 MP), so it gets the other formats' limit.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image

from ombro_contract.errors import ImageDecodeError
from ombro_contract.preprocess import decode_image

MAGIC = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"BM": "BMP",
}


class ImageRejected(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def sniff_image_type(data: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# Reduction factor -> OpenCV flag (colour, EXIF orientation applied like IMREAD_COLOR).
REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                 8: cv2.IMREAD_REDUCED_COLOR_8}


def reduction_for(size: tuple[int, int], need: tuple[int, int] | None) -> int:
    """The largest of 1, 2, 4, 8 that keeps the image at least twice `need` (orientation-free)."""
    if need is None:
        return 1
    (short, long), (need_short, need_long) = sorted(size), sorted(need)
    for factor in (8, 4, 2):
        if short // factor >= 2 * need_short and long // factor >= 2 * need_long:
            return factor
    return 1


def check_and_decode(
    data: bytes,
    max_bytes: int,
    max_pixels: int,
    max_side: int | None = None,
    need: tuple[int, int] | None = None,
    max_jpeg_pixels: int | None = None,
) -> np.ndarray:
    """Validated image bytes as BGR uint8, decoded reduced when far larger than `need` (w, h).

    `max_jpeg_pixels` (larger than `max_pixels`) applies to baseline JPEGs when `need` is given,
    that is when the image will be decoded reduced; every other image is held to `max_pixels`."""
    if len(data) > max_bytes:
        raise ImageRejected(413, f"image is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data:
        raise ImageRejected(422, "the image is empty: send a JPEG or PNG file")
    kind = sniff_image_type(data)
    if kind is None:
        raise ImageRejected(415, "unsupported image type: send a JPEG, PNG, WebP or BMP file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:  # reads the header only
                width, height = img.size
                progressive = bool(img.info.get("progressive") or img.info.get("progression"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            413, f"image rejected as a decompression bomb ({exc}); the limit is {max_pixels} "
            "pixels: send a smaller photo"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(
            422, f"the {kind} image header could not be read ({str(exc)[:160]}): the file is "
            "corrupt; take the photo again"
        ) from None
    limit = max_pixels
    if kind == "JPEG" and max_jpeg_pixels and need is not None:
        limit = max_pixels if progressive else max(max_pixels, max_jpeg_pixels)
    if width * height > limit or (max_side and max(width, height) > max_side):
        what = "a progressive JPEG" if kind == "JPEG" and progressive else f"a {kind} image"
        hint = (f" (a baseline JPEG may have up to {max_jpeg_pixels} pixels)"
                if max_jpeg_pixels and need is not None and limit < max_jpeg_pixels else "")
        raise ImageRejected(
            413, f"{what} of {width}x{height} = {width * height} pixels; the limit is "
            f"{limit} pixels{hint}" + (f" and {max_side} pixels a side" if max_side else "")
            + ": send a smaller photo, or the camera's JPEG as it was taken"
        )
    # OpenCV decodes a cut-off JPEG into a half-grey picture without complaint; a JPEG must end
    # with its end-of-image marker. (Truncated PNG and WebP fail to decode outright.)
    if kind == "JPEG" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ImageRejected(
            422, "the JPEG image is truncated (no end-of-image marker): the upload was cut off; "
            "send it again"
        )
    factor = reduction_for((width, height), need)
    try:
        if factor == 1:
            return decode_image(data)
        image = cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_FLAGS[factor])
    except ImageDecodeError as exc:
        raise ImageRejected(422, str(exc)) from None
    except cv2.error as exc:
        raise ImageRejected(422, f"the {kind} image could not be decoded ({str(exc)[:120]})") from None
    if image is None:
        raise ImageRejected(
            422, f"could not decode the {kind} image: the file is corrupt or truncated"
        )
    return image
