"""The model, one training epoch, one evaluation pass, the LR schedule.

Split out of `train.py` so `evaluate.py`, `export.py` and the benchmark build and run models the
same way the training run did.
"""

from __future__ import annotations

import math
import time
import urllib.error
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torchvision
from torch import nn
from tqdm import tqdm

from ombro_contract.errors import OmbroError
from ombro_contract.labels import NUM_CLASSES
from training.antialias import antialias_mobilenet_v2
from training.utils import DistInfo, all_gather_cat, all_reduce_sum

ARCHS = ("mobilenet_v2", "resnet34")


class PretrainedWeightsError(OmbroError, RuntimeError):
    """ImageNet weights were asked for but cannot be had (offline, no cache)."""


def build_model(arch: str, pretrained: bool = False, num_classes: int = NUM_CLASSES,
                antialias: int = 0) -> nn.Module:
    """A torchvision classifier with a `num_classes` head; ImageNet weights only when asked.

    `antialias` > 0 blurs before every stride-2 step with a binomial filter of that size
    (training/antialias.py; MobileNetV2 only)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown --arch {arch!r}: choose one of {', '.join(ARCHS)}")
    if antialias and arch != "mobilenet_v2":
        raise ValueError(f"--antialias is implemented for mobilenet_v2 only, not {arch!r}")
    if not pretrained:
        model = torchvision.models.get_model(arch, weights=None, num_classes=num_classes)
        return antialias_mobilenet_v2(model, antialias)
    weights = torchvision.models.get_model_weights(arch).DEFAULT
    try:
        model = torchvision.models.get_model(arch, weights=weights)
    except (urllib.error.URLError, OSError, RuntimeError) as exc:
        raise PretrainedWeightsError(
            f"--pretrained: could not get torchvision's ImageNet weights for {arch} ({exc}). This "
            f"machine is probably offline. Download {weights.url} on a connected machine into "
            f"$TORCH_HOME/hub/checkpoints/ (default ~/.cache/torch/hub/checkpoints/), or train "
            f"from scratch without --pretrained."
        ) from None
    if arch == "mobilenet_v2":
        model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, num_classes)
    else:
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    return antialias_mobilenet_v2(model, antialias)


def build_scheduler(optimizer, total_steps: int, warmup_steps: int, min_lr_ratio: float = 0.01):
    """Linear warm-up then cosine decay, stepped once per batch (so it survives --limit-batches)."""
    warmup_steps = min(warmup_steps, max(total_steps - 1, 0))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass(frozen=True)
class Precision:
    """Mixed-precision settings: bf16 needs no loss scaling, fp16 does."""

    dtype: torch.dtype | None  # None: full fp32

    @classmethod
    def choose(cls, amp: str, device: torch.device) -> Precision:
        if amp == "off" or device.type != "cuda":
            return cls(None)
        if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
            return cls(torch.bfloat16)
        return cls(torch.float16)

    def autocast(self, device: torch.device):
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.dtype)

    def scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler("cuda", enabled=self.dtype == torch.float16)


def build_ema(model: nn.Module, *, decay: float, steps: int, batch_size: int, world_size: int,
              epochs: int) -> torch.optim.swa_utils.AveragedModel:
    """An exponential moving average of the weights (and BatchNorm statistics), as in torchvision's
    references (`--model-ema`): updated every `steps` batches, with the per-update decay scaled so
    the average spans about 1 / (N x (1 - decay)) of the run whatever the batch size and length
    (0.42 of it for the 12,000 generated training images at 0.9998).

    Why: averaged weights sit in flatter minima, which transfer better to a domain the training
    data only approximates (Izmailov et al. 2018, SWA; Cha et al. 2021, SWAD); here that is the
    step from generated shadows to photographed ones."""
    adjust = world_size * batch_size * steps / epochs
    alpha = min(1.0, (1.0 - decay) * adjust)
    return torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(1.0 - alpha), use_buffers=True)


def _to_device(x: torch.Tensor, device: torch.device, channels_last: bool) -> torch.Tensor:
    x = x.to(device, non_blocking=True)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def train_one_epoch(model, criterion, optimizer, scheduler, scaler, loader, device, epoch: int, *,
                    precision: Precision, channels_last: bool, info: DistInfo,
                    limit_batches: int = 0, clip_grad_norm: float = 0.0, progress: bool = True,
                    teacher=None, ema=None, ema_steps: int = 32) -> dict:
    """One pass over the training data; returns loss, top-1 and images/s summed over ranks.

    With a `teacher` (training/distill.py) the criterion also gets the teacher's logits for the
    same augmented batch; with `ema` (build_ema) the average takes in the weights every
    `ema_steps` batches."""
    model.train()
    n_batches = min(len(loader), limit_batches) if limit_batches else len(loader)
    loss_sum = correct = seen = 0.0
    start = time.perf_counter()
    bar = tqdm(total=n_batches, desc=f"epoch {epoch}", disable=not (progress and info.is_main),
               dynamic_ncols=True, leave=False)
    for i, (images, targets) in enumerate(loader):
        if i >= n_batches:
            break
        images = _to_device(images, device, channels_last)
        targets = targets.to(device, non_blocking=True)
        soft = () if teacher is None else (teacher.logits(images),)
        with precision.autocast(device):
            logits = model(images)
            loss = criterion(logits, targets, *soft)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if clip_grad_norm > 0:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        if ema is not None and (i + 1) % ema_steps == 0:
            ema.update_parameters(model)
        n = targets.size(0)
        loss_sum += loss.item() * n
        hard = targets.argmax(1) if targets.ndim == 2 else targets  # mixed labels: the larger part
        correct += (logits.argmax(1) == hard).sum().item()
        seen += n
        bar.update(1)
        bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}",
                        lr=f"{optimizer.param_groups[0]['lr']:.2e}")
    bar.close()
    elapsed = time.perf_counter() - start
    loss_sum, correct, seen = all_reduce_sum([loss_sum, correct, seen], device, info)
    return {
        "train_loss": loss_sum / max(seen, 1),
        "train_acc": correct / max(seen, 1),
        "train_images_per_s": seen / max(elapsed, 1e-9),
    }


@dataclass
class EvalResult:
    loss: float
    top1: float
    preds: np.ndarray
    targets: np.ndarray
    probs: np.ndarray | None = None


@torch.inference_mode()
def evaluate(model, loader, device, *, criterion=None, precision: Precision | None = None,
             channels_last: bool = False, info: DistInfo | None = None, limit_batches: int = 0,
             progress: bool = True, desc: str = "val", keep_probs: bool = False) -> EvalResult:
    """Loss and top-1 on a loader whose sampler shards without padding, so counts are exact."""
    model.eval()
    criterion = criterion or nn.CrossEntropyLoss()
    precision = precision or Precision(None)
    info = info or DistInfo()
    loss_sum = 0.0
    preds, targets_all, probs = [], [], []
    n_batches = min(len(loader), limit_batches) if limit_batches else len(loader)
    bar = tqdm(total=n_batches, desc=desc, disable=not (progress and info.is_main), leave=False)
    for i, (images, targets) in enumerate(loader):
        if i >= n_batches:
            break
        images = _to_device(images, device, channels_last)
        targets = targets.to(device, non_blocking=True)
        with precision.autocast(device):
            logits = model(images)
        loss_sum += criterion(logits.float(), targets).item() * targets.size(0)
        preds.append(logits.argmax(1))
        targets_all.append(targets)
        if keep_probs:
            probs.append(logits.float().softmax(1).cpu())
        bar.update(1)
    bar.close()
    pred_t = torch.cat(preds) if preds else torch.empty(0, dtype=torch.long, device=device)
    targ_t = torch.cat(targets_all) if targets_all else torch.empty(0, dtype=torch.long, device=device)
    pred_t, targ_t = all_gather_cat(pred_t, info), all_gather_cat(targ_t, info)
    (loss_sum,) = all_reduce_sum([loss_sum], device, info)
    n = max(int(targ_t.numel()), 1)
    return EvalResult(
        loss=loss_sum / n,
        top1=float((pred_t == targ_t).sum().item()) / n,
        preds=pred_t.cpu().numpy(),
        targets=targ_t.cpu().numpy(),
        probs=torch.cat(probs).numpy() if probs else None,
    )
