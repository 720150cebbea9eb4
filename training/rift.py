"""RiFT: robust critical fine-tuning (Zhu et al., ICCV 2023), as a mode of Ombro's training tools.

Students' walls, lamps and phones differ from anything we train on. Adversarial training (AT)
buys robustness but costs clean accuracy; RiFT wins some of it back without giving up robustness:

1. adversarially train (L-inf PGD) MobileNetV2 or ResNet34,
2. measure each conv/linear module's robust criticality (MRC: worst-case robust-loss rise under a
   weight perturbation of relative size ``--mrc-epsilon``), written as mrc.csv/mrc.md/mrc.png,
3. fine-tune only the least critical module on clean data,
4. interpolate AT -> fine-tuned weights and keep the alpha with the best clean val accuracy whose
   PGD accuracy stays within ``--tolerance`` of the AT model's.

    python training/rift.py --arch mobilenet_v2 --data DIR --out runs/rift
    python training/rift.py --out runs/rift-small --input-size 64 --synth-per-class 40 \\
        --synth-size 96 --epochs 8 --finetune-epochs 2 --workers 0 --no-report

The run folder holds model_best.pth (the RiFT model, in train.py's checkpoint format, so
``training/export.py`` exports it like any run), adversarial.pth, finetuned.pth, the MRC table
and chart, interpolation.csv/png, rift_log.csv and rift.json (every number of the run).
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python training/rift.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from pydantic import Field
from torch import nn

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from training.config import TrainConfig
from training.engine import build_model, build_scheduler, evaluate
from training.onnx_weights import check_init, start_from
from training.presets import ClassificationPresetEval
from training.robust.attacks import PGDConfig, pgd_attack
from training.robust.criticality import (
    least_critical,
    module_robust_criticality,
    plot_mrc,
    write_mrc_table,
)
from training.robust.evaluate import pgd_accuracy
from training.robust.interpolation import (
    AlphaRecord,
    alpha_grid,
    choose_alpha,
    interpolate_state_dicts,
)
from training.robust.loops import adversarial_train_epoch, freeze_all_but
from training.robust.ood import load_real_shadows, real_shadow_accuracy
from training.synth_data import describe_dataset
from training.utils import (
    BEST_NAME,
    DistInfo,
    load_checkpoint,
    pick_device,
    save_atomic,
    seed_everything,
)

ADVERSARIAL_NAME = "adversarial.pth"
FINETUNED_NAME = "finetuned.pth"


class RiftConfig(TrainConfig):
    """A training run's settings plus RiFT's. Budgets are in [0, 1] pixel units."""

    epsilon: float = Field(4 / 255, ge=0, le=1)
    pgd_steps: int = Field(5, ge=0)
    pgd_step_size: float = Field(1 / 255, ge=0)
    eval_pgd_steps: int = Field(10, ge=0)
    mrc_epsilon: float = Field(0.1, ge=0)
    mrc_steps: int = Field(5, ge=1)
    mrc_samples: int = Field(128, ge=1)
    finetune_epochs: int = Field(3, ge=1)
    finetune_lr: float = Field(1e-3, gt=0)
    module: str | None = None
    alpha_points: int = Field(11, ge=2)
    measure_images: int = Field(0, ge=0)
    tolerance: float = Field(0.001, ge=0)
    adversarial: str | None = None

    def train_pgd(self) -> PGDConfig:
        return PGDConfig(self.epsilon, self.pgd_steps, self.pgd_step_size)

    def eval_pgd(self) -> PGDConfig:
        steps = self.eval_pgd_steps
        return PGDConfig(self.epsilon, steps, max(self.pgd_step_size, 2.5 * self.epsilon / max(steps, 1)))

    @staticmethod
    def arg_parser() -> argparse.ArgumentParser:
        d = RiftConfig()
        p = TrainConfig.arg_parser()
        p.description = "RiFT: adversarial training, module robust criticality, critical fine-tuning."
        g = p.add_argument_group("RiFT")
        g.add_argument("--epsilon", type=float, default=d.epsilon, help="PGD L-inf budget, pixels in [0,1]")
        g.add_argument("--pgd-steps", type=int, default=d.pgd_steps, help="PGD steps while training")
        g.add_argument("--pgd-step-size", type=float, default=d.pgd_step_size, help="PGD step, pixels")
        g.add_argument("--eval-pgd-steps", type=int, default=d.eval_pgd_steps, help="PGD steps when measuring")
        g.add_argument("--mrc-epsilon", type=float, default=d.mrc_epsilon,
                       help="MRC weight perturbation bound, relative to the module's weight norm")
        g.add_argument("--mrc-steps", type=int, default=d.mrc_steps, help="gradient-ascent steps per module")
        g.add_argument("--mrc-samples", type=int, default=d.mrc_samples, help="training images MRC is measured on")
        g.add_argument("--finetune-epochs", type=int, default=d.finetune_epochs)
        g.add_argument("--finetune-lr", type=float, default=d.finetune_lr)
        g.add_argument("--module", default=None, help="fine-tune this module instead of the lowest-MRC one")
        g.add_argument("--alpha-points", type=int, default=d.alpha_points, help="interpolation grid size")
        g.add_argument("--tolerance", type=float, default=d.tolerance,
                       help="allowed PGD-accuracy drop vs the AT model (fraction; paper: 0.1 pp)")
        g.add_argument("--measure-images", type=int, default=d.measure_images,
                       help="choose alpha on this many val images (a seeded subset; 0: all of val): "
                            "each alpha point costs a PGD pass over them")
        g.add_argument("--adversarial", default=None,
                       help="skip step 1: start from this adversarially trained checkpoint")
        return p


def checkpoint_state(model: nn.Module, cfg: RiftConfig, root: Path, epoch: int, **extra) -> dict:
    """train.py's checkpoint layout, so export.py and evaluate.py read RiFT runs unchanged."""
    return {"model": model.state_dict(), "arch": cfg.arch, "classes": list(PUPPETS),
            "spec": cfg.spec().model_dump(mode="json"), "config": cfg.model_dump(mode="json"),
            "epoch": epoch, "dataset": describe_dataset(root),
            "data_root": str(root), **extra}


