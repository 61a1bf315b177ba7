"""The adaptation benchmark's measuring step, on a few short texts (speed is not checked, only its shape)."""

from __future__ import annotations

import pytest

from eval.bench_adapt import LOSSES, measure
from training.adapt import AdaptArguments


def test_both_losses_start_from_the_same_value_on_the_same_masks():
    args = AdaptArguments(batch_size=2, max_length=16)
    masked, full = (measure(loss_name, steps=1, args=args, threads=1) for loss_name in LOSSES)
    assert masked["first_loss"] == pytest.approx(full["first_loss"], rel=1e-5)
    assert masked["batch_shapes"] == full["batch_shapes"] == [[2, 16]]
    assert masked["seconds_per_step"] > 0 and masked["peak_rss_mib"] > 0
