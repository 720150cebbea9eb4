"""Image checks, so hostile or broken uploads cost little and get a clear 4xx.

Order matters: the byte limit is enforced while the body streams in (FastAPI's `max_body_size`), the
type is sniffed from magic bytes (415), the pixel count is read from the header before anything is
decoded (413: a decompression bomb never gets inflated), and a full decode catches truncation (422).
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
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        413, f"image is {width}x{height} = {width * height} pixels; the limit is "
                        f"{max_pixels} pixels: send a smaller photo"
                    )
                img.load()  # full decode: truncated or corrupt data fails here
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            413, f"image rejected as a decompression bomb ({exc}); the limit is {max_pixels} "
            "pixels: send a smaller photo"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(
            422, f"the {kind} image could not be decoded ({str(exc)[:160]}); it is corrupt or "
            "truncated: take the photo again"
        ) from None
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageRejected(422, str(exc)) from None
