"""Suite-wide fixtures. Each area keeps its own in tests/<area>/conftest.py."""

import os

import numpy as np
import pytest

# Tests must not fight over the 2 cores, and must never pick up a developer's real models dir.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
