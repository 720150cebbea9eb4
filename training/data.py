"""Reading a puppet dataset safely: layout and label checks, corrupt files, the decode cache.

A training run on the wrong labels looks exactly like a good one until a student tries it, so
every check here fails loudly: the class folders must be the contract's 15 puppets, labels come
from `ombro_contract.labels.PUPPETS` (never ImageFolder's alphabetical guess), protected datasets
are refused, and unreadable images are skipped and listed rather than crashing epoch 7.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from ombro_contract.errors import ImageDecodeError, OmbroError
from ombro_contract.labels import PUPPETS, puppet_index
from ombro_contract.preprocess import load_image
from training.protected import ensure_not_protected

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
SPLITS = ("train", "val")


class DatasetError(OmbroError, ValueError):
    """A dataset folder that cannot be trained on as it is; the message says how to fix it."""


@dataclass
class FolderScan:
    """What one split folder holds once checked: good samples, bad files, per-class counts."""

    root: Path
    samples: list[tuple[Path, int]] = field(default_factory=list)
    bad_files: list[tuple[Path, str]] = field(default_factory=list)
    cache: list[np.ndarray] | None = None

    def class_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(PUPPETS, 0)
        for _, label in self.samples:
            counts[PUPPETS[label]] += 1
        return counts

    def report(self) -> dict:
        return {
            "root": str(self.root),
            "images": len(self.samples),
            "per_class": self.class_counts(),
            "bad_files": [{"path": str(p), "error": e} for p, e in self.bad_files],
            "cached": self.cache is not None,
        }


def class_folders(split_dir: Path) -> dict[str, Path]:
    """Map puppet name -> folder, refusing any set of folders that is not exactly the contract's.

    Folder names are matched case-insensitively ("Bird" is bird) but an unknown or missing class
    is an error: training on 14 classes, or with "bat" silently dropped, would ship a model whose
    output order no longer means what the app thinks it means.
    """
    if not split_dir.is_dir():
        raise DatasetError(
            f"{split_dir} does not exist: a dataset needs train/ and val/ folders, each with one "
            f"sub-folder per puppet ({', '.join(PUPPETS)})"
        )
    found: dict[str, Path] = {}
    unknown: list[str] = []
    for d in sorted(p for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        name = d.name.strip().lower()
        try:
            puppet_index(name)
        except KeyError:
            unknown.append(d.name)
            continue
        if name in found:
            raise DatasetError(f"{split_dir} has two folders for {name!r}: {found[name].name}, {d.name}")
        found[name] = d
    missing = [p for p in PUPPETS if p not in found]
    if not found:
        raise DatasetError(
            f"{split_dir} has no puppet class folders; expected one sub-folder per puppet: "
            f"{', '.join(PUPPETS)}"
        )
    if missing or unknown:
        raise DatasetError(
            f"{split_dir}: class folders differ from the model contract "
            f"(missing: {missing or 'none'}; not puppets: {unknown or 'none'}). The model's outputs "
            "are the 15 puppets of ombro_contract.labels in that order; rename or remove folders "
            "so the dataset has exactly those classes."
        )
    return found


def list_images(folders: dict[str, Path]) -> list[tuple[Path, int]]:
    samples = []
    for name, folder in folders.items():
        label = puppet_index(name)
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        samples.extend((p, label) for p in files)
    return samples


def load_rgb(path: Path) -> np.ndarray:
    """HWC RGB uint8, the presets' input, decoded by the contract's loader (same codec as the app)."""
    return cv2.cvtColor(load_image(path), cv2.COLOR_BGR2RGB)


def _try_load(path: Path) -> tuple[np.ndarray | None, str | None]:
    try:
        return load_rgb(path), None
    except ImageDecodeError as exc:
        return None, str(exc)


def scan_split(
    split_dir: Path,
    *,
    cache_mb: float = 0.0,
    workers: int = 2,
    max_bad_fraction: float = 0.05,
    progress: bool = True,
) -> FolderScan:
    """Check every image of a split by decoding it, keeping the pixels when they fit `cache_mb`.

    Decoding everything once costs a few seconds for tens of thousands of small images and buys
    two things: a corrupt file is reported before training, not mid-epoch, and small datasets
    (the generated one) are then served from RAM instead of PNG-decoded every epoch.
    """
    folders = class_folders(split_dir)
    listed = list_images(folders)
    scan = FolderScan(root=split_dir)
    budget = cache_mb * 1024 * 1024
    used = 0
    cache: list[np.ndarray] | None = [] if budget > 0 else None
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(lambda s: _try_load(s[0]), listed)
        bar = tqdm(results, total=len(listed), desc=f"checking {split_dir.name}/", disable=not progress, leave=False)
        for (path, label), (img, err) in zip(listed, bar):
            if img is None:
                scan.bad_files.append((path, err or "unreadable"))
                continue
            scan.samples.append((path, label))
            if cache is not None:
                used += img.nbytes
                if used > budget:
                    cache = None  # too big for RAM: decode from disk each epoch instead
                else:
                    cache.append(img)
    scan.cache = cache
    empty = [name for name, n in scan.class_counts().items() if n == 0]
    if empty:
        raise DatasetError(
            f"{split_dir}: no readable images for {', '.join(empty)}"
            + (f" ({len(scan.bad_files)} files could not be decoded)" if scan.bad_files else "")
            + f"; supported formats: {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    if listed and len(scan.bad_files) / len(listed) > max_bad_fraction:
        raise DatasetError(
            f"{split_dir}: {len(scan.bad_files)} of {len(listed)} images are unreadable (more than "
            f"{max_bad_fraction:.0%}); first: {scan.bad_files[0][0]}: {scan.bad_files[0][1]}. "
            "Fix or remove them, or raise --max-bad-fraction if skipping them is intended."
        )
    return scan


def check_dataset_root(root: Path, allow_protected: bool = False) -> None:
    if not root.exists():
        raise DatasetError(f"--data {root} does not exist")
    if not root.is_dir():
        raise DatasetError(f"--data {root} is not a folder")
    ensure_not_protected(root, allow_protected)
    for split in SPLITS:
        if (root / split).is_dir():
            ensure_not_protected(root / split, allow_protected)


class PuppetImages(torch.utils.data.Dataset):
    """(preprocessed tensor, contract label) pairs from a checked split, from RAM when cached.

    Images are handed to the transform as HWC RGB uint8, the presets' input.
    """

    def __init__(self, scan: FolderScan, transform: Callable[[np.ndarray], torch.Tensor]):
        self.samples = scan.samples
        self.cache = scan.cache
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def image(self, index: int) -> np.ndarray:
        if self.cache is not None:
            return self.cache[index]
        return load_rgb(self.samples[index][0])

    @property
    def targets(self) -> list[int]:
        return [label for _, label in self.samples]

    def __getitem__(self, index: int):
        return self.transform(self.image(index)), self.samples[index][1]


def write_data_report(run_dir: Path, scans: dict[str, FolderScan]) -> Path:
    """data_report.json in the run folder, so skipped files are never a silent loss."""
    path = run_dir / "data_report.json"
    path.write_text(json.dumps({k: s.report() for k, s in scans.items()}, indent=2) + "\n")
    return path
