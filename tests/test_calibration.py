"""`analyzer calibrate` and the calibration it writes: the fit, the checkpoint, the report's intervals."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from analyzer.calibration import (
    MIX,
    PLATT,
    CalibrationError,
    calibrate_logits,
    platt_probabilities,
    platt_replicates,
    site_probabilities,
)
from analyzer.cli import main
from analyzer.evaluation.metrics import expected_calibration_error, roc_auc
from analyzer.model import TOXICITY_ATTRIBUTES, build_tiny_model, load_model
from analyzer.report.data import calibration_phrase, load
from analyzer.report.estimates import CalibrationSpread, estimate_article


ATTRIBUTES = TOXICITY_ATTRIBUTES  # the tiny model's, as every checkpoint's


def _miscalibrated(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Raw logits of every attribute, where the true probability is sigmoid(2·toxicity logit − 1.5) and the
    other attributes carry nothing: the tiny model's identity calibration is off."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, (n, len(ATTRIBUTES)))
    positive = rng.random(n) < 1 / (1 + np.exp(-(2 * logits[:, 0] - 1.5)))
    return logits, positive.astype(int)


def _labelled_by_a_mix(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An outlet whose positives are about groups: its labels follow identity_attack as much as toxicity."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, (n, len(ATTRIBUTES)))
    mixed = 1.5 * logits[:, 0] + 2.0 * logits[:, ATTRIBUTES.index("identity_attack")] - 0.5
    return logits, (rng.random(n) < 1 / (1 + np.exp(-mixed))).astype(int)


def test_refit_recovers_the_true_calibration_and_cuts_the_error():
    logits, positive = _miscalibrated(4000)
    fitted = calibrate_logits(build_tiny_model(), logits, positive)
    assert fitted.form == PLATT  # the other attributes carry nothing: the mix does not earn its place
    assert fitted.out_of_fold_log_loss[MIX] > fitted.out_of_fold_log_loss[PLATT] - 0.01
    assert fitted.params["scale"] == pytest.approx(2.0, abs=0.25)
    assert fitted.params["bias"] == pytest.approx(-1.5, abs=0.25)
    assert fitted.ece_before.estimate > 0.08
    assert fitted.ece_after.estimate < 0.03 and fitted.ece_after.low <= fitted.ece_after.estimate <= fitted.ece_after.high
    assert 0.05 < fitted.threshold < 0.5 and fitted.threshold_f1 > 0.4
    assert len(fitted.replicates) == 200 and fitted.backend == "torch"


def test_200_rows_bring_the_error_on_the_other_rows_below_005():
    """The issue's promise on synthetic data: calibrate on 200, measure on the rest."""
    logits, positive = _miscalibrated(5200, seed=1)
    fitted = calibrate_logits(build_tiny_model(), logits[:200], positive[:200])
    rest = slice(200, None)
    before = expected_calibration_error(positive[rest], 1 / (1 + np.exp(-logits[rest, 0])))
    after = expected_calibration_error(positive[rest], site_probabilities(logits[rest], ATTRIBUTES, "toxicity",
                                                                          fitted.params))
    assert before > 0.08 and after < 0.05


def test_replicates_spread_around_the_fit_and_are_deterministic():
    logits, positive = _miscalibrated(300, seed=3)
    replicates = np.array(platt_replicates(logits[:, 0], positive, n=100))
    assert replicates[:, 0].std() > 0.05 and abs(np.median(replicates[:, 0]) - 2.0) < 0.6
    assert platt_replicates(logits[:, 0], positive, n=10) == platt_replicates(logits[:, 0], positive, n=10)