def make_optimizer(cfg: RiftConfig, params, lr: float, sgd: bool = False):
    params = [p for p in params if p.requires_grad]
    if sgd or cfg.opt == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    return torch.optim.AdamW(params, lr=lr, weight_decay=cfg.weight_decay)


def fit(model, cfg: RiftConfig, train_loader, *, epochs: int, lr: float, pgd: PGDConfig | None,
        stage: str, log: list, device, sgd: bool = False) -> None:
    """Train whatever parameters of ``model`` require grad: PGD-AT when ``pgd`` is set, else clean."""
    spec = cfg.spec()
    steps = min(len(train_loader), cfg.limit_batches) if cfg.limit_batches else len(train_loader)
    optimizer = make_optimizer(cfg, model.parameters(), lr, sgd=sgd)
    warmup = cfg.warmup_epochs * steps if stage != "finetune" else 0
    scheduler = build_scheduler(optimizer, epochs * steps, warmup)
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    for epoch in range(epochs):
        stats = adversarial_train_epoch(model, train_loader, optimizer, scheduler, criterion, pgd=pgd,
                                        mean=spec.mean, std=spec.std, epoch=epoch, device=device,
                                        limit_batches=cfg.limit_batches, progress=cfg.progress)
        log.append({"stage": stage, "epoch": epoch, **{k: round(v, 5) for k, v in stats.items()}})
        print(f"{stage} epoch {epoch}: loss {stats['train_loss']:.3f} acc {stats['train_acc']:.3f} "
              f"({stats['epoch_s']:.1f} s)", flush=True)


def adversarial_examples(model, dataset, cfg: RiftConfig, device) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """PGD examples of a fixed, seeded subset of the training images (no augmentation)."""
    g = torch.Generator().manual_seed(cfg.seed)
    idx = torch.randperm(len(dataset), generator=g)[: cfg.mrc_samples].tolist()
    spec = cfg.spec()
    model.eval()
    batches = []
    for start in range(0, len(idx), cfg.batch_size):
        items = [dataset[i] for i in idx[start:start + cfg.batch_size]]
        x = torch.stack([t for t, _ in items]).to(device)
        y = torch.tensor([label for _, label in items], device=device)
        batches.append((pgd_attack(model, x, y, cfg.eval_pgd(), spec.mean, spec.std, generator=g), y))
    return batches


