"""Every metric against values worked out by hand on tiny examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.evaluation.metrics import (
    at_threshold,
    average_precision,
    best_f1_threshold,
    between_group_share,
    bootstrap_ci,
    expected_calibration_error,
    f_avg,
    macro_f1,
    others_in_group_mean,
    reliability_bins,
    roc_auc,
    stance_metrics,
    toxicity_metrics,
    within_group_pairs,
    within_group_roc_auc,
)

# Scores ranked high → low: 0.8 (toxic), 0.4 (clean), 0.35 (toxic), 0.1 (clean).
Y = [0, 0, 1, 1]
SCORES = [0.1, 0.4, 0.35, 0.8]


def test_roc_auc_counts_correctly_ordered_pairs():
    # 4 (toxic, clean) pairs; only (0.35 toxic, 0.4 clean) is in the wrong order → 3/4.
    assert roc_auc(Y, SCORES) == pytest.approx(0.75)


def test_roc_auc_counts_ties_as_half_and_is_undefined_for_one_class():
    assert roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert math.isnan(roc_auc([1, 1], [0.2, 0.9]))


def test_average_precision_is_mean_precision_at_each_positive():
    # Positives are found at ranks 1 and 3: precisions 1/1 and 2/3.
    assert average_precision(Y, SCORES) == pytest.approx((1 + 2 / 3) / 2)


def test_precision_recall_f1_at_a_fixed_threshold():
    result = at_threshold(Y, SCORES, 0.3)  # flags 0.4, 0.35, 0.8 → TP 2, FP 1, FN 0
    assert (result.precision, result.recall, result.f1) == pytest.approx((2 / 3, 1.0, 0.8))
    assert result.predicted_positive == 3


def test_best_threshold_maximises_f1():
    # Cutting at 0.8 → F1 2/3; at 0.4 → 1/2; at 0.35 → 0.8; at 0.1 → 2/3.
    best = best_f1_threshold(Y, SCORES)
    assert best.threshold == pytest.approx(0.35)
    assert best.f1 == pytest.approx(0.8)


def test_binary_metrics_refuse_labels_that_are_not_zero_one():
    with pytest.raises(ValueError, match="0/1"):
        roc_auc([0, 2], [0.1, 0.9])


def test_ece_weights_each_bins_gap_by_its_share_of_rows():
    # Two bins. [0, .5): p 0.2, 0.4 (mean .3), labels 0, 1 (rate .5) → gap .2, weight .5.
    # [.5, 1]: p 0.6, 0.9 (mean .75), labels 1, 1 (rate 1) → gap .25, weight .5.
    assert expected_calibration_error([0, 1, 1, 1], [0.2, 0.4, 0.6, 0.9], n_bins=2) == pytest.approx(0.225)


def test_ece_is_zero_when_probabilities_match_the_rates():
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)


def test_reliability_bins_put_probability_one_in_the_last_bin_and_mark_empty_bins():
    bins = reliability_bins([1, 0], [1.0, 0.05], n_bins=4)
    assert [b.count for b in bins] == [1, 0, 0, 1]
    assert bins[3].mean_probability == 1.0 and bins[3].positive_rate == 1.0
    assert math.isnan(bins[1].mean_probability)


def test_toxicity_metrics_bundle_the_numbers():
    result = toxicity_metrics(Y, SCORES, threshold=0.5)
    assert result["n"] == 4 and result["positives"] == 2
    assert result["roc_auc"] == pytest.approx(0.75)
    assert result["at_model_threshold"]["recall"] == pytest.approx(0.5)  # only 0.8 is flagged
    assert len(result["reliability"]) == 10


# favor: TP 1, FP 1, FN 1 → F1 .5; against: TP 2, FP 1, FN 0 → F1 .8; none: TP 1, FN 1 → F1 2/3.
TRUE = ["favor", "favor", "against", "against", "none", "none"]
PRED = ["favor", "against", "against", "against", "none", "favor"]


def test_macro_f1_and_f_avg_by_hand():
    assert macro_f1(TRUE, PRED) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert f_avg(TRUE, PRED) == pytest.approx((0.5 + 0.8) / 2)


def test_stance_metrics_per_class_and_confusion_rows_are_true_labels():
    result = stance_metrics(TRUE, PRED)
    assert result["per_class"]["against"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2}
    )
    assert result["per_class"]["none"]["precision"] == pytest.approx(1.0)
    assert result["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert result["accuracy"] == pytest.approx(4 / 6)


def test_a_class_never_seen_nor_predicted_counts_as_zero_in_macro_f1():
    # Perfect on favor/against, but "none" exists in neither list: macro-F1 still averages 3 classes.
    assert macro_f1(["favor", "against"], ["favor", "against"]) == pytest.approx(2 / 3)
    assert f_avg(["favor", "against"], ["favor", "against"]) == pytest.approx(1.0)


def test_bootstrap_interval_contains_the_estimate_and_is_deterministic():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 200)
    scores = np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1)
    first = bootstrap_ci(roc_auc, y, scores, n_resamples=200, seed=3)
    again = bootstrap_ci(roc_auc, y, scores, n_resamples=200, seed=3)
    other_seed = bootstrap_ci(roc_auc, y, scores, n_resamples=200, seed=4)
    assert first == again
    assert (first.low, first.high) != (other_seed.low, other_seed.high)
    assert first.low < first.estimate < first.high
    assert first.estimate == pytest.approx(roc_auc(y, scores))
    assert first.high - first.low < 0.2


def test_bootstrap_skips_resamples_where_the_metric_is_undefined():
    # One positive in 30 rows: many resamples draw none, their AUC is NaN and must not poison the CI.
    y = np.array([1] + [0] * 29)
    scores = np.linspace(1, 0, 30)
    interval = bootstrap_ci(roc_auc, y, scores, n_resamples=100, seed=0)
    assert interval.low == pytest.approx(1.0) and interval.high == pytest.approx(1.0)


def test_bootstrap_by_cluster_draws_whole_clusters():
    # Two articles of 50 comments: one scored all right, one all wrong. Drawn row by row, accuracy
    # stays near 0.5; drawn article by article, a resample holds 0, 1 or 2 copies of the good one.
    right = np.array([1] * 50 + [0] * 50)
    article = np.array(["a"] * 50 + ["b"] * 50)
    accuracy = lambda r: float(np.mean(r))  # noqa: E731
    rows = bootstrap_ci(accuracy, right, n_resamples=400, seed=0)
    articles = bootstrap_ci(accuracy, right, n_resamples=400, seed=0, clusters=article)
    assert 0.35 < rows.low < rows.estimate == 0.5 < rows.high < 0.65
    assert (articles.low, articles.high) == (0.0, 1.0)
    # Every resample has as many rows as clusters drawn bring: here always 100.
    sizes = bootstrap_ci(lambda r: float(len(r)), right, n_resamples=50, seed=1, clusters=article)
    assert sizes.low == sizes.high == 100


def test_bootstrap_works_on_string_labels():
    interval = bootstrap_ci(macro_f1, TRUE * 10, PRED * 10, n_resamples=100, seed=0)
    assert interval.low <= interval.estimate <= interval.high


def test_within_group_roc_auc_ranks_only_pairs_under_one_article():
    # Article a: every comment scores higher than in b, so pooled across articles b's toxic comment
    # (0.3) ranks below a's clean ones; under each article alone the ranking is right except one tie.
    y = [1, 0, 0, 1, 0, 0]
    scores = [0.9, 0.6, 0.6, 0.3, 0.3, 0.1]
    groups = ["a", "a", "a", "b", "b", "b"]
    # Pairs: a → (0.9 > 0.6, 0.9 > 0.6); b → (0.3 = 0.3 counts half, 0.3 > 0.1).
    assert within_group_pairs(y, groups) == 4
    assert within_group_roc_auc(y, scores, groups) == pytest.approx(3.5 / 4)
    assert roc_auc(y, scores) == pytest.approx((2 + 2 + 0.5 * 1 + 1) / 8)
    # A group with one class brings no pair; without any mixed group the AUC is undefined.
    assert within_group_roc_auc(y + [1], scores + [0.0], groups + ["c"]) == pytest.approx(3.5 / 4)
    assert math.isnan(within_group_roc_auc([1, 0], [0.2, 0.8], ["a", "b"]))


def test_between_group_share_is_zero_without_group_effect_and_one_without_spread_inside():
    groups = ["a"] * 4 + ["b"] * 4 + ["c"] * 4
    only_between = [1.0] * 4 + [2.0] * 4 + [3.0] * 4
    assert between_group_share(only_between, groups) == pytest.approx(1.0)
    # The same four values under every group: the groups explain nothing (the estimator dips below 0).
    same_inside = [1.0, 2.0, 3.0, 4.0] * 3
    assert between_group_share(same_inside, groups) < 0
    rng = np.random.default_rng(0)
    offsets = np.repeat(rng.normal(0, 1, 200), 10)  # between-group variance 1, within-group variance 1
    values = offsets + rng.normal(0, 1, 2000)
    assert between_group_share(values, np.repeat(np.arange(200), 10)) == pytest.approx(0.5, abs=0.1)
    assert math.isnan(between_group_share([1.0, 2.0], ["a", "a"]))


def test_others_in_group_mean_leaves_the_row_itself_out():
    values = [1.0, 2.0, 6.0, 5.0]
    groups = ["a", "a", "a", "b"]
    # b's one row has no mates: it gets the overall mean, 3.5.
    assert others_in_group_mean(values, groups).tolist() == [4.0, 3.5, 1.5, 3.5]
