"""Toxicity calibration: the Platt fit and threshold rule that training uses, and the site calibration
behind ``analyzer calibrate``.

Why a site calibration. The shipped probabilities are calibrated on the training outlet's validation
comments. On another outlet the ranking carries over much better than the probabilities do: on another
crowd's labels of the same kind of comments the expected calibration error (ECE) was about 0.10 where it
is 0.02 on the training outlet, so every "toxic share" a report shows would inherit that error. Two
numbers per attribute fix it, so a few hundred of the site's own labeled comments are enough.

What ``calibrate_model`` does, on labeled comments of one outlet:

* scores them once (raw logits of one attribute, the model's full scoring path);
* refits the Platt scaling ``p = sigmoid(a * logit + b)`` on all of them;
* sets the decision threshold for ``toxicity`` by the training rule (half the best F1 on
  cross-fitted probabilities: ``decision_threshold``);
* measures the ECE before (the model's own calibration) and after (out-of-fold: each row's probability
  comes from a fit that did not see it, so the "after" number is not flattered), each with a
  bootstrap interval;
* keeps ``REPLICATES`` bootstrap refits of ``(a, b)``: the report redraws its toxic shares through them,
  so their intervals carry the calibration's own uncertainty next to the sampling one.

Limits. A calibration fits one outlet's base rate and labelling idea: it does not change the ranking
(ROC-AUC is untouched), and it goes stale when the comment mix or the labelling guideline changes.
The labels must come from a random sample of the outlet's comments, not from flagged ones, or the
base rate is wrong.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from analyzer.evaluation import metrics as evaluation_metrics
from analyzer.model import CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, Model, ModelError

#: Bootstrap refits of the Platt parameters kept with a site calibration (for the report's intervals).
REPLICATES = 200
#: Folds of the out-of-fold probabilities behind the "after" ECE and the threshold.
FOLDS = 5
#: Fewer positives or negatives than this cannot place a sigmoid.
MIN_PER_CLASS = 5
#: Below this many rows the command warns: the interval of the ECE gets wide.
RECOMMENDED_ROWS = 200
SEED = 0


class CalibrationError(ValueError):
    """The labeled rows cannot carry a calibration (too few of a class, an unknown attribute)."""


# --- the fit (training uses it too) ------------------------------------------------------------


def fit_platt(logits: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    """Platt scaling: calibrated p = sigmoid(scale * logit + bias), fitted by logistic regression."""
    regression = LogisticRegression(C=1e4).fit(np.asarray(logits).reshape(-1, 1), np.asarray(positive).astype(int))
    return {"scale": float(regression.coef_[0, 0]), "bias": float(regression.intercept_[0])}


def platt_probabilities(logits: np.ndarray, params: dict[str, float]) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(params["scale"] * np.asarray(logits, dtype=float) + params["bias"])))


def decision_threshold(probabilities: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(threshold, F1 there) for calibrated probabilities: half the best F1 reachable on these rows.

    For calibrated scores the F1-optimal threshold is F1*/2 (Lipton, Elkan & Narayanaswamy 2014).
    The best F1 is a steady number; *where* the empirical F1 curve peaks is not: on 700 validation
    comments with 78 toxic ones the peak of model 0.6.0's curve sat at 0.113, which flags a third of
    all C3 comments (9% are toxic), while its F1 there differs from the F1 at 0.2 by noise.
    """
    threshold = evaluation_metrics.best_f1_threshold(positive, probabilities).f1 / 2
    return threshold, evaluation_metrics.at_threshold(positive, probabilities, threshold).f1


