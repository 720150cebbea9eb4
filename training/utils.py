"""Plumbing shared by train/evaluate/export: devices, distributed init, seeds, checkpoints, logs.

Kept apart from `train.py` so the recipe there reads top to bottom without torch.distributed
boilerplate, as in torchvision's references/classification.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.distributed as dist

CHECKPOINT_NAME = "checkpoint.pth"
BEST_NAME = "model_best.pth"
LOG_NAME = "log.csv"


@dataclass(frozen=True)
class DistInfo:
    """Who this process is; a single plain process is rank 0 of 1."""

    distributed: bool = False
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed_mode(device_kind: str) -> DistInfo:
    """Join the process group torchrun describes in the environment, or run alone.

    NCCL on CUDA, gloo otherwise, so the same command also works for a CPU smoke test of DDP.
    """
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return DistInfo()
    rank = int(os.environ["RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if world_size == 1:
        return DistInfo(False, 0, 1, local_rank)
    if device_kind == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")
    dist.barrier()
    return DistInfo(True, rank, world_size, local_rank)


def pick_device(requested: str, local_rank: int = 0) -> torch.device:
    """'auto' picks CUDA when present (one GPU per local rank), else CPU."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda was asked for but no CUDA GPU is visible; use --device cpu")
        return torch.device("cuda", local_rank)
    return torch.device(requested)


def seed_everything(seed: int, rank: int = 0) -> None:
    """Same seed, same run: Python, NumPy and torch RNGs (offset per rank so shards differ)."""
    s = seed + rank
    random.seed(s)
    np.random.seed(s % 2**32)
    torch.manual_seed(s)


def fork_safe_opencv(workers: int) -> None:
    """One OpenCV thread in this process before DataLoader workers are forked from it.

    OpenCV's pthreads pool does not survive fork: a worker forked while the parent's pool had
    threads, which then calls ``cv2.setNumThreads``, waits forever on threads that only exist
    in the parent (seen: `rift.py --init` hung at its first batch). Setting the count in the
    parent stops its pool cleanly, and the children inherit one thread, which is also what
    they want: each worker already owns a core, and a pool per worker only makes them fight
    over the cores (on a 16-core GPU machine, 16 x 16 threads).
    """
    if workers > 0:
        cv2.setNumThreads(1)


def seed_worker(worker_id: int) -> None:
    """DataLoader worker init: derive NumPy/random seeds from torch's per-worker seed.

    Augmentations use NumPy; without this every worker would draw the same "random" warps.
    OpenCV's thread pool is not touched here: ``fork_safe_opencv`` already set it to one thread
    in the parent before the fork (calling setNumThreads in a forked child can wait forever).
    """
    s = torch.initial_seed() % 2**32
    np.random.seed(s)
    random.seed(s)


def all_reduce_sum(values: list[float], device: torch.device, info: DistInfo) -> list[float]:
    """Sum a few scalars across ranks (loss sums, correct counts); identity when alone."""
    if not info.distributed:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def all_gather_cat(t: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Concatenate a 1-D tensor from every rank (predictions for the confusion matrix)."""
    if not info.distributed:
        return t
    sizes = [torch.zeros(1, dtype=torch.long, device=t.device) for _ in range(info.world_size)]
    dist.all_gather(sizes, torch.tensor([t.numel()], device=t.device))
    n_max = int(max(s.item() for s in sizes))
    padded = torch.full((n_max,), -1, dtype=t.dtype, device=t.device)
    padded[: t.numel()] = t
    out = [torch.empty_like(padded) for _ in range(info.world_size)]
    dist.all_gather(out, padded)
    return torch.cat([o[: int(s.item())] for o, s in zip(out, sizes)])


def save_atomic(obj: Any, path: Path) -> None:
    """torch.save to a temp file then rename, so a kill mid-save never leaves a torn checkpoint."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    # Our own checkpoints hold plain dicts/lists of the config, so the safe loader suffices.
    return torch.load(path, map_location="cpu", weights_only=True)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The bare model under DDP / torch.compile wrappers, for state_dict and export."""
    model = getattr(model, "module", model)
    return getattr(model, "_orig_mod", model)


class CsvLog:
    """One row per epoch in RUN_DIR/log.csv; appends on resume so the history stays whole."""

    def __init__(self, path: Path, fields: list[str]):
        self.path = path
        self.fields = fields

    def truncate_after(self, epoch: int) -> None:
        """Drop rows past the resumed epoch (an epoch logged but never checkpointed)."""
        rows = read_log(self.path)
        with self.path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            w.writeheader()
            w.writerows(r for r in rows if int(r["epoch"]) <= epoch)

    def append(self, row: dict) -> None:
        new = not self.path.exists()
        with self.path.open("a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            if new:
                w.writeheader()
            w.writerow({k: row.get(k, "") for k in self.fields})


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))
