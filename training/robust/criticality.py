"""Module robust criticality (MRC), as defined by RiFT (Zhu et al., ICCV 2023, Eq. 3).

MRC(M) = max_{||dW|| <= eps * ||W||} L(W + dW; x_adv, y) - L(W; x_adv, y)

for the weight W of one module M, all other weights fixed, on adversarial examples of the
adversarially trained model. A module whose worst-case perturbation barely moves the robust loss
is "non-robust-critical": RiFT fine-tunes that one on clean data.

The reference code (microsoft/robustlearn, RiFT/main.py ``layer_sharpness``) runs plain SGD ascent
with lr 1 and projects once per epoch; here each step is a normalised gradient-ascent step followed
by the projection, so the result does not depend on the gradient's scale and the constraint holds
at every evaluated point. BatchNorm stays in eval mode, as in the reference.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

CRITICAL_TYPES = (nn.Conv2d, nn.Linear)


@dataclass(frozen=True)
class MRCResult:
    module: str
    kind: str
    num_params: int
    mrc: float
    robust_loss: float
    worst_loss: float
    robust_acc: float
    worst_acc: float


def candidate_modules(model: nn.Module) -> list[str]:
    """Every convolution and linear layer, in model order: the units RiFT can fine-tune."""
    return [n for n, m in model.named_modules() if isinstance(m, CRITICAL_TYPES)]


def _loss_and_grad(model, weight, batches, want_grad: bool) -> tuple[float, float, torch.Tensor | None]:
    total_loss, correct, count = 0.0, 0, 0
    grad = torch.zeros_like(weight) if want_grad else None
    n_all = sum(len(y) for _, y in batches)
    for x, y in batches:
        with torch.set_grad_enabled(want_grad):
            logits = model(x)
            loss = F.cross_entropy(logits, y, reduction="sum")
        if want_grad:
            (g,) = torch.autograd.grad(loss / n_all, weight)
            grad += g
        total_loss += float(loss.detach())
        correct += int((logits.detach().argmax(1) == y).sum())
        count += len(y)
    return total_loss / count, correct / count, grad


def module_robust_criticality(
    model: nn.Module,
    batches: list[tuple[torch.Tensor, torch.Tensor]],
    epsilon: float = 0.1,
    steps: int = 5,
    modules: list[str] | None = None,
    progress: bool = True,
) -> list[MRCResult]:
    """MRC of every conv/linear module (or ``modules``), in model order.

    ``batches`` are the fixed adversarial examples (normalised tensors) the loss is measured on.
    The model's weights are restored exactly after each module.
    """
    if not batches or sum(len(y) for _, y in batches) == 0:
        raise ValueError("MRC needs at least one adversarial example")
    if epsilon < 0 or steps < 1:
        raise ValueError(f"MRC needs epsilon >= 0 and steps >= 1, got {epsilon}, {steps}")
    names = modules if modules is not None else candidate_modules(model)
    by_name = dict(model.named_modules())
    unknown = [n for n in names if n not in by_name or not isinstance(by_name[n], CRITICAL_TYPES)]
    if unknown:
        raise ValueError(f"not conv/linear modules of this model: {unknown}")

    was_training = model.training
    model.eval()
    flags = {p: p.requires_grad for p in model.parameters()}
    for p in model.parameters():
        p.requires_grad_(False)
    base_loss, base_acc, _ = _loss_and_grad(model, None, batches, want_grad=False)
    results = []
    try:
        for name in tqdm(names, desc="MRC", unit="module", disable=not progress):
            module = by_name[name]
            weight = module.weight
            original = weight.detach().clone()
            radius = epsilon * float(original.norm())
            step = 2.5 * radius / steps
            delta = torch.zeros_like(original)
            worst_loss, worst_acc = base_loss, base_acc
            weight.requires_grad_(True)
            try:
                for k in range(steps + 1):
                    with torch.no_grad():
                        weight.copy_(original + delta)
                    last = k == steps
                    loss, acc, grad = _loss_and_grad(model, weight, batches, want_grad=not last)
                    if loss > worst_loss:
                        worst_loss, worst_acc = loss, acc
                    if last or radius == 0:
                        break
                    gnorm = float(grad.norm())
                    if gnorm == 0:
                        break
                    delta = delta + step * grad / gnorm
                    dnorm = float(delta.norm())
                    if dnorm > radius:
                        delta = delta * (radius / dnorm)
            finally:
                weight.requires_grad_(False)
                with torch.no_grad():
                    weight.copy_(original)
            results.append(
                MRCResult(
                    module=name,
                    kind=type(module).__name__,
                    num_params=sum(p.numel() for p in module.parameters()),
                    mrc=worst_loss - base_loss,
                    robust_loss=base_loss,
                    worst_loss=worst_loss,
                    robust_acc=base_acc,
                    worst_acc=worst_acc,
                )
            )
    finally:
        for p, flag in flags.items():
            p.requires_grad_(flag)
        model.train(was_training)
    return results


def least_critical(results: list[MRCResult]) -> MRCResult:
    """The module RiFT fine-tunes: lowest MRC (first in model order on ties)."""
    if not results:
        raise ValueError("no MRC results to choose from")
    return min(results, key=lambda r: r.mrc)


def write_mrc_table(results: list[MRCResult], out_dir: Path) -> tuple[Path, Path]:
    """``mrc.csv`` for tools and ``mrc.md`` for people, both in model order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out_dir / "mrc.csv", out_dir / "mrc.md"
    fields = list(MRCResult.__dataclass_fields__)
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(asdict(r) for r in results)
    lowest = least_critical(results).module
    lines = [
        "| module | type | params | MRC | worst robust loss | robust acc drop |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        mark = " **(lowest)**" if r.module == lowest else ""
        lines.append(
            f"| `{r.module}`{mark} | {r.kind} | {r.num_params} | {r.mrc:.4f} | "
            f"{r.worst_loss:.4f} | {100 * (r.robust_acc - r.worst_acc):.1f} pp |"
        )
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def plot_mrc(results: list[MRCResult], path: Path) -> Path:
    """Bar chart of MRC per module, the lowest highlighted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lowest = least_critical(results).module
    width = max(6.0, 0.22 * len(results))
    fig, ax = plt.subplots(figsize=(width, 4.0), dpi=100)
    colors = ["tab:orange" if r.module == lowest else "tab:blue" for r in results]
    ax.bar(range(len(results)), [r.mrc for r in results], color=colors)
    ax.set_xticks(range(len(results)))
    ax.set_xticklabels([r.module for r in results], rotation=90, fontsize=6)
    ax.set_ylabel("MRC (robust loss rise)")
    ax.set_title(f"Module robust criticality (lowest: {lowest})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
