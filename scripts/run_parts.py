"""Move a run's best checkpoint through a channel that takes only small files, and back.

    python scripts/run_parts.py pack runs/gpu/resnet34_160 OUT/      # on the GPU machine
    python scripts/run_parts.py unpack OUT/ runs/gpu-resnet34_160    # here

A lent GPU machine returns at most a few files of 16 MiB each. `pack` keeps `model_best.pth`
(weights and metadata, no optimizer), stores its float tensors as float16 when the checkpoint
would otherwise be too big (a ResNet34 is 85 MB in float32; float16 keeps about three and a half
significant digits, far below what changes a prediction), and cuts the bytes into numbered
parts (logs travel separately, in one archive). `unpack` joins the parts, restores float32 and
writes a run folder that `training/export.py` and `training/evaluate.py` take as is.
The checkpoint records the conversion (`weights_were_float16`), so a model card can say so.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import torch

PART_BYTES = 15 * 2**20
BEST = "model_best.pth"


def pack(run: Path, out: Path, name: str | None = None) -> list[Path]:
    name = name or run.name
    ckpt = torch.load(run / BEST, map_location="cpu", weights_only=False)
    fp32_bytes = sum(t.numel() * t.element_size() for t in ckpt["model"].values())
    if fp32_bytes > PART_BYTES:
        ckpt["model"] = {k: v.half() if v.is_floating_point() else v for k, v in ckpt["model"].items()}
        ckpt["weights_were_float16"] = True
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    data = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(0, len(data), PART_BYTES):
        part = out / f"{name}.pth.part{i // PART_BYTES}"
        part.write_bytes(data[i:i + PART_BYTES])
        parts.append(part)
    return parts


def unpack(src: Path, name: str, run: Path, logs: Path | None = None) -> Path:
    parts = sorted(src.glob(f"{name}.pth.part*"), key=lambda p: int(p.name.rsplit("part", 1)[1]))
    if not parts:
        raise SystemExit(f"no {name}.pth.part* in {src}")
    ckpt = torch.load(io.BytesIO(b"".join(p.read_bytes() for p in parts)), map_location="cpu",
                      weights_only=False)
    ckpt["model"] = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["model"].items()}
    run.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, run / BEST)
    for extra in ("log.csv", "config.json", "stdout.log"):
        if logs is not None and (logs / name / extra).exists():
            (run / extra).write_bytes((logs / name / extra).read_bytes())
    return run / BEST


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pk = sub.add_parser("pack", help="run folder -> parts in OUT")
    pk.add_argument("run", type=Path, nargs="+")
    pk.add_argument("out", type=Path)
    up = sub.add_parser("unpack", help="parts in SRC -> run folder")
    up.add_argument("src", type=Path)
    up.add_argument("name")
    up.add_argument("run", type=Path)
    up.add_argument("--logs", type=Path, help="folder holding NAME/log.csv, NAME/config.json")
    args = p.parse_args(argv)
    if args.cmd == "pack":
        for run in args.run:
            if not (run / BEST).exists():
                print(f"skipped {run}: no {BEST} (the run finished no epoch)", file=sys.stderr)
                continue
            for part in pack(run, args.out):
                print(f"{part} {part.stat().st_size / 2**20:.1f} MiB")
    else:
        print(unpack(args.src, args.name, args.run, args.logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
