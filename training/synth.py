"""Procedural hand-shadow images of the 15 HaSPeR puppets (and 'none' frames).

HaSPeR cannot be downloaded here, yet training, tests, the demo camera and the lessons all need
hand-shadow images. This renders them from posed hand models (`training/shadowgen/poses.py`)
and writes the HaSPeR folder layout, so the training loader reads generated and real data alike:

    DIR/train/<puppet>/*.png   DIR/val/<puppet>/*.png   (15 classes, ImageFolder-ready)
    DIR/none/train/*.png       DIR/none/val/*.png       (no puppet; kept out of train/ and val/)
    DIR/truth/<split>/<puppet>/*.png                        (part map of each image, see below)
    DIR/manifest.json          DIR/contact_sheet.png

Each image's part map (same name, under truth/) is a uint8 PNG holding, per pixel, the id of
the animal part whose shadow falls there (`training/shadowgen/parts.py`: 0 no shadow, then arm,
head, body, ears, ...), and 255 where a shadow falls but no light reaches it to show it
(outside a spotlight's disc). `load_truth` reads one back as (part ids, visible shadow mask).

Usage:
    python training/synth.py --out data/synth --per-class 200 --seed 0 --size 224
    python training/synth.py --assets app/assets/puppets     # lesson pictures only
    python training/synth.py --docs docs/img                 # README contact sheet + poses

Every image's randomness comes from (seed, split, class, index) alone, so the same seed gives
byte-identical files however many worker processes run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

if __package__ in (None, ""):  # run as a script: make `training` and `ombro_contract` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS, puppet_index
from training.shadowgen.assets import (
    write_contact_sheet,
    write_forms_grid,
    write_forms_sheet,
    write_overview,
    write_reference_assets,
)
from training.shadowgen.parts import PARTS
from training.shadowgen.render import frame_size, render_clip_frames, render_photo, render_sample

GENERATOR_VERSION = "3.8.2"
SPLITS = ("train", "val")
NONE_DIR = "none"
TRUTH_DIR = "truth"
UNSEEN = 255  # part-map value: shadow that no light reaches, so nobody can see it
_NONE_ID = len(PUPPETS)  # the 'none' set's class id in seeds; never a model output
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]

__all__ = [
    "GENERATOR_VERSION", "ShadowRenderer", "SynthConfigError", "SynthSettings", "generate_dataset",
    "render_clip", "write_contact_sheet", "write_docs_pictures", "write_forms_sheet",
    "write_overview",
    "write_reference_assets",
]


class SynthConfigError(OmbroError, ValueError):
    """Bad generator arguments; the message says which and what is allowed."""


@dataclass(frozen=True)
class SynthSettings:
    """Everything that decides a generated dataset; stored in its manifest."""

    out_dir: str
    per_class: int
    seed: int = 0
    size: int = 224
    val_fraction: float = 0.2
    workers: int | None = None
    include_none: bool = True
    classes: tuple[str, ...] = PUPPETS

    def __post_init__(self) -> None:
        if isinstance(self.per_class, bool) or not isinstance(self.per_class, int | np.integer):
            raise SynthConfigError(f"per_class must be a whole number, got {self.per_class!r}")
        if self.per_class < 1:
            raise SynthConfigError(
                f"per_class must be at least 1 (images per puppet), got {self.per_class}")
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise SynthConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 32 <= int(self.size) <= 4096:
            raise SynthConfigError(f"size is the long side in pixels, 32 to 4096; got {self.size}")
        if not 0.0 <= float(self.val_fraction) < 1.0:
            raise SynthConfigError(
                f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.workers is not None and self.workers < 1:
            raise SynthConfigError(f"workers must be at least 1, got {self.workers}")
        if not self.classes:
            raise SynthConfigError("classes is empty; name at least one puppet")
        for name in self.classes:
            puppet_index(name)  # UnknownPuppetError lists the valid names

    def split_counts(self) -> dict[str, int]:
        n_val = round(self.per_class * self.val_fraction)
        return {"train": self.per_class - n_val, "val": n_val}


class ShadowRenderer:
    """Renders single frames; successive calls continue one random stream from `seed`."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def render(self, puppet: str | None, size: int = 224) -> np.ndarray:
        """A BGR uint8 frame, 4:3, long side `size`; puppet None renders a 'none' frame."""
        if puppet is not None:
            puppet_index(puppet)
        return render_sample(puppet, self._rng, size)


