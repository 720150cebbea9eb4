"""Distillation (training/distill.py): the loss, the ONNX teacher, and train.py with --teacher."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ombro_contract.card import load_verified
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import ContractMismatchError
from ombro_contract.labels import NUM_CLASSES, PUPPETS
from training import export
from training.distill import DistillationLoss, Teacher
from training.train import cli
from training.utils import load_checkpoint

from .conftest import FAKE_RUN_SPEC

# the tiny runs' preprocessing (FAKE_RUN_SPEC), so the teacher exported from fake_run fits
FAST = ["--input-size", "64", "--lighting", "even", "-b", "8", "--workers", "0", "--no-progress",
        "--no-report"]


@pytest.fixture(scope="module")
def teacher_onnx(fake_run: Path, tmp_path_factory) -> Path:
    """A published fp32 model at the tiny runs' preprocessing (64 px), as export.py writes it."""
    out = tmp_path_factory.mktemp("teacher")
    assert export.main([str(fake_run), "--out", str(out), "--no-int8", "--version", "teacher-1"]) == 0
    return out / "mobilenet_v2.onnx"


def test_without_teacher_logits_the_loss_is_the_label_smoothed_cross_entropy():
    torch.manual_seed(0)
    logits, targets = torch.randn(6, NUM_CLASSES), torch.randint(0, NUM_CLASSES, (6,))
    loss = DistillationLoss(alpha=0.7, temperature=2.0, label_smoothing=0.1)
    want = F.cross_entropy(logits, targets, label_smoothing=0.1)
    assert torch.allclose(loss(logits, targets), want)
    # alpha 0 ignores the teacher altogether
    teacher = torch.randn(6, NUM_CLASSES)
    assert torch.allclose(DistillationLoss(0.0, 2.0, 0.1)(logits, targets, teacher), want)


def test_soft_term_is_tempered_kl_scaled_by_t_squared():
    torch.manual_seed(1)
    s, t = torch.randn(4, NUM_CLASSES), torch.randn(4, NUM_CLASSES)
    targets = torch.zeros(4, dtype=torch.long)
    temp = 3.0
    p_t = (t / temp).softmax(1)
    kl = (p_t * (p_t.log() - (s / temp).log_softmax(1))).sum(1).mean()
    got = DistillationLoss(alpha=1.0, temperature=temp)(s, targets, t)
    assert math.isclose(got.item(), (temp ** 2 * kl).item(), rel_tol=1e-5)
    # a student that already answers like the teacher has nothing left to learn from it
    assert DistillationLoss(alpha=1.0, temperature=temp)(t, targets, t).item() == pytest.approx(0, abs=1e-6)
    # logits shifted by a per-row constant (log-probabilities) teach the same
    assert DistillationLoss(1.0, temp)(s, targets, t - 5.0).item() == pytest.approx(got.item(), rel=1e-5)


def test_gradient_steps_move_the_student_towards_the_teacher():
    torch.manual_seed(2)
    student = torch.randn(8, NUM_CLASSES, requires_grad=True)
    teacher = torch.randn(8, NUM_CLASSES) * 3
    loss_fn = DistillationLoss(alpha=1.0, temperature=2.0)
    targets = torch.zeros(8, dtype=torch.long)
    opt = torch.optim.SGD([student], lr=8.0)
    first = None
    for _ in range(200):
        opt.zero_grad()
        loss = loss_fn(student, targets, teacher)
        first = first if first is not None else loss.item()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first
    assert (student.argmax(1) == teacher.argmax(1)).all()


@pytest.mark.parametrize(("alpha", "temperature"), [(-0.1, 2.0), (1.5, 2.0), (0.5, 0.0)])
def test_bad_settings_are_refused(alpha, temperature):
    with pytest.raises(ValueError, match="alpha|temperature"):
        DistillationLoss(alpha, temperature)


