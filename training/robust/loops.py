"""Training loops RiFT needs beyond ``training.engine``: PGD adversarial training and
fine-tuning of a single module with everything else frozen.

Both step the scheduler per batch like ``engine.train_one_epoch`` so the LR schedule means the
same thing in every Ombro run.
"""

from __future__ import annotations

import time

from torch import nn
from tqdm import tqdm

from training.robust.attacks import PGDConfig, pgd_attack


def adversarial_train_epoch(
    model: nn.Module, loader, optimizer, scheduler, criterion, *,
    pgd: PGDConfig | None, mean, std, epoch: int, device="cpu",
    limit_batches: int = 0, progress: bool = True,
) -> dict:
    """One epoch of Madry PGD training (``pgd=None``: the same loop on clean images).

    The attack runs with the model in eval mode so BatchNorm statistics come from the images the
    model is trained on (the adversarial ones), not from the attack's intermediate steps.
    """
    n_batches = min(len(loader), limit_batches) if limit_batches else len(loader)
    loss_sum = correct = seen = 0.0
    start = time.perf_counter()
    bar = tqdm(total=n_batches, desc=f"{'adv' if pgd else 'clean'} epoch {epoch}",
               disable=not progress, leave=False, dynamic_ncols=True)
    for i, (images, targets) in enumerate(loader):
        if i >= n_batches:
            break
        images, targets = images.to(device), targets.to(device)
        if pgd is not None:
            model.eval()
            images = pgd_attack(model, images, targets, pgd, mean, std)
        model.train()
        logits = model(images)
        loss = criterion(logits, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        n = targets.size(0)
        loss_sum += loss.item() * n
        correct += (logits.argmax(1) == targets).sum().item()
        seen += n
        bar.update(1)
        bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}")
    bar.close()
    return {"train_loss": loss_sum / max(seen, 1), "train_acc": correct / max(seen, 1),
            "epoch_s": time.perf_counter() - start}


def freeze_all_but(model: nn.Module, module_name: str) -> list[str]:
    """Make only ``module_name``'s own parameters trainable; returns their names.

    Matches the module exactly (the reference matches by substring, which would also unfreeze
    e.g. ``features.1`` when asked for ``features.1`` of ``features.10``).
    """
    modules = dict(model.named_modules())
    if module_name not in modules:
        raise ValueError(f"{module_name!r} is not a module of this model")
    trainable = {id(p) for p in modules[module_name].parameters()}
    names = []
    for name, p in model.named_parameters():
        p.requires_grad_(id(p) in trainable)
        if id(p) in trainable:
            names.append(name)
    return names
