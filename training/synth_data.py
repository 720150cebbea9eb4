"""The default dataset: generated shadows, made once and reused while the generator is unchanged.

The folder name carries generator version, seed and size (`data/synth-v1.0.0-s0-n200`); the
generator writes its manifest.json last, so a folder is reused only when that manifest exists and
matches: a run killed during generation never leaves a half dataset that later runs would reuse.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import torch

from ombro_contract.paths import REPO_ROOT
from training.data import DatasetError
from training.utils import DistInfo

MANIFEST = "manifest.json"  # written by training/synth.py once every image is on disk


def _generator():
    try:
        from training import synth
    except ImportError as exc:
        raise DatasetError(
            f"no --data given and the shadow generator (training/synth.py) cannot be imported "
            f"({exc}); pass --data DIR with train/ and val/ class folders"
        ) from None
    return synth


def synth_dir(seed: int, per_class: int, version: str | int, size: int) -> Path:
    suffix = "" if size == 224 else f"-px{size}"
    return REPO_ROOT / "data" / f"synth-v{version}-s{seed}-n{per_class}{suffix}"


def ensure_synth_dataset(cfg, info: DistInfo) -> Path:
    """Generate (main process only) or reuse the dataset for this seed/size; others wait."""
    synth = _generator()
    version = getattr(synth, "GENERATOR_VERSION", 0)
    out = synth_dir(cfg.seed, cfg.synth_per_class, version, cfg.synth_size)
    want = {"generator_version": version, "seed": cfg.seed, "per_class": cfg.synth_per_class,
            "size": cfg.synth_size}
    if info.is_main and not _manifest_matches(out, want):
        if out.exists():
            shutil.rmtree(out)  # an interrupted or outdated generation
        print(f"generating the synthetic dataset into {out} (once; later runs reuse it)", flush=True)
        synth.generate_dataset(out, per_class=cfg.synth_per_class, seed=cfg.seed, size=cfg.synth_size,
                               workers=max(1, cfg.workers))
    elif info.is_main:
        print(f"reusing the synthetic dataset {out}")
    if info.distributed:
        torch.distributed.barrier()
    return out


def describe_dataset(root: str | Path) -> str:
    """What a card says a model was trained on: generated shadows when the generator wrote the
    folder (its manifest says so), whether the run made it or was pointed at it with --data,
    else the folder itself (HaSPeR, a user's photos).

    Why from the folder and not from how the run was started: a fine-tune given
    `--data data/synth-v3.8.2-s0-n1000` trains on exactly the frames a default run makes, and
    its card must say so (tests/training/test_shipped_models.py checks shipped cards)."""
    root = Path(root)
    return f"generated shadows {root.name}" if dataset_generator_version(root) else f"folder {root}"


def dataset_generator_version(root: str | Path) -> str | None:
    """The shadow generator's version when the data was generated (its manifest says), else
    None (real data such as HaSPeR)."""
    try:
        return json.loads((Path(root) / MANIFEST).read_text())["generator_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


_SYNTH_NAME = re.compile(r"synth-v(?P<version>[0-9][0-9.]*)-s(?P<seed>\d+)-n(?P<per_class>\d+)(?:-px(?P<size>\d+))?")


def run_data_root(recorded: str | Path, workers: int = 2) -> Path:
    """The dataset a run was trained on, made again here when it was generated and is not here.

    A checkpoint records its dataset's path on the machine that trained it (a lent GPU's
    /tmp/..., a colleague's checkout). Generated data is a function of generator version, seed,
    size and count, all in the folder's name, so when this checkout's generator has that version
    the same images are made again under this repo's data/ (deterministic per seed), and export
    and evaluation work on a run brought home (`scripts/run_parts.py unpack`). Anything else
    (HaSPeR, another generator version) comes back as recorded, for the caller's own check to
    explain.
    """
    recorded = Path(recorded)
    if (recorded / "val").is_dir() or not (m := _SYNTH_NAME.fullmatch(recorded.name)):
        return recorded
    version = str(getattr(_generator(), "GENERATOR_VERSION", 0))
    if m["version"] != version:
        raise DatasetError(
            f"{recorded} is not here, and it was made by generator {m['version']} while this "
            f"checkout has {version}: apply that version (docs/trials/README.md) to make it again, "
            "or copy the folder here")
    cfg = SimpleNamespace(seed=int(m["seed"]), synth_per_class=int(m["per_class"]),
                          synth_size=int(m["size"] or 224), workers=workers)
    local = synth_dir(cfg.seed, cfg.synth_per_class, version, cfg.synth_size)
    if local != recorded:
        print(f"{recorded} is not here: using {local} (the same generator, seed and size)")
    return ensure_synth_dataset(cfg, DistInfo())


def _manifest_matches(out: Path, want: dict) -> bool:
    try:
        m = json.loads((out / MANIFEST).read_text())
        got = {"generator_version": m["generator_version"], "seed": m["seed"],
               "per_class": m["parameters"]["per_class"], "size": m["parameters"]["size"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return got == want