def measure_loader(cfg: RiftConfig, val_loader):
    """The loader alpha is chosen on: all of val, or a seeded subset of --measure-images."""
    n = len(val_loader.dataset)
    if not cfg.measure_images or cfg.measure_images >= n:
        return val_loader
    idx = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed))[: cfg.measure_images]
    return torch.utils.data.DataLoader(torch.utils.data.Subset(val_loader.dataset, idx.tolist()),
                                       batch_size=cfg.batch_size, num_workers=cfg.workers)


def measure(model, cfg: RiftConfig, val_loader, device) -> tuple[float, float]:
    """(clean val top-1, PGD val top-1), the two numbers the interpolation trades off."""
    spec = cfg.spec()
    clean = evaluate(model, val_loader, device, progress=False).top1
    adv = pgd_accuracy(model, val_loader, cfg.eval_pgd(), spec.mean, spec.std, seed=cfg.seed, device=device)
    return clean, adv


def plot_interpolation(records, chosen, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot([r.alpha for r in records], [r.clean_acc for r in records], "o-", label="clean val")
    ax.plot([r.alpha for r in records], [r.adv_acc for r in records], "s-", label="PGD val")
    ax.axvline(chosen.alpha, color="grey", ls="--", label=f"chosen alpha={chosen.alpha:g}")
    ax.set_xlabel("alpha (0: adversarial, 1: fine-tuned)")
    ax.set_ylabel("top-1")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(cfg: RiftConfig) -> dict:
    from training.train import load_data  # the training run's own data checks and loaders

    device = pick_device(cfg.device, 0)
    seed_everything(cfg.seed, 0)
    run_dir = Path(cfg.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(cfg.model_dump_json(indent=2) + "\n")
    if not cfg.adversarial:
        check_init(cfg.init, cfg.pretrained)  # before the data, as train.py
    root, train_loader, val_loader, _ = load_data(cfg, DistInfo(), device, run_dir)
    spec, log, t0 = cfg.spec(), [], time.perf_counter()
    shadows = load_real_shadows(spec)
    if shadows is None:
        print("note: real shadow photos not found (set OMBRO_REAL_SHADOWS or provide "
              "../shared/real-shadows); the out-of-distribution column will be empty", file=sys.stderr)

    # 1. adversarial training (or reuse a finished one)
    model = build_model(cfg.arch, pretrained=cfg.pretrained, antialias=cfg.antialias).to(device)
    init_version = None
    if cfg.adversarial:
        model.load_state_dict(load_checkpoint(Path(cfg.adversarial))["model"])
        print(f"step 1 skipped: adversarial model from {cfg.adversarial}")
    else:
        if cfg.init:
            init_version = start_from(model, cfg.init, cfg.arch, cfg.spec(), train_loader, val_loader,
                                      device, cfg.calibrate_batches)
            print(f"step 1: adversarial training starts from {cfg.init}")
        fit(model, cfg, train_loader, epochs=cfg.epochs, lr=cfg.lr, pgd=cfg.train_pgd(),
            stage="adversarial", log=log, device=device)
    at_sd = copy.deepcopy(model.state_dict())
    save_atomic(checkpoint_state(model, cfg, root, cfg.epochs - 1), run_dir / ADVERSARIAL_NAME)

    # 2. module robust criticality on PGD examples of training images
    clean_train = copy.copy(train_loader.dataset)
    clean_train.transform = ClassificationPresetEval(spec)
    batches = adversarial_examples(model, clean_train, cfg, device)
    mrc = module_robust_criticality(model, batches, epsilon=cfg.mrc_epsilon, steps=cfg.mrc_steps,
                                    progress=cfg.progress)
    write_mrc_table(mrc, run_dir)
    plot_mrc(mrc, run_dir / "mrc.png")
    target = cfg.module or least_critical(mrc).module
    print(f"step 2: MRC of {len(mrc)} modules -> {run_dir / 'mrc.md'}; fine-tuning {target!r}")

    # 3. fine-tune that one module on clean data (BatchNorm statistics follow, as in the reference)
    tuned = copy.deepcopy(model)
    trainable = freeze_all_but(tuned, target)
    fit(tuned, cfg, train_loader, epochs=cfg.finetune_epochs, lr=cfg.finetune_lr, pgd=None,
        stage="finetune", log=log, device=device, sgd=True)
    for p in tuned.parameters():
        p.requires_grad_(True)
    ft_sd = copy.deepcopy(tuned.state_dict())
    save_atomic(checkpoint_state(tuned, cfg, root, cfg.finetune_epochs - 1), run_dir / FINETUNED_NAME)

    # 4. interpolate and choose alpha on clean/PGD val accuracy
    probe = copy.deepcopy(model)
    records, chooser = [], measure_loader(cfg, val_loader)
    for alpha in alpha_grid(cfg.alpha_points):
        probe.load_state_dict(interpolate_state_dicts(at_sd, ft_sd, alpha))
        clean, adv = measure(probe, cfg, chooser, device)
        records.append(AlphaRecord(alpha, clean, adv))
        print(f"alpha {alpha:.2f}: clean val {clean:.4f}, PGD val {adv:.4f}", flush=True)
    chosen = choose_alpha(records, cfg.tolerance)
    with (run_dir / "interpolation.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["alpha", "clean_val_top1", "pgd_val_top1"])
        w.writerows([r.alpha, f"{r.clean_acc:.5f}", f"{r.adv_acc:.5f}"] for r in records)
    plot_interpolation(records, chosen, run_dir / "interpolation.png")

    probe.load_state_dict(interpolate_state_dicts(at_sd, ft_sd, chosen.alpha))
    by_alpha = {r.alpha: r for r in records}
    tuned.load_state_dict(ft_sd)
    model.load_state_dict(at_sd)
    results = {
        name: {"clean_val_top1": by_alpha[a].clean_acc, "pgd_val_top1": by_alpha[a].adv_acc,
               "real_shadows": real_shadow_accuracy(m, shadows)}
        for name, a, m in (("adversarial", 0.0, model), ("finetuned", 1.0, tuned),
                           ("rift", chosen.alpha, probe))
    }
    summary = {
        "arch": cfg.arch, "spec": spec.model_dump(mode="json"), "dataset": str(root),
        "train_images": len(train_loader.dataset), "val_images": len(val_loader.dataset),
        "alpha_chosen_on_images": len(chooser.dataset), "init": cfg.init, "init_version": init_version,
        "pgd_train": cfg.train_pgd().__dict__, "pgd_eval": cfg.eval_pgd().__dict__,
        "mrc_epsilon": cfg.mrc_epsilon, "module": target, "module_params": trainable,
        "lowest_mrc_module": least_critical(mrc).module, "alpha": chosen.alpha,
        "tolerance": cfg.tolerance, "results": results, "seconds": round(time.perf_counter() - t0, 1),
        "real_shadows_dir": str(shadows.root) if shadows else None,
    }
    save_atomic(checkpoint_state(probe, cfg, root, cfg.epochs - 1, val_top1=chosen.clean_acc,
                                 rift={k: v for k, v in summary.items() if k != "spec"}),
                run_dir / BEST_NAME)
    (run_dir / "rift.json").write_text(json.dumps(summary, indent=2) + "\n")
    with (run_dir / "rift_log.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["stage", "epoch", "train_loss", "train_acc", "epoch_s"])
        w.writeheader()
        w.writerows(log)
    print(f"step 4: alpha={chosen.alpha:g} -> {run_dir / BEST_NAME}")
    print(json.dumps(results, indent=2))
    if cfg.report:
        from training.evaluate import write_run_report

        write_run_report(run_dir, device=device, workers=cfg.workers,
                         gradcam_per_class=cfg.gradcam_per_class, progress=cfg.progress)
    return summary


def cli(argv: list[str] | None = None) -> int:
    args = RiftConfig.arg_parser().parse_args(argv)
    try:
        main(RiftConfig.from_args(args))
    except (OmbroError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(cli())
