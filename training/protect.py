"""Make a shadow-photo dataset unlearnable with CUDA (Sadasivan et al., CVPR 2023).

Why: students and teachers may want to share their shadow photos without letting others train
models on them. CUDA convolves every image of a class with the same small random filter (one
filter per class, drawn from a private key). A person still sees the shadow, slightly blurred;
a network trained on the copy learns the filters instead of the shapes and fails on clean photos.

Follows the reference code (vinusankars/Convolution-based-Unlearnability,
``get_filter_unlearnable``): filter values uniform in [0, blur_parameter], one random tap set to
``center_parameter`` (1.0), the same filter on all three channels (``--per-channel`` draws one per
channel), zero padding, and each result divided by its maximum. Filters come from a key-seeded RNG
per class *name*, so a key gives the same filters for train/ and val/ and for any subset of classes.

    python training/protect.py IN_DIR OUT_DIR --key KEY [--blur-param 0.3]

The copy has the same folder layout and file names plus a ``PROTECTED`` marker at its root, which
Ombro's training loader refuses (see ``training/protected.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ombro_contract.errors import ImageDecodeError
from ombro_contract.preprocess import load_image
from training.protected import PROTECTED_MARKER, is_protected, write_marker

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
PREVIEW_NAME = "PROTECTED_preview.png"
SPLIT_NAMES = {"train", "val", "valid", "test"}


@dataclass(frozen=True)
class ProtectSettings:
    """Everything that decides the protected pixels; the key itself is never written anywhere."""

    key: str
    blur_parameter: float = 0.3
    center_parameter: float = 1.0
    kernel_size: int = 3
    per_channel: bool = False

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a protection key must not be empty: pass --key or --key-file")
        if self.blur_parameter <= 0:
            raise ValueError(f"--blur-param must be > 0, got {self.blur_parameter}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"--kernel-size must be a positive odd number, got {self.kernel_size}")

    def public(self) -> dict:
        """Parameters safe to store in the marker (no key)."""
        d = asdict(self)
        d.pop("key")
        return d


@dataclass
class ProtectReport:
    written: int = 0
    classes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    preview: str | None = None


def class_filter(settings: ProtectSettings, class_name: str) -> np.ndarray:
    """(3, k, k) float32 filter for one class, a pure function of (key, class name, settings)."""
    digest = hashlib.sha256(f"cuda|{settings.key}|{class_name}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:16], "little"))
    k = settings.kernel_size
    channels = 3 if settings.per_channel else 1
    filters = []
    for _ in range(channels):
        w = rng.uniform(0.0, settings.blur_parameter, size=(k, k))
        w[rng.integers(k), rng.integers(k)] = settings.center_parameter
        filters.append(w)
    if not settings.per_channel:
        filters = filters * 3
    return np.stack(filters).astype(np.float32)


def apply_filter(bgr: np.ndarray, filt: np.ndarray) -> np.ndarray:
    """Convolve each channel with its filter (zero padding), rescale by the maximum, back to uint8."""
    img = bgr.astype(np.float32) / 255.0
    out = np.empty_like(img)
    for c in range(3):
        out[..., c] = cv2.filter2D(img[..., c], -1, filt[c], borderType=cv2.BORDER_CONSTANT)
    peak = float(out.max())
    if peak > 0:
        out /= peak
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def class_of(rel: Path) -> str | None:
    """The class an image belongs to: its folder, or the folder above a split folder
    (``none/train/x.png`` is class ``none``); None for images lying loose at the root."""
    folders = rel.parts[:-1]
    if not folders:
        return None
    if folders[-1].lower() in SPLIT_NAMES and len(folders) >= 2:
        return folders[-2]
    return folders[-1]


def find_images(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and PROTECTED_MARKER not in p.name
    )


def _write(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 100] if path.suffix.lower() in {".jpg", ".jpeg"} else []
    ok, buf = cv2.imencode(path.suffix.lower(), image, params)
    if not ok:
        raise OSError(f"could not encode {path}")
    path.write_bytes(buf.tobytes())


def _tile(image: np.ndarray, size: int = 112) -> np.ndarray:
    h, w = image.shape[:2]
    scale = size / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    canvas = np.full((size, size, 3), 255, np.uint8)
    y, x = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    return cv2.copyMakeBorder(canvas, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=(200, 200, 200))


def save_preview(pairs: list[tuple[np.ndarray, np.ndarray]], path: Path) -> Path:
    """Before (top row) and after (bottom row), one image per class."""
    top = cv2.hconcat([_tile(before) for before, _ in pairs])
    bottom = cv2.hconcat([_tile(after) for _, after in pairs])
    _write(path, cv2.vconcat([top, bottom]))
    return path


def protect_dataset(
    in_dir: Path, out_dir: Path, settings: ProtectSettings, *,
    overwrite: bool = False, progress: bool = True,
) -> ProtectReport:
    """Write the protected copy. Unreadable images are skipped and listed (never copied as-is:
    an unprotected file in a protected set would defeat the point)."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise FileNotFoundError(f"input folder {in_dir} does not exist")
    if out_dir.resolve() == in_dir.resolve() or in_dir.resolve() in out_dir.resolve().parents:
        raise ValueError(f"OUT_DIR {out_dir} must lie outside IN_DIR {in_dir}: originals stay untouched")
    if is_protected(in_dir):
        raise ValueError(f"{in_dir} is already protected ({PROTECTED_MARKER} marker); protect the originals")
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f"{out_dir} exists and is not empty; choose a new folder or pass --overwrite")
    images = find_images(in_dir)
    if not images:
        raise ValueError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {in_dir}")

    report = ProtectReport()
    filters: dict[str, np.ndarray] = {}
    samples: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for path in tqdm(images, desc="protecting", unit="img", disable=not progress):
        rel = path.relative_to(in_dir)
        class_name = class_of(rel)
        if class_name is None:
            report.skipped.append((str(rel), "not inside a class folder"))
            continue
        try:
            bgr = load_image(path)
        except ImageDecodeError as exc:
            report.skipped.append((str(rel), str(exc)))
            continue
        if class_name not in filters:
            filters[class_name] = class_filter(settings, class_name)
        protected = apply_filter(bgr, filters[class_name])
        _write(out_dir / rel, protected)
        report.written += 1
        samples.setdefault(class_name, (bgr, protected))

    report.classes = sorted(filters)
    if report.written == 0:
        raise ValueError(f"no image under {in_dir} could be protected: {report.skipped[:3]}")
    write_marker(out_dir, method="cuda", key=settings.key,
                 params={**settings.public(), "images": report.written, "skipped": len(report.skipped)})
    report.preview = str(save_preview([samples[c] for c in sorted(samples)], out_dir / PREVIEW_NAME))
    return report


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("in_dir", type=Path, help="ImageFolder-style set: <class>/<image> at any depth")
    p.add_argument("out_dir", type=Path, help="where the protected copy goes (new or empty folder)")
    key = p.add_mutually_exclusive_group(required=True)
    key.add_argument("--key", help="private key; the same key always gives the same copy")
    key.add_argument("--key-file", type=Path, help="read the key from this file (keeps it out of shell history)")
    p.add_argument("--blur-param", type=float, default=0.3, help="filter spread; larger = stronger, blurrier (paper: 0.3)")
    p.add_argument("--kernel-size", type=int, default=3, help="filter size in pixels (paper: 3)")
    p.add_argument("--per-channel", action="store_true", help="a different filter for each colour channel")
    p.add_argument("--overwrite", action="store_true", help="allow a non-empty OUT_DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    key = args.key if args.key is not None else args.key_file.read_text(encoding="utf-8").strip()
    try:
        settings = ProtectSettings(key=key, blur_parameter=args.blur_param,
                                   kernel_size=args.kernel_size, per_channel=args.per_channel)
        report = protect_dataset(args.in_dir, args.out_dir, settings, overwrite=args.overwrite)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"written": report.written, "classes": len(report.classes),
                      "skipped": report.skipped, "preview": report.preview}, indent=2))
    if report.skipped:
        print(f"warning: {len(report.skipped)} file(s) skipped (listed above); they are NOT in the copy",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