@pytest.mark.slow
def test_teacher_log_probs_are_the_published_models_answers(teacher_onnx: Path):
    teacher = Teacher(teacher_onnx, FAKE_RUN_SPEC)
    assert teacher.version == "teacher-1"
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(5, *FAKE_RUN_SPEC.input_shape))
                         .astype(np.float32))
    probs = PuppetClassifier.from_path(teacher_onnx).run(x.numpy())
    got = teacher.logits(x)
    assert got.shape == (5, NUM_CLASSES) and got.dtype == torch.float32
    np.testing.assert_allclose(got.softmax(1).numpy(), probs, atol=1e-5)


@pytest.fixture(scope="module")
def second_teacher_onnx(fake_run: Path, tmp_path_factory) -> Path:
    """The same tiny run published again as another version, with its int8 file: an ensemble's
    members differ, and the int8 file's probabilities differ a little from the fp32 one's."""
    out = tmp_path_factory.mktemp("teacher2")
    assert export.main([str(fake_run), "--out", str(out), "--version", "teacher-2"]) == 0
    return out / "mobilenet_v2.int8.onnx"


class _FixedAnswers:
    """Stands in for a loaded model: the same probabilities for every image of a batch."""

    def __init__(self, probs: list[float]):
        self.probs = np.asarray(probs, np.float32)

    def run(self, batch: np.ndarray) -> np.ndarray:
        return np.tile(self.probs, (len(batch), 1))


@pytest.mark.slow
def test_several_teachers_teach_their_mean_probabilities(teacher_onnx: Path, second_teacher_onnx: Path):
    teacher = Teacher([teacher_onnx, second_teacher_onnx], FAKE_RUN_SPEC)
    assert teacher.version == "teacher-1+teacher-2-int8"
    assert len(teacher.classifiers) == 2
    # the tiny run's two files answer alike; two distinct answers show how they are combined
    a = np.full(NUM_CLASSES, 0.2 / (NUM_CLASSES - 1)); a[0] = 0.8
    b = np.full(NUM_CLASSES, 0.4 / (NUM_CLASSES - 1)); b[3] = 0.6
    teacher.classifiers = [_FixedAnswers(a), _FixedAnswers(b)]
    got = teacher.logits(torch.zeros(4, *FAKE_RUN_SPEC.input_shape)).softmax(1).numpy()
    # the mean of the probabilities, as the server averages (not of the logits: that would favour
    # the more confident model)
    np.testing.assert_allclose(got, np.tile((a + b) / 2, (4, 1)), atol=1e-6)
    assert got[0].argmax() == 0 and got[0, 0] == pytest.approx(0.4 + 0.2 / (NUM_CLASSES - 1), abs=1e-6)


def test_a_teacher_needs_a_model():
    with pytest.raises(ValueError, match="at least one"):
        Teacher([], FAKE_RUN_SPEC)


def test_a_checkpoint_from_before_several_teachers_still_reads():
    # checkpoints saved when --teacher took one path hold it as a string; --resume compares lists
    from training.config import TrainConfig
    assert TrainConfig.model_validate({"teacher": "models/resnet34.onnx"}).teacher == ["models/resnet34.onnx"]
    assert TrainConfig.model_validate({"teacher": None}).teacher is None


@pytest.mark.slow
def test_teacher_with_other_preprocessing_is_refused_with_the_options_to_pass(teacher_onnx: Path):
    other = FAKE_RUN_SPEC.model_copy(update={"input_size": 112, "lighting": "normalised"})
    with pytest.raises(ContractMismatchError, match="input_size: 64 there, 112 here") as err:
        Teacher(teacher_onnx, other)
    assert "pass --input-size 64 --lighting even" in str(err.value)