def render_clip(puppet: str | None, n_frames: int, seed: int = 0,
                size: int = 224) -> list[np.ndarray]:
    """Temporally coherent frames: one wall and light, the hands slowly settling into a pose."""
    if puppet is not None:
        puppet_index(puppet)
    if n_frames < 1:
        raise SynthConfigError(f"n_frames must be at least 1, got {n_frames}")
    return render_clip_frames(puppet, n_frames, np.random.default_rng([seed, 7919]), size)


def image_rng(seed: int, split: str, class_id: int, index: int) -> np.random.Generator:
    """The only source of randomness of one dataset image."""
    return np.random.default_rng([int(seed), SPLITS.index(split), class_id, index])


def truth_path(root: Path, image_path: Path) -> Path:
    """Where the part map of `root/<split>/.../<name>.png` lives: `root/truth/<split>/...`."""
    return root / TRUTH_DIR / image_path.relative_to(root)


def encode_truth(labels: np.ndarray, visible: np.ndarray) -> np.ndarray:
    return np.where((labels > 0) & ~visible, UNSEEN, labels).astype(np.uint8)


def load_truth(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(part ids, visible shadow mask) of one generated image from its part-map PNG."""
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise FileNotFoundError(f"no part map at {path}: generate the dataset with synth.py")
    visible = (raw > 0) & (raw != UNSEEN)
    return np.where(visible, raw, 0).astype(np.uint8), visible


def generated_form(image: str | os.PathLike) -> tuple[str, int] | None:
    """(puppet, form number) of an image of a dataset this generator wrote, or None.

    Why: a dataset stores no pose, but every image is drawn from its own seed, so rendering it
    again names the form it shows (`training/neighbours.py` asks which form a real photo sits
    next to). None when the image is not a puppet of a `generate_dataset` folder, or when the
    rendering differs from the file (another generator version made it): a guess is worse
    than no answer."""
    path = Path(image)
    try:
        root, split, puppet = path.parents[2], path.parents[1].name, path.parent.name
        manifest = json.loads((root / "manifest.json").read_text())
        index = int(path.stem.rsplit("_", 1)[1])
    except (IndexError, ValueError, OSError):
        return None
    if (split not in SPLITS or puppet not in PUPPETS or not path.stem.startswith(f"{puppet}_")
            or manifest.get("generator_version") != GENERATOR_VERSION):
        return None
    size = manifest.get("parameters", {}).get("size", 224)
    photo = render_photo(puppet, image_rng(manifest["seed"], split, PUPPETS.index(puppet), index), size)
    on_disk = cv2.imread(str(path))
    if on_disk is None or on_disk.shape != photo.image.shape or not np.array_equal(on_disk, photo.image):
        return None
    return puppet, photo.form


def _write_png(path: Path, img: np.ndarray) -> None:
    if not cv2.imwrite(str(path), img, _PNG_PARAMS):
        raise OSError(f"could not write {path}: is the disk full or the folder read-only?")


def _render_task(task: tuple[int, str, int, str | None, int, int, str, str]) -> str:
    seed, split, class_id, puppet, index, size, path, truth = task
    photo = render_photo(puppet, image_rng(seed, split, class_id, index), size)
    _write_png(Path(path), photo.image)
    _write_png(Path(truth), encode_truth(photo.labels, photo.visible))
    return path


def _init_worker() -> None:
    cv2.setNumThreads(1)  # one image per process; OpenCV's own threads would oversubscribe


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".ombro_write_test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SynthConfigError(
            f"cannot write to output folder {out}: {exc.strerror or exc}. "
            "Choose a folder you can write to (--out)."
        ) from None


def _clear_previous(out: Path, overwrite: bool) -> None:
    """Refuse to mix two generations in one folder; with `overwrite`, remove only what a
    previous run of this generator wrote (never other files)."""
    ours = [out / d for d in (*SPLITS, NONE_DIR, TRUTH_DIR)] + [out / "manifest.json",
                                                     out / "contact_sheet.png"]
    present = [p for p in ours if p.exists()]
    if not present:
        return
    if not overwrite:
        raise SynthConfigError(
            f"{out} already holds a generated dataset ({', '.join(p.name for p in present)}); "
            "choose a new folder, or pass overwrite=True (--overwrite) to replace it."
        )
    for p in present:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def _tasks(settings: SynthSettings, out: Path) -> list[tuple]:
    counts = settings.split_counts()
    groups = [(split, puppet_index(p), p, out / split / p)
              for split in SPLITS for p in settings.classes]
    if settings.include_none:
        groups += [(split, _NONE_ID, None, out / NONE_DIR / split) for split in SPLITS]
    tasks = []
    for split, cid, puppet, folder in groups:
        folder.mkdir(parents=True, exist_ok=True)
        truth_path(out, folder).mkdir(parents=True, exist_ok=True)
        for i in range(counts[split]):
            path = folder / f"{puppet or 'none'}_{i:05d}.png"
            tasks.append((settings.seed, split, cid, puppet, i, settings.size, str(path),
                          str(truth_path(out, path))))
    return tasks


def build_manifest(settings: SynthSettings) -> dict:
    counts = settings.split_counts()
    w, h = frame_size(settings.size)
    params = asdict(settings)
    params.pop("out_dir")
    params.pop("workers")  # does not change a single byte of output
    params["classes"] = list(settings.classes)
    return {
        "generator": "training/synth.py",
        "generator_version": GENERATOR_VERSION,
        "seed": settings.seed,
        "parameters": params,
        "frame": {"width": w, "height": h, "format": "png", "color": "bgr8"},
        "classes": list(settings.classes),
        "counts": {
            split: {p: counts[split] for p in settings.classes} for split in SPLITS
        } | ({NONE_DIR: dict(counts)} if settings.include_none else {}),
        "layout": {
            "train": "train/<puppet>/<puppet>_NNNNN.png",
            "val": "val/<puppet>/<puppet>_NNNNN.png",
            NONE_DIR: "none/<split>/none_NNNNN.png (no puppet; not a 16th class)",
            TRUTH_DIR: "truth/<same path as the image>: uint8 part ids, 255 = unseen shadow",
        },
        "parts": list(PARTS),
    }


def generate_dataset(out_dir: str | os.PathLike, per_class: int, seed: int = 0, size: int = 224,
                     val_fraction: float = 0.2, workers: int | None = None,
                     include_none: bool = True, progress: bool = True,
                     classes: tuple[str, ...] | list[str] | None = None,
                     overwrite: bool = False) -> dict:
    """Write a HaSPeR-layout dataset, its manifest and a contact sheet; return the manifest.

    A folder that already holds a generated dataset is refused unless `overwrite` is set, so
    two generations never mix in one training set.
    """
    settings = SynthSettings(
        out_dir=str(out_dir), per_class=per_class, seed=seed, size=size,
        val_fraction=val_fraction, workers=workers, include_none=include_none,
        classes=tuple(classes) if classes else PUPPETS,
    )
    out = Path(out_dir)
    _check_writable(out)
    _clear_previous(out, overwrite)
    tasks = _tasks(settings, out)
    n_workers = min(settings.workers or os.cpu_count() or 1, max(1, len(tasks)))

    from tqdm import tqdm

    bar = tqdm(total=len(tasks), desc="rendering shadows", unit="img", disable=not progress)
    if n_workers == 1:
        for task in tasks:
            _render_task(task)
            bar.update()
    else:
        ctx = multiprocessing.get_context("spawn")  # safe next to torch and OpenCV threads
        with ctx.Pool(n_workers, initializer=_init_worker) as pool:
            for _ in pool.imap_unordered(_render_task, tasks, chunksize=16):
                bar.update()
    bar.close()

    manifest = build_manifest(settings)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    write_contact_sheet(out, out / "contact_sheet.png")
    return manifest


def write_docs_pictures(docs_dir: str | os.PathLike, seed: int = 0) -> list[Path]:
    """The pictures the README and docs/generator.md show: a contact sheet (8 samples per puppet
    at 224 px, palette-compressed for git), the overview of all 15 lesson poses, and every form
    of every puppet with its part map."""
    import tempfile

    docs = Path(docs_dir)
    _check_writable(docs)
    with tempfile.TemporaryDirectory() as tmp:
        generate_dataset(Path(tmp) / "ds", per_class=10, seed=seed, val_fraction=0.2,
                         workers=1, progress=False)
        sheet = write_contact_sheet(Path(tmp) / "ds", docs / "contact_sheet.png",
                                    thumb=(112, 84), compact=True)
    return [sheet, write_overview(docs / "puppets.png"), write_forms_grid(docs / "forms.png")]


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="synth.py", description="Render procedural hand-shadow puppets (HaSPeR layout).")
    p.add_argument("--out", help="output folder for the dataset")
    p.add_argument("--per-class", type=int, default=200, help="images per puppet (train+val)")
    p.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
    p.add_argument("--size", type=int, default=224, help="long side in pixels; frames are 4:3")
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--classes", default=None, help="comma-separated puppets (default: all 15)")
    p.add_argument("--no-none", action="store_true", help="skip the 'none' (no puppet) frames")
    p.add_argument("--assets", default=None,
                   help="also write the lesson assets here (per puppet: silhouette, how-to, part "
                   "map and hint table)")
    p.add_argument("--overview", default=None, help="also write one picture of all 15 poses")
    p.add_argument("--forms", default=None,
                   help="write one picture of every form of every puppet (hands, shadow, part "
                   "map, generated photos); with --classes only those puppets")
    p.add_argument("--photos", default=None,
                   help="with --forms: start each row with this folder's <puppet>.png shadow photo "
                   "as the network sees it (e.g. ../shared/real-shadows)")
    p.add_argument("--docs", default=None,
                   help="write the README pictures (contact_sheet.png, puppets.png) here")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset already generated in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if not (args.out or args.assets or args.overview or args.docs or args.forms):
        p.error("nothing to do: give --out DIR (dataset) and/or --assets DIR, --overview PNG, "
                "--forms PNG, --docs DIR")
    for flag, picture in (("--overview", args.overview), ("--forms", args.forms)):
        # OpenCV picks the format by the extension and has none for a bare name
        if picture and Path(picture).suffix.lower() not in (".png", ".jpg", ".jpeg"):
            p.error(f"{flag} {picture}: name a picture file ending in .png (or .jpg), "
                    f"e.g. {flag} {Path(picture).with_suffix('.png')}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    try:
        if args.out:
            classes = tuple(c.strip() for c in args.classes.split(",")) if args.classes else None
            manifest = generate_dataset(
                args.out, args.per_class, seed=args.seed, size=args.size,
                val_fraction=args.val_fraction, workers=args.workers,
                include_none=not args.no_none, progress=not args.quiet, classes=classes,
                overwrite=args.overwrite,
            )
            total = sum(sum(c.values()) for c in manifest["counts"].values())
            print(f"wrote {total} images to {args.out} (contact sheet: "
                  f"{Path(args.out) / 'contact_sheet.png'})")
        if args.assets:
            _check_writable(Path(args.assets))
            paths = write_reference_assets(args.assets, GENERATOR_VERSION)
            print(f"wrote {len(paths)} lesson pictures, part maps and hint tables to "
                  f"{args.assets}")
        if args.overview:
            _check_writable(Path(args.overview).parent)
            write_overview(args.overview)
            print(f"wrote {args.overview}")
        if args.forms:
            _check_writable(Path(args.forms).parent)
            classes = tuple(c.strip() for c in args.classes.split(",")) if args.classes else PUPPETS
            for name in classes:
                puppet_index(name)
            if args.photos and not Path(args.photos).is_dir():
                raise SynthConfigError(f"--photos {args.photos}: no such folder; give the folder "
                                       "of <puppet>.png photos")
            write_forms_sheet(args.forms, classes, seed=args.seed, photos=args.photos)
            print(f"wrote {args.forms}")
        if args.docs:
            for path in write_docs_pictures(args.docs, seed=args.seed):
                print(f"wrote {path}")
    except OmbroError as exc:
        print(f"synth.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
