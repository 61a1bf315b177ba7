"""Shared test fixtures. Tests over the real files in ../shared skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: A ``device`` parameter value for tests that also run on a GPU (``pytest -m gpu`` there).
ON_A_GPU = pytest.param(
    "cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")]
)


@pytest.fixture
def shared() -> Path:
    """The ../shared folder beside the checkout; the test is skipped when it is not there."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a user's fresh clone has none)")
    return SHARED


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one thread avoids thread hand-off costs that dominate on a busy machine."""
    import torch  # here, not at the top: most tests never need torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def private_model_cache(tmp_path_factory):
    """ONNX files built by tests go to a temporary folder, never into the user's ~/.cache."""
    import os

    previous = os.environ.get("COMMENT_ANALYZER_CACHE")
    os.environ["COMMENT_ANALYZER_CACHE"] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if previous is None:
        del os.environ["COMMENT_ANALYZER_CACHE"]
    else:
        os.environ["COMMENT_ANALYZER_CACHE"] = previous