def test_an_outlet_whose_labels_mix_attributes_gets_the_mix_and_a_better_ranking():
    logits, positive = _labelled_by_a_mix(1200, seed=5)
    model = build_tiny_model()
    fitted = calibrate_logits(model, logits[:300], positive[:300])
    assert fitted.form == MIX and fitted.out_of_fold_log_loss[MIX] < fitted.out_of_fold_log_loss[PLATT] - 0.01
    weights = fitted.params["weights"]
    assert weights["identity_attack"] > 1.0 and weights["toxicity"] > 0.8 and abs(weights["threat"]) < 0.4
    rest = slice(300, None)
    after = site_probabilities(logits[rest], ATTRIBUTES, "toxicity", fitted.params)
    assert roc_auc(positive[rest], after) > roc_auc(positive[rest], logits[rest, 0]) + 0.08
    assert expected_calibration_error(positive[rest], after) < 0.05
    # the checkpoint scores with the mix, from the network's raw logits of every attribute
    calibrated = model.with_config(replace(model.config, toxicity_calibration={"toxicity": fitted.params}))
    scored = calibrated.calibrate_toxicity(torch.tensor(logits[rest], dtype=torch.float32))[:, 0].numpy()
    assert scored == pytest.approx(after, abs=1e-5)
    # the report inverts the scores to the mix's logit, and the refits are lines on it near the identity
    spread = CalibrationSpread.from_record(fitted.record())
    assert (spread.scale, spread.bias) == (1.0, 0.0) and len(spread.replicates) == 200
    slopes = np.array(spread.replicates)[:, 0]
    assert 0.7 < np.median(slopes) < 1.3 and slopes.std() > 0.02
    assert spread.raw_logits(after) == pytest.approx(np.log(after / (1 - after)), abs=1e-4)
    assert calibration_phrase(fitted.record()).startswith("site (attribute mix): 300 labeled comments")


def test_refits_of_another_attribute_do_not_touch_the_toxic_share():
    logits, positive = _miscalibrated(300, seed=2)
    swapped = logits[:, [2, 1, 0, 3, 4, 5, 6]]  # the labels follow the insult column now
    insult = calibrate_logits(build_tiny_model(), swapped, positive, attribute="insult")
    assert insult.form == PLATT and CalibrationSpread.from_record(insult.record()) is None
    toxicity = calibrate_logits(build_tiny_model(), logits, positive)
    assert CalibrationSpread.from_record(toxicity.record()).scale == pytest.approx(toxicity.params["scale"])


def test_too_few_positives_or_an_unknown_attribute_is_refused():
    logits = np.linspace(-2, 2, 700).reshape(100, 7)
    with pytest.raises(CalibrationError, match="one column per attribute"):
        calibrate_logits(build_tiny_model(), logits[:, 0], np.arange(100) % 2)
    with pytest.raises(CalibrationError, match="3 positive"):
        calibrate_logits(build_tiny_model(), logits, np.r_[np.ones(3), np.zeros(97)])
    with pytest.raises(CalibrationError, match="no attribute 'profanity'"):
        calibrate_logits(build_tiny_model(), logits, np.arange(100) % 2, attribute="profanity")


