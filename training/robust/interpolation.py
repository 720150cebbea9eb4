"""RiFT's last step: walk from the adversarially trained weights to the fine-tuned ones.

theta(alpha) = (1 - alpha) * theta_AT + alpha * theta_FT   (reference: RiFT/utils.py)

and keep the alpha with the best clean accuracy among those whose adversarial accuracy stays
within ``tolerance`` of theta_AT's (the paper keeps robustness within 0.1 percentage point).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch


def interpolate_state_dicts(
    adversarial: dict[str, torch.Tensor], finetuned: dict[str, torch.Tensor], alpha: float
) -> dict[str, torch.Tensor]:
    """Blend two state dicts of the same model; alpha 0 and 1 return exact copies of the ends.

    Integer buffers (BatchNorm's ``num_batches_tracked``) cannot be blended: they come from the
    nearer end.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if adversarial.keys() != finetuned.keys():
        diff = sorted(set(adversarial) ^ set(finetuned))
        raise ValueError(f"state dicts differ in keys: {diff[:5]}")
    blended = {}
    for key, a in adversarial.items():
        b = finetuned[key]
        if a.shape != b.shape:
            raise ValueError(f"{key}: shapes differ {tuple(a.shape)} vs {tuple(b.shape)}")
        if alpha == 0.0 or (not a.is_floating_point() and alpha < 0.5):
            blended[key] = a.detach().clone()
        elif alpha == 1.0 or not a.is_floating_point():
            blended[key] = b.detach().clone()
        else:
            blended[key] = torch.lerp(a.detach(), b.detach().to(a.dtype), alpha)
    return blended


@dataclass(frozen=True)
class AlphaRecord:
    alpha: float
    clean_acc: float
    adv_acc: float


def alpha_grid(points: int = 11) -> list[float]:
    if points < 2:
        raise ValueError("the alpha grid needs at least its two ends")
    return [round(i / (points - 1), 6) for i in range(points)]


def sweep_alphas(
    adversarial: dict[str, torch.Tensor],
    finetuned: dict[str, torch.Tensor],
    alphas: Iterable[float],
    measure: Callable[[dict[str, torch.Tensor]], tuple[float, float]],
) -> list[AlphaRecord]:
    """``measure(state_dict) -> (clean_acc, adv_acc)`` for each blend."""
    records = []
    for alpha in alphas:
        clean, adv = measure(interpolate_state_dicts(adversarial, finetuned, alpha))
        records.append(AlphaRecord(alpha=alpha, clean_acc=clean, adv_acc=adv))
    return records


def choose_alpha(records: list[AlphaRecord], tolerance: float = 0.001) -> AlphaRecord:
    """Best clean accuracy with adv accuracy >= AT's minus ``tolerance`` (fractions, 0.001 = 0.1 pp).

    The alpha = 0 record (the AT model itself) must be present; it is always admissible, so the
    choice never loses robustness beyond the tolerance. Ties go to the smaller alpha.
    """
    base = [r for r in records if r.alpha == 0.0]
    if not base:
        raise ValueError("the sweep must include alpha = 0 (the adversarially trained model)")
    floor = base[0].adv_acc - tolerance - 1e-12
    admissible = [r for r in records if r.adv_acc >= floor]
    return max(admissible, key=lambda r: (r.clean_acc, -r.alpha))
