"""Image checks, so hostile or broken uploads cost little and get a clear 4xx.

Order matters: the byte limit is enforced while the body streams in (Starlette's body limit), the
type is sniffed from magic bytes (415), the pixel count is read from the header before anything is
decoded (413: a decompression bomb never gets inflated), truncation and corruption give 422. The
pixels are decoded once, by the contract's `decode_image`, exactly as the app decodes them.
"""

from __future__ import annotations

import io
import warnings

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


def check_and_decode(data: bytes, max_bytes: int, max_pixels: int) -> np.ndarray:
    """Validated image bytes as BGR uint8 (through the contract's `decode_image`)."""
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
    if width * height > max_pixels:
        raise ImageRejected(
            413, f"image is {width}x{height} = {width * height} pixels; the limit is "
            f"{max_pixels} pixels: send a smaller photo"
        )
    # OpenCV decodes a cut-off JPEG into a half-grey picture without complaint; a JPEG must end
    # with its end-of-image marker. (Truncated PNG and WebP fail to decode outright.)
    if kind == "JPEG" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ImageRejected(
            422, "the JPEG image is truncated (no end-of-image marker): the upload was cut off; "
            "send it again"
        )
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageRejected(422, str(exc)) from None