@pytest.mark.slow
def test_train_with_teacher_records_it_and_resume_keeps_it(teacher_onnx: Path, tiny_dataset_shared: Path,
                                                           tmp_path: Path, capsys):
    run = tmp_path / "kd"

    def train(alpha: str, *more: str) -> int:
        return cli(["--data", str(tiny_dataset_shared), "--out", str(run), "--teacher", str(teacher_onnx),
                    "--kd-alpha", alpha, "--kd-temperature", "3", *FAST, *more])

    assert train("0.5", "--epochs", "1") == 0
    assert "distilling from teacher-1" in capsys.readouterr().out
    best = load_checkpoint(run / "model_best.pth")
    assert best["teacher"] == "teacher-1"
    ckpt = load_checkpoint(run / "checkpoint.pth")
    assert (ckpt["config"]["teacher"], ckpt["config"]["kd_alpha"], ckpt["config"]["kd_temperature"]) == (
        [str(teacher_onnx)], 0.5, 3.0)
    # continuing under another teacher setting would mix two objectives in one run
    with pytest.raises(SystemExit, match="same distillation options"):
        train("0.9", "--epochs", "2", "--resume")
    assert train("0.5", "--epochs", "2", "--resume") == 0
    assert load_checkpoint(run / "checkpoint.pth")["epoch"] == 1


@pytest.mark.slow
def test_export_of_a_distilled_run_names_its_teacher_in_the_card(teacher_onnx: Path,
                                                                 tiny_dataset_shared: Path,
                                                                 tmp_path: Path):
    run = tmp_path / "kd"
    assert cli(["--data", str(tiny_dataset_shared), "--out", str(run), "--teacher", str(teacher_onnx),
                "--epochs", "1", *FAST]) == 0
    assert export.main([str(run), "--out", str(tmp_path / "out"), "--no-int8", "--version", "kd-1"]) == 0
    card = load_verified(tmp_path / "out" / "mobilenet_v2.onnx")
    assert card.metrics["distilled_from"] == "teacher-1"
    assert card.classes == list(PUPPETS)


@pytest.mark.slow
def test_train_with_two_teachers_records_both(teacher_onnx: Path, second_teacher_onnx: Path,
                                              tiny_dataset_shared: Path, tmp_path: Path, capsys):
    run = tmp_path / "kd2"
    args = ["--data", str(tiny_dataset_shared), "--out", str(run), "--teacher", str(teacher_onnx),
            "--teacher", str(second_teacher_onnx), *FAST]
    assert cli([*args, "--epochs", "1"]) == 0
    assert "distilling from teacher-1+teacher-2-int8" in capsys.readouterr().out
    assert load_checkpoint(run / "model_best.pth")["teacher"] == "teacher-1+teacher-2-int8"
    assert load_checkpoint(run / "checkpoint.pth")["config"]["teacher"] == [
        str(teacher_onnx), str(second_teacher_onnx)]
    # one of the two teachers is another objective: refused on --resume
    with pytest.raises(SystemExit, match="same distillation options"):
        cli(["--data", str(tiny_dataset_shared), "--out", str(run), "--teacher", str(teacher_onnx),
             *FAST, "--epochs", "2", "--resume"])


def test_missing_teacher_file_fails_with_a_clear_error(tiny_dataset_shared: Path, tmp_path: Path, capsys):
    rc = cli(["--data", str(tiny_dataset_shared), "--out", str(tmp_path / "kd"),
              "--teacher", str(tmp_path / "nope.onnx"), "--epochs", "1", *FAST])
    assert rc == 2
    assert "nope" in capsys.readouterr().err


def test_a_missing_teacher_stops_the_run_before_any_data_is_read(tmp_path: Path, capsys):
    """A typo in --teacher must cost seconds, not the minutes of generating a dataset first."""
    not_a_dataset = tmp_path / "data"
    not_a_dataset.mkdir()
    rc = cli(["--data", str(not_a_dataset), "--out", str(tmp_path / "run"),
              "--teacher", str(tmp_path / "typo.onnx"), *FAST, "--epochs", "1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "typo.onnx does not exist" in err
    assert "train" not in err.replace(str(tmp_path), "")  # not the empty dataset's complaint