def out_of_fold_probabilities(logits: np.ndarray, positive: np.ndarray, folds: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """Each row's Platt probability from a fit on the other folds (stratified, so each fold has both classes)."""
    positive = np.asarray(positive).astype(int)
    splits = min(folds, int(positive.sum()), int(len(positive) - positive.sum()))
    probabilities = np.empty(len(positive))
    for fit_rows, held_rows in StratifiedKFold(splits, shuffle=True, random_state=seed).split(logits, positive):
        probabilities[held_rows] = platt_probabilities(logits[held_rows], fit_platt(logits[fit_rows], positive[fit_rows]))
    return probabilities


def platt_replicates(logits: np.ndarray, positive: np.ndarray, n: int = REPLICATES, seed: int = SEED) -> list[list[float]]:
    """``n`` Platt fits on bootstrap resamples of the rows (resamples with one class only are redrawn)."""
    rng = np.random.default_rng(seed)
    positive = np.asarray(positive).astype(int)
    fits: list[list[float]] = []
    while len(fits) < n:
        rows = rng.integers(0, len(positive), len(positive))
        if 0 < positive[rows].sum() < len(rows):
            params = fit_platt(logits[rows], positive[rows])
            fits.append([round(params["scale"], 6), round(params["bias"], 6)])
    return fits


# --- a site calibration --------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteCalibration:
    """What ``calibrate_model`` fitted and measured; ``record()`` goes into the checkpoint's config."""

    attribute: str
    fitted_on: list[dict[str, Any]]
    rows: int
    positives: int
    params: dict[str, float]
    threshold: float | None
    threshold_f1: float | None
    ece_before: evaluation_metrics.Interval
    ece_after: evaluation_metrics.Interval
    replicates: list[list[float]]
    model: str
    #: The scoring backend the logits came from (int8 moves them a little): score with the same one.
    backend: str
    created_at: str

    def record(self) -> dict[str, Any]:
        return {"kind": "site", **asdict(self)}

    def summary_lines(self) -> list[str]:
        before, after = self.ece_before, self.ece_after
        lines = [
            f"calibrated {self.attribute} on {self.rows} labeled comments ({self.positives} positive)",
            f"expected calibration error: before {before.estimate:.3f} [{before.low:.3f}, {before.high:.3f}], "
            f"after {after.estimate:.3f} [{after.low:.3f}, {after.high:.3f}] (out-of-fold)",
        ]
        if self.threshold is not None:
            lines.append(f"toxicity threshold: {self.threshold:.3f} (F1 there, out-of-fold: {self.threshold_f1:.3f})")
        return lines


def _require_attribute(model: Model, attribute: str) -> None:
    if attribute not in model.attributes:
        raise CalibrationError(f"the model has no attribute {attribute!r}; it has {', '.join(model.attributes)}")


def calibrate_logits(
    model: Model, logits: np.ndarray, positive: np.ndarray, *, attribute: str = "toxicity",
    fitted_on: list[dict[str, Any]] | None = None, bootstrap_resamples: int = 1000,
) -> SiteCalibration:
    """Fit a site calibration of ``attribute`` from its raw logits (one per labeled comment) and 0/1 labels."""
    positive = np.asarray(positive).astype(int)
    logits = np.asarray(logits, dtype=float)
    _require_attribute(model, attribute)
    negatives = len(positive) - int(positive.sum())
    if min(int(positive.sum()), negatives) < MIN_PER_CLASS:
        raise CalibrationError(
            f"{positive.sum()} positive and {negatives} negative rows: a calibration needs at least "
            f"{MIN_PER_CLASS} of each (a random sample of a few hundred comments usually has them)"
        )
    shipped = model.config.toxicity_calibration.get(attribute)
    before = platt_probabilities(logits, shipped) if shipped else 1.0 / (1.0 + np.exp(-logits))
    after = out_of_fold_probabilities(logits, positive)
    ece = evaluation_metrics.expected_calibration_error

    def interval(probabilities: np.ndarray) -> evaluation_metrics.Interval:
        return evaluation_metrics.bootstrap_ci(ece, positive, probabilities, n_resamples=bootstrap_resamples, seed=SEED)

    # The decision threshold is on ``toxicity`` (``Model.is_toxic``); other attributes keep it as it is.
    threshold, f1 = decision_threshold(after, positive) if attribute == "toxicity" else (None, None)
    return SiteCalibration(
        attribute=attribute, fitted_on=fitted_on or [], rows=len(positive), positives=int(positive.sum()),
        params=fit_platt(logits, positive),
        threshold=None if threshold is None else round(threshold, 4), threshold_f1=f1,
        ece_before=interval(before), ece_after=interval(after),
        replicates=platt_replicates(logits, positive),
        model=f"{model.name} {model.version}", backend=model.backend, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def calibrate_model(
    model: Model, texts: list[str], positive: np.ndarray, *, attribute: str = "toxicity",
    fitted_on: list[dict[str, Any]] | None = None, batch_size: int = 32, show_progress_bar: bool = False,
) -> tuple[Model, SiteCalibration]:
    """Score ``texts`` with ``model`` and fit a site calibration; returns the recalibrated model (same
    network, new config) and what was fitted. Only toxicity attributes are touched: stance keeps its own."""
    _require_attribute(model, attribute)
    raw, _ = model.logits(texts, [None] * len(texts), batch_size=batch_size, show_progress_bar=show_progress_bar)
    fitted = calibrate_logits(model, raw[:, model.attributes.index(attribute)].numpy(), positive,
                              attribute=attribute, fitted_on=fitted_on)
    config = replace(
        model.config,
        toxicity_calibration={**model.config.toxicity_calibration, attribute: fitted.params},
        toxicity_threshold=model.config.toxicity_threshold if fitted.threshold is None else fitted.threshold,
        calibration=fitted.record(),
    )
    return model.with_config(config), fitted


def refuse_overwrite(source: Path, out: Path) -> None:
    """A calibrated copy never replaces the checkpoint it came from."""
    if out.resolve() == source.resolve():
        raise ModelError(f"{out}: is the model being calibrated; write the calibrated copy to another folder")


def save_calibrated(source: Path, model: Model, fitted: SiteCalibration, out: Path) -> None:
    """Write the recalibrated checkpoint to ``out``: the source's weights unchanged, the new config, and
    the source's card with a "Site calibration" section that supersedes its threshold and calibration."""
    refuse_overwrite(source, out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / WEIGHTS_FILE, out / WEIGHTS_FILE)
    (out / CONFIG_FILE).write_text(model.config.to_json() + "\n", encoding="utf-8")
    card = (source / CARD_FILE).read_text(encoding="utf-8") if (source / CARD_FILE).is_file() else ""
    (out / CARD_FILE).write_text(card.rstrip() + "\n\n" + card_section(fitted), encoding="utf-8")
    model.path = out


def card_section(fitted: SiteCalibration) -> str:
    """The model card's account of a site calibration (Markdown)."""
    before, after = fitted.ece_before, fitted.ece_after
    files = "; ".join(f"`{f['path']}` (sha256 {f['sha256'][:12]}…, {f['rows']} rows)" for f in fitted.fitted_on)
    threshold = (f"the decision threshold on `toxicity` is now **{fitted.threshold}** (half the best out-of-fold F1, "
                 f"the training rule; F1 there {fitted.threshold_f1:.3f})" if fitted.threshold is not None
                 else "the decision threshold is unchanged (it applies to `toxicity`)")
    return (
        "## Site calibration\n\n"
        f"This copy of {fitted.model} was recalibrated with `analyzer calibrate` on {fitted.created_at}: "
        f"the Platt scaling of `{fitted.attribute}` was refitted on {fitted.rows} labeled comments "
        f"({fitted.positives} positive) from {files or 'the given rows'}, and {threshold}. This section "
        "supersedes the calibration and threshold stated above; the network and the ranking are unchanged.\n\n"
        "| expected calibration error (10 bins) on those comments | value [95% bootstrap interval] |\n|---|---|\n"
        f"| before (the model's own calibration) | {before.estimate:.3f} [{before.low:.3f}, {before.high:.3f}] |\n"
        f"| after (out-of-fold: each comment from a fit without it) | {after.estimate:.3f} [{after.low:.3f}, {after.high:.3f}] |\n\n"
        f"New parameters: scale {fitted.params['scale']:.4f}, bias {fitted.params['bias']:.4f}; {len(fitted.replicates)} "
        "bootstrap refits are kept in config.json, and reports widen their toxic-share intervals by them.\n\n"
        "Limits: a calibration fits one outlet's base rate and labelling idea. It needs a random sample of the "
        "outlet's comments (not flagged ones), it goes stale when the comment mix or the guideline changes, and it "
        "does not change how well comments are ranked.\n"
    )