@pytest.fixture
def tiny_checkpoint(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    build_tiny_model(seed=4).save(folder)
    return folder


def _labeled_file(path: Path, n: int = 120) -> Path:
    rows = [{"comment": f"reader {i} says " + ("you absolute clown" if i % 3 == 0 else "a fair point on the budget"),
             "label": "toxic" if i % 3 == 0 else "ok"} for i in range(n)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_cli_writes_a_calibrated_checkpoint_that_score_uses(tiny_checkpoint, tmp_path, capsys):
    data = _labeled_file(tmp_path / "site.csv")
    out = tmp_path / "calibrated"
    code = main(["calibrate", "--data", str(data), "--model", str(tiny_checkpoint), "--out", str(out),
                 "--text-column", "comment", "--label-map", "toxic=1,ok=0", "--backend", "torch"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "calibrated toxicity on 120 labeled comments (40 positive)" in err and "warning: 120 labeled rows" in err
    config = json.loads((out / "config.json").read_text())
    record = config["calibration"]
    assert record["kind"] == "site" and record["rows"] == 120 and record["fitted_on"][0]["rows"] == 120
    assert config["toxicity_calibration"]["toxicity"] == record["params"]
    assert config["toxicity_threshold"] == record["threshold"]
    assert "## Site calibration" in (out / "README.md").read_text()
    assert (out / "model.safetensors").read_bytes() == (tiny_checkpoint / "model.safetensors").read_bytes()

    original, calibrated = load_model(tiny_checkpoint, backend="torch"), load_model(out, backend="torch")
    text = "you absolute clown"
    raw = original.logits([text], [None])[0][0, 0].item()
    assert calibrated.predict(text).toxicity["toxicity"] == pytest.approx(
        platt_probabilities(np.array([raw]), record["params"])[0], abs=1e-6)

    comments = tmp_path / "comments.csv"
    pd.DataFrame({"article_id": ["a"] * 6, "comment_id": list("123456"),
                  "text": ["you absolute clown", "fair point", "budget talk", "clown show", "ok", "fine"]}).to_csv(
        comments, index=False)
    scores = tmp_path / "scores.csv"
    assert main(["score", str(comments), "-o", str(scores), "--model", str(out), "--backend", "torch",
                 "--no-progress"]) == 0
    meta = json.loads((tmp_path / "scores.meta.json").read_text())
    assert meta["model"]["calibration"]["kind"] == "site"
    run = load(scores).run
    assert run.calibration.startswith("site: 120 labeled comments of site.csv")
    assert run.spread is not None and len(run.spread.replicates) == 200


def test_cli_refuses_to_overwrite_its_model_and_names_bad_rows(tiny_checkpoint, tmp_path, capsys):
    data = _labeled_file(tmp_path / "site.csv")
    assert main(["calibrate", "--data", str(data), "--model", str(tiny_checkpoint), "--out", str(tiny_checkpoint),
                 "--text-column", "comment", "--label-map", "toxic=1,ok=0", "--backend", "torch"]) == 1
    err = capsys.readouterr().err
    assert "is the model being calibrated" in err and "scoring" not in err

    frame = pd.read_csv(data)
    frame.loc[5, "label"] = "maybe"
    frame.to_csv(data, index=False)
    code = main(["calibrate", "--data", str(data), "--model", str(tiny_checkpoint), "--out", str(tmp_path / "c"),
                 "--text-column", "comment", "--label-map", "toxic=1,ok=0", "--backend", "torch"])
    err = capsys.readouterr().err
    assert code == 1 and "row 6: toxicity label 'maybe' is not 0/1" in err
    assert json.loads((tmp_path / "c" / "config.json").read_text())["calibration"]["rows"] == 119


def test_calibration_refits_widen_the_toxic_share_interval():
    comments = pd.DataFrame({"toxicity": np.random.default_rng(0).uniform(0.05, 0.6, 80)})
    plain = estimate_article(comments, 0.3).toxic
    same = CalibrationSpread(2.0, -1.0, ((2.0, -1.0),) * 50)
    unchanged = estimate_article(comments, 0.3, same).toxic
    assert (unchanged.low, unchanged.high) == pytest.approx((plain.low, plain.high), abs=1e-9)
    rng = np.random.default_rng(1)
    spread = CalibrationSpread(2.0, -1.0, tuple((2.0 + rng.normal(0, 0.3), -1.0 + rng.normal(0, 0.3)) for _ in range(200)))
    wide = estimate_article(comments, 0.3, spread).toxic
    assert wide.mean == plain.mean
    assert wide.high - wide.low > 1.3 * (plain.high - plain.low)
    assert wide.low <= wide.mean <= wide.high


def test_score_on_int8_rechecks_in_float_unless_told_not_to(tiny_checkpoint, tmp_path):
    comments = tmp_path / "comments.csv"
    pd.DataFrame({"article_id": ["a"] * 3, "comment_id": list("123"), "text": ["clown show", "fair point", "ok"]}).to_csv(
        comments, index=False)
    bands = {}
    for flags in ([], ["--no-float-recheck"]):
        scores = tmp_path / f"scores{len(flags)}.csv"
        assert main(["score", str(comments), "-o", str(scores), "--model", str(tiny_checkpoint), "--backend", "onnx-int8",
                     "--no-progress", *flags]) == 0
        bands[len(flags)] = json.loads((tmp_path / f"scores{len(flags)}.meta.json").read_text())["model"]["float_recheck"]
    assert bands == {0: {"stance_margin": 0.04, "toxicity_logit_band": 0.05}, 1: None}
