"""``eval.bench_calibrate``'s noise floor: the ECE a perfectly calibrated model shows on a given number of rows."""

from __future__ import annotations

import numpy as np

from analyzer.evaluation.metrics import expected_calibration_error
from eval.bench_calibrate import sampling_floor


def test_the_floor_shrinks_with_the_rows_and_a_calibrated_sample_sits_near_it():
    rng = np.random.default_rng(0)
    few, many = rng.random(200), rng.random(20000)
    floor_few, floor_many = sampling_floor(few, seed=1), sampling_floor(many, seed=1)
    assert 0 < floor_many < floor_few / 4  # sampling noise falls as 1/sqrt(rows)
    # Labels drawn from the probabilities: their ECE is within the spread of the floor, not zero.
    calibrated = expected_calibration_error(rng.random(200) < few, few)
    assert 0.3 * floor_few < calibrated < 3 * floor_few
    # A model off by 0.2 everywhere stays far above the floor of the same rows.
    shifted = np.clip(few + 0.2, 0, 1)
    assert expected_calibration_error(rng.random(200) < few, shifted) > 2 * floor_few
