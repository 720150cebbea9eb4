"""Train a puppet classifier (MobileNetV2 or ResNet34) on HaSPeR-style folders or generated data.

    python training/train.py --arch mobilenet_v2 --epochs 30 --out runs/mnv2
    python training/train.py --arch resnet34 --data /data/hasper --pretrained --out runs/r34
    torchrun --nproc_per_node 4 training/train.py --arch resnet34 --data /data/hasper --out runs/r34
    python training/train.py ... --out runs/mnv2 --resume      # after an interruption

Laid out like torchvision's references/classification: get_args_parser(), load_data(),
train_one_epoch()/evaluate() (in engine.py), main(). The run folder ends up with checkpoint.pth
(last epoch, for --resume), model_best.pth (best val top-1, for export.py), log.csv, config.json,
data_report.json and the evaluation report written by evaluate.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python training/train.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from torch import nn

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from training.config import TrainConfig
from training.data import PuppetImages, check_dataset_root, scan_split, write_data_report
from training.distill import DistillationLoss, Teacher
from training.engine import (
    Precision,
    build_ema,
    build_model,
    build_scheduler,
    evaluate,
    train_one_epoch,
)
from training.onnx_weights import check_init, start_from
from training.presets import ClassificationPresetEval, ClassificationPresetTrain
from training.protected import ProtectedDatasetError
from training.synth_data import describe_dataset, ensure_synth_dataset
from training.transforms import BatchMix
from training.utils import (
    BEST_NAME,
    CHECKPOINT_NAME,
    LOG_NAME,
    CsvLog,
    DistInfo,
    fork_safe_opencv,
    init_distributed_mode,
    load_checkpoint,
    pick_device,
    save_atomic,
    seed_everything,
    seed_worker,
    unwrap,
)

LOG_FIELDS = ["epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_s",
              "train_images_per_s"]


class ShardSampler(torch.utils.data.Sampler):
    """Every rank takes indices rank::world_size: no padding, so val counts stay exact."""

    def __init__(self, n: int, info: DistInfo):
        self.indices = list(range(info.rank, n, info.world_size))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def get_args_parser() -> argparse.ArgumentParser:
    return TrainConfig.arg_parser()


def load_data(cfg: TrainConfig, info: DistInfo, device: torch.device, run_dir: Path):
    """Check the dataset, then build loaders that keep a GPU fed (workers, pinned memory, cache)."""
    root = Path(cfg.data) if cfg.data else ensure_synth_dataset(cfg, info)
    check_dataset_root(root, cfg.allow_protected)
    spec = cfg.spec()
    scans = {
        split: scan_split(root / split, cache_mb=cfg.cache_mb / 2, workers=max(cfg.workers, 2),
                          max_bad_fraction=cfg.max_bad_fraction,
                          progress=info.is_main and cfg.progress)
        for split in ("train", "val")
    }
    if info.is_main:
        write_data_report(run_dir, scans)
        for split, scan in scans.items():
            print(f"{split}: {len(scan.samples)} images from {scan.root}"
                  f"{' (cached in RAM)' if scan.cache is not None else ''}")
            for path, err in scan.bad_files[:20]:
                print(f"  skipped unreadable {path}: {err}", file=sys.stderr)
            if len(scan.bad_files) > 20:
                print(f"  ... {len(scan.bad_files) - 20} more in data_report.json", file=sys.stderr)
    train_set = PuppetImages(scans["train"], ClassificationPresetTrain(
        spec, silhouette_augment=None if cfg.silhouette_augment else False))
    val_set = PuppetImages(scans["val"], ClassificationPresetEval(spec))
    g = torch.Generator()
    g.manual_seed(cfg.seed + info.rank)
    if info.distributed:
        train_sampler = torch.utils.data.DistributedSampler(train_set, seed=cfg.seed, shuffle=True)
    else:
        train_sampler = torch.utils.data.RandomSampler(train_set, generator=g)
    fork_safe_opencv(cfg.workers)
    common = dict(  # noqa: C408
        num_workers=cfg.workers,
        pin_memory=device.type == "cuda",
        worker_init_fn=seed_worker,
        persistent_workers=cfg.workers > 0,
        prefetch_factor=4 if cfg.workers > 0 else None,
    )
    mix = (BatchMix(len(PUPPETS), cfg.mixup_alpha, cfg.cutmix_alpha)
           if cfg.mixup_alpha > 0 or cfg.cutmix_alpha > 0 else None)
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=cfg.batch_size, sampler=train_sampler, generator=g, collate_fn=mix,
        drop_last=len(train_set) // info.world_size > cfg.batch_size, **common)
    val_loader = torch.utils.data.DataLoader(
        val_set, batch_size=cfg.batch_size, sampler=ShardSampler(len(val_set), info), **common)
    return root, train_loader, val_loader, train_sampler


def main(cfg: TrainConfig) -> Path:
    requested = "cuda" if cfg.device == "auto" and torch.cuda.is_available() else cfg.device
    info = init_distributed_mode("cuda" if requested == "cuda" else "cpu")
    device = pick_device(cfg.device, info.local_rank)
    seed_everything(cfg.seed, info.rank)
    run_dir = Path(cfg.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = run_dir / CHECKPOINT_NAME
    if ckpt_path.exists() and not cfg.resume:
        raise SystemExit(f"{run_dir} already holds a training run ({CHECKPOINT_NAME}); pass --resume "
                         f"to continue it or choose another --out")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    precision = Precision.choose(cfg.amp, device)
    channels_last = cfg.channels_last if cfg.channels_last is not None else device.type == "cuda"

    spec = cfg.spec()
    if not (cfg.resume and ckpt_path.exists()):  # a resumed run has its own weights
        check_init(cfg.init, cfg.pretrained)
    teacher = None
    if cfg.teacher:
        # before the data, so a wrong teacher stops the run in seconds, not after generating a
        # dataset; the teacher and the student take turns, so it may use all of torch's threads
        teacher = Teacher(cfg.teacher, spec, threads=torch.get_num_threads())
        criterion = DistillationLoss(cfg.kd_alpha, cfg.kd_temperature, cfg.label_smoothing)
        if info.is_main:
            print(f"distilling from {teacher.version} ({', '.join(cfg.teacher)}): alpha {cfg.kd_alpha}, "
                  f"temperature {cfg.kd_temperature}")
    else:
        criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)

    root, train_loader, val_loader, train_sampler = load_data(cfg, info, device, run_dir)
    model = build_model(cfg.arch, pretrained=cfg.pretrained, antialias=cfg.antialias).to(device)
    init_version = None
    if cfg.init and not (cfg.resume and ckpt_path.exists()):  # a resumed run has its own weights
        init_version = start_from(model, cfg.init, cfg.arch, spec, train_loader, val_loader, device,
                                  cfg.calibrate_batches)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if cfg.opt == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9,
                                    weight_decay=cfg.weight_decay, nesterov=True)
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = min(len(train_loader), cfg.limit_batches) if cfg.limit_batches else len(train_loader)
    scheduler = build_scheduler(optimizer, cfg.epochs * steps, cfg.warmup_epochs * steps)
    scaler = precision.scaler()
    ema = None
    if cfg.model_ema:
        ema = build_ema(model, decay=cfg.model_ema_decay, steps=cfg.model_ema_steps,
                        batch_size=cfg.batch_size, world_size=info.world_size, epochs=cfg.epochs)
    # as torchvision, not before the LR has warmed up: early weights lie far from the final basin
    ema_start = cfg.warmup_epochs if cfg.model_ema_start_epoch is None else cfg.model_ema_start_epoch

    start_epoch, best_acc = 0, -1.0
    if cfg.resume and ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path)
        saved = TrainConfig.model_validate(ckpt["config"])
        if (saved.arch, saved.spec(), saved.antialias) != (cfg.arch, spec, cfg.antialias):
            raise SystemExit(f"--resume: {ckpt_path} was trained as {saved.arch} (--antialias "
                             f"{saved.antialias}) with {saved.spec()}; it cannot continue as "
                             f"{cfg.arch} (--antialias {cfg.antialias}) with {spec}")
        if (saved.teacher, saved.kd_alpha, saved.kd_temperature) != (
                cfg.teacher, cfg.kd_alpha, cfg.kd_temperature):
            raise SystemExit(f"--resume: {ckpt_path} was trained with --teacher {saved.teacher or 'none'} "
                             f"(alpha {saved.kd_alpha}, temperature {saved.kd_temperature}); pass the "
                             f"same distillation options to continue it")
        if bool(cfg.model_ema) != ("model_ema" in ckpt):
            raise SystemExit(f"--resume: {ckpt_path} was trained "
                             f"{'with' if 'model_ema' in ckpt else 'without'} --model-ema; pass the "
                             f"same option to continue it")
        # with an average, "model" is the average (what export.py reads), "train_model" the weights
        model.load_state_dict(ckpt.get("train_model", ckpt["model"]))
        if ema is not None:
            ema.load_state_dict(ckpt["model_ema"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        start_epoch, best_acc = ckpt["epoch"] + 1, ckpt["best_acc"]
        init_version = ckpt.get("init_version")
        if info.is_main:
            print(f"resuming {ckpt_path} after epoch {ckpt['epoch']} (best val top-1 {best_acc:.4f}); "
                  f"continuing at epoch {start_epoch}")
    elif cfg.resume and info.is_main:
        print(f"--resume: no {CHECKPOINT_NAME} in {run_dir} yet, starting from scratch")

    log = CsvLog(run_dir / LOG_NAME, LOG_FIELDS)
    if info.is_main:
        log.truncate_after(start_epoch - 1)
        (run_dir / "config.json").write_text(cfg.model_dump_json(indent=2) + "\n")

    train_model = model
    if cfg.compile:
        train_model = torch.compile(train_model)
    if info.distributed:
        train_model = nn.parallel.DistributedDataParallel(
            train_model, device_ids=[info.local_rank] if device.type == "cuda" else None)

    if info.is_main:
        print(f"training {cfg.arch} on {device} ({info.world_size} process(es), "
              f"precision {precision.dtype or 'fp32'}, channels_last={channels_last}) "
              f"for epochs {start_epoch}..{cfg.epochs - 1}, {steps} steps each")
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        averaging = ema is not None and epoch >= ema_start  # before: a plain run, last weights
        if hasattr(train_sampler, "set_epoch"):
            train_sampler.set_epoch(epoch)
        stats = train_one_epoch(train_model, criterion, optimizer, scheduler, scaler, train_loader,
                                device, epoch, precision=precision, channels_last=channels_last,
                                info=info, limit_batches=cfg.limit_batches,
                                clip_grad_norm=cfg.clip_grad_norm, progress=cfg.progress,
                                teacher=teacher, ema=ema if averaging else None,
                                ema_steps=cfg.model_ema_steps)
        shipped = ema.module if averaging else unwrap(train_model)
        val = evaluate(shipped, val_loader, device, criterion=criterion,
                       precision=precision, channels_last=channels_last, info=info,
                       limit_batches=cfg.limit_batches, progress=cfg.progress)
        if not info.is_main:
            continue
        row = {"epoch": epoch, "lr": f"{optimizer.param_groups[0]['lr']:.6g}",
               "val_loss": f"{val.loss:.5f}", "val_acc": f"{val.top1:.5f}",
               "epoch_s": f"{time.perf_counter() - t0:.1f}",
               **{k: f"{v:.5f}" if k != "train_images_per_s" else f"{v:.1f}" for k, v in stats.items()}}
        log.append(row)
        state = {"model": shipped.state_dict(), "arch": cfg.arch, "classes": list(PUPPETS),
                 "spec": spec.model_dump(mode="json"), "config": cfg.model_dump(mode="json"),
                 "epoch": epoch, "dataset": describe_dataset(root), "data_root": str(root),
                 "teacher": teacher.version if teacher else None, "init_version": init_version}
        if val.top1 > best_acc:
            best_acc = val.top1
            save_atomic({**state, "val_top1": val.top1}, run_dir / BEST_NAME)
        averaged = {} if ema is None else {"train_model": unwrap(model).state_dict(),
                                           "model_ema": ema.state_dict()}
        save_atomic({**state, **averaged, "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(), "best_acc": best_acc}, ckpt_path)
        print(f"epoch {epoch}: train loss {stats['train_loss']:.3f} acc {stats['train_acc']:.3f} | "
              f"val loss {val.loss:.3f} top-1 {val.top1:.3f} (best {best_acc:.3f}) | "
              f"{row['epoch_s']} s, {stats['train_images_per_s']:.0f} img/s", flush=True)

    if info.distributed:
        torch.distributed.barrier()
    if info.is_main and cfg.report:
        from training.evaluate import write_run_report

        write_run_report(run_dir, device=device, workers=cfg.workers,
                         gradcam_per_class=cfg.gradcam_per_class, progress=cfg.progress)
    if info.distributed:
        torch.distributed.destroy_process_group()
    return run_dir


def cli(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    try:
        main(TrainConfig.from_args(args))
    except (OmbroError, ProtectedDatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(cli())
