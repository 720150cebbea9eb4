"""Plain training vs adversarial training vs RiFT, on clean val, PGD val and real shadow photos.

    python benchmarks/bench_rift.py --out runs/bench-rift          # generated data, small CPU settings
    python benchmarks/bench_rift.py --data DIR --input-size 224 --plain-epochs 30 --epochs 10 \
        --out runs/bench-rift-full

Takes every flag of training/rift.py plus --plain-epochs. The plain model is trained with the same
loop, optimizer and schedule as the adversarial stage, only without PGD; adversarial training then
starts from it for --epochs more (so AT and RiFT have seen more epochs than the plain row). Real-shadow accuracy is on the 15 photos of ../shared/real-shadows (one per puppet): a
single photo is 6.7 points. Prints a table and writes bench_rift.json/.md into --out. A
measurement, not a test.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from training import rift
from training.engine import build_model
from training.robust.ood import load_real_shadows, real_shadow_accuracy
from training.utils import DistInfo, pick_device, save_atomic, seed_everything

SMALL = ["--input-size", "64", "--synth-per-class", "40", "--synth-size", "96", "--epochs", "4",
         "--finetune-epochs", "3", "--batch-size", "32", "--workers", "0", "--mrc-samples", "64",
         "--eval-pgd-steps", "10", "--no-report", "--no-progress"]


def train_plain(cfg: rift.RiftConfig, epochs: int) -> tuple[dict, Path]:
    """The baseline row, trained with rift.py's loop and optimizer on clean images only; its
    checkpoint is where adversarial training starts (from-scratch PGD training of MobileNetV2 on a
    few hundred images stays at chance for many epochs on a CPU budget)."""
    from training.train import load_data

    device = pick_device(cfg.device, 0)
    seed_everything(cfg.seed, 0)
    run_dir = Path(cfg.out) / "plain"
    run_dir.mkdir(parents=True, exist_ok=True)
    root, train_loader, val_loader, _ = load_data(cfg, DistInfo(), device, run_dir)
    model = build_model(cfg.arch, pretrained=cfg.pretrained).to(device)
    t0 = time.perf_counter()
    rift.fit(model, cfg, train_loader, epochs=epochs, lr=cfg.lr, pgd=None, stage="plain",
             log=[], device=device)
    seconds = time.perf_counter() - t0
    clean, adv = rift.measure(model, cfg, val_loader, device)
    real = real_shadow_accuracy(model, load_real_shadows(cfg.spec()))
    ckpt = run_dir / "plain.pth"
    save_atomic(rift.checkpoint_state(model, cfg, root, epochs - 1, val_top1=clean), ckpt)
    return {"clean_val_top1": clean, "pgd_val_top1": adv, "real_shadows": real,
            "train_seconds": round(seconds, 1)}, ckpt


def fmt(res: dict) -> list[str]:
    real = res["real_shadows"]
    real_txt = f"{100 * real['top1']:.1f} % ({real['correct']}/{real['total']})" if real else "absent"
    return [f"{100 * res['clean_val_top1']:.1f} %", f"{100 * res['pgd_val_top1']:.1f} %", real_txt]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = rift.RiftConfig.arg_parser()
    parser.add_argument("--plain-epochs", type=int, default=15,
                        help="clean epochs of the baseline; --epochs are the PGD epochs added on top")
    args = parser.parse_args(SMALL + argv)
    cfg = rift.RiftConfig.from_args(args)
    if cfg.out == rift.RiftConfig().out:
        cfg = cfg.model_copy(update={"out": "runs/bench-rift"})
    torch.set_num_threads(max(1, torch.get_num_threads()))
    t0 = time.perf_counter()
    plain, plain_ckpt = train_plain(copy.deepcopy(cfg), args.plain_epochs)
    summary = rift.main(cfg.model_copy(update={"out": str(Path(cfg.out) / "rift"),
                                               "init": cfg.init or str(plain_ckpt)}))
    rows = {"plain": plain, **summary["results"]}
    header = ["model", "clean val top-1", f"PGD-{cfg.eval_pgd_steps} val top-1 (eps {cfg.epsilon * 255:.0f}/255)",
              "real shadows top-1"]
    names = {"plain": "plain training", "adversarial": "adversarial training (PGD)",
             "finetuned": "fine-tuned module only (alpha=1)",
             "rift": f"RiFT (alpha={summary['alpha']:g})"}
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key in ("plain", "adversarial", "finetuned", "rift"):
        lines.append("| " + " | ".join([names[key], *fmt(rows[key])]) + " |")
    setting = (f"{cfg.arch}, {cfg.mode} {cfg.input_size}px, {summary['train_images']} train / "
               f"{summary['val_images']} val images ({summary['dataset']}), {args.plain_epochs} clean "
               f"epochs (plain), then {cfg.epochs} PGD epochs ({cfg.pgd_steps} steps, eps "
               f"{cfg.epsilon * 255:.0f}/255) from the plain model, "
               f"MRC eps {cfg.mrc_epsilon} on {cfg.mrc_samples} images -> fine-tuned "
               f"`{summary['module']}` for {cfg.finetune_epochs} epochs, tolerance "
               f"{100 * cfg.tolerance:g} pp, seed {cfg.seed}, {time.perf_counter() - t0:.0f} s total")
    table = "\n".join(lines)
    print("\n" + setting + "\n\n" + table)
    out = Path(cfg.out)
    (out / "bench_rift.md").write_text(setting + "\n\n" + table + "\n")
    (out / "bench_rift.json").write_text(json.dumps({"setting": setting, "rows": rows,
                                                     "rift": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
