"""Shared fixtures for the generator tests: one tiny dataset reused by several tests."""

import pytest

from training.synth import generate_dataset


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """3 images per puppet at 64 px, written once per test session (about a second)."""
    out = tmp_path_factory.mktemp("synth") / "ds"
    manifest = generate_dataset(out, per_class=3, seed=11, size=64, val_fraction=0.34,
                                workers=1, progress=False)
    return out, manifest
