import copy

import pytest
import torch
from torch.nn import functional as F

from training.robust.attacks import PGDConfig, pgd_attack, pixel_distance
from training.robust.criticality import (
    candidate_modules,
    least_critical,
    module_robust_criticality,
    plot_mrc,
    write_mrc_table,
)
from training.robust.interpolation import (
    AlphaRecord,
    alpha_grid,
    choose_alpha,
    interpolate_state_dicts,
    sweep_alphas,
)

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _normalised_pixels(shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    pixels = torch.rand(shape, generator=gen)
    m = torch.tensor(MEAN).view(1, 3, 1, 1)
    s = torch.tensor(STD).view(1, 3, 1, 1)
    return (pixels - m) / s


def test_pgd_stays_in_budget_and_raises_loss(tiny_net, tiny_batch):
    _, y = tiny_batch
    x = _normalised_pixels((12, 3, 8, 8))
    tiny_net.eval()
    cfg = PGDConfig(epsilon=8 / 255, steps=5, step_size=2 / 255, random_start=False)
    adv = pgd_attack(tiny_net, x, y, cfg, MEAN, STD)
    assert pixel_distance(adv, x, STD) <= 8 / 255 + 1e-5
    with torch.no_grad():
        assert F.cross_entropy(tiny_net(adv), y) > F.cross_entropy(tiny_net(x), y)
    # pixels stay a valid image
    pix = adv * torch.tensor(STD).view(1, 3, 1, 1) + torch.tensor(MEAN).view(1, 3, 1, 1)
    assert pix.min() >= -1e-5 and pix.max() <= 1 + 1e-5
    # parameters left trainable, untouched
    assert all(p.requires_grad and p.grad is None for p in tiny_net.parameters())


def test_pgd_zero_epsilon_is_identity(tiny_net, tiny_batch):
    x, y = tiny_batch
    adv = pgd_attack(tiny_net, x, y, PGDConfig(epsilon=0.0), MEAN, STD)
    assert torch.equal(adv, x)


def test_mrc_covers_every_conv_and_linear_and_restores_weights(tiny_net, tiny_batch):
    before = copy.deepcopy(tiny_net.state_dict())
    results = module_robust_criticality(tiny_net, [tiny_batch], epsilon=0.1, steps=3, progress=False)
    assert [r.module for r in results] == ["conv1", "conv2", "fc"] == candidate_modules(tiny_net)
    assert all(r.mrc >= 0 for r in results)
    assert any(r.mrc > 0 for r in results)
    for key, value in tiny_net.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert least_critical(results).mrc == min(r.mrc for r in results)


def test_mrc_grows_with_the_perturbation_budget(tiny_net, tiny_batch):
    small = module_robust_criticality(tiny_net, [tiny_batch], epsilon=0.01, steps=3, progress=False)
    large = module_robust_criticality(tiny_net, [tiny_batch], epsilon=0.5, steps=3, progress=False)
    assert sum(r.mrc for r in large) > sum(r.mrc for r in small)
    zero = module_robust_criticality(tiny_net, [tiny_batch], epsilon=0.0, steps=2, progress=False)
    assert all(r.mrc == 0 for r in zero)


def test_mrc_rejects_unknown_modules(tiny_net, tiny_batch):
    with pytest.raises(ValueError, match="bn1"):
        module_robust_criticality(tiny_net, [tiny_batch], modules=["bn1"], progress=False)


def test_mrc_table_and_chart_written(tiny_net, tiny_batch, tmp_path):
    results = module_robust_criticality(tiny_net, [tiny_batch], steps=2, progress=False)
    csv_path, md_path = write_mrc_table(results, tmp_path)
    assert len(csv_path.read_text().strip().splitlines()) == 1 + len(results)
    assert "(lowest)" in md_path.read_text()
    png = plot_mrc(results, tmp_path / "mrc.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def _two_models(tiny_net, tiny_batch):
    adv_sd = copy.deepcopy(tiny_net.state_dict())
    tuned = copy.deepcopy(tiny_net)
    tuned.train()
    opt = torch.optim.SGD(tuned.parameters(), lr=0.5)
    x, y = tiny_batch
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(tuned(x), y).backward()
        opt.step()
    return adv_sd, copy.deepcopy(tuned.state_dict())


def test_interpolation_endpoints_are_exact(tiny_net, tiny_batch):
    adv_sd, ft_sd = _two_models(tiny_net, tiny_batch)
    assert not torch.equal(adv_sd["conv1.weight"], ft_sd["conv1.weight"])
    assert adv_sd["bn1.num_batches_tracked"] != ft_sd["bn1.num_batches_tracked"]
    at0 = interpolate_state_dicts(adv_sd, ft_sd, 0.0)
    at1 = interpolate_state_dicts(adv_sd, ft_sd, 1.0)
    for key in adv_sd:
        assert torch.equal(at0[key], adv_sd[key]), key
        assert torch.equal(at1[key], ft_sd[key]), key
    mid = interpolate_state_dicts(adv_sd, ft_sd, 0.3)
    expected = 0.7 * adv_sd["fc.weight"] + 0.3 * ft_sd["fc.weight"]
    assert torch.allclose(mid["fc.weight"], expected, atol=1e-6)
    # a blended model loads into the architecture
    tiny_net.load_state_dict(mid)


def test_interpolation_rejects_bad_input(tiny_net, tiny_batch):
    adv_sd, ft_sd = _two_models(tiny_net, tiny_batch)
    with pytest.raises(ValueError):
        interpolate_state_dicts(adv_sd, ft_sd, 1.5)
    del ft_sd["fc.bias"]
    with pytest.raises(ValueError, match="fc.bias"):
        interpolate_state_dicts(adv_sd, ft_sd, 0.5)


def test_choose_alpha_respects_tolerance():
    records = [
        AlphaRecord(0.0, clean_acc=0.70, adv_acc=0.40),
        AlphaRecord(0.5, clean_acc=0.75, adv_acc=0.3995),
        AlphaRecord(1.0, clean_acc=0.80, adv_acc=0.30),
    ]
    assert choose_alpha(records, tolerance=0.001).alpha == 0.5
    assert choose_alpha(records, tolerance=0.0).alpha == 0.0
    assert choose_alpha(records, tolerance=0.2).alpha == 1.0
    with pytest.raises(ValueError):
        choose_alpha(records[1:])


def test_sweep_measures_each_blend(tiny_net, tiny_batch):
    adv_sd, ft_sd = _two_models(tiny_net, tiny_batch)
    seen = []

    def measure(sd):
        seen.append(float(sd["fc.bias"].sum()))
        return 0.5, 0.5

    records = sweep_alphas(adv_sd, ft_sd, alpha_grid(5), measure)
    assert [r.alpha for r in records] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert seen[0] == pytest.approx(float(adv_sd["fc.bias"].sum()))
    assert seen[-1] == pytest.approx(float(ft_sd["fc.bias"].sum()))
