"""Toxicity calibration: the Platt fit and threshold rule that training uses, and the site calibration
behind ``analyzer calibrate``.

Why a site calibration. The shipped probabilities are calibrated on the training outlet's validation
comments. On another outlet the ranking carries over much better than the probabilities do: on another
crowd's labels of the same kind of comments the expected calibration error (ECE) was about 0.10 where it
is 0.02 on the training outlet, so every "toxic share" a report shows would inherit that error. Two
numbers per attribute fix it, so a few hundred of the site's own labeled comments are enough.

What ``calibrate_model`` does, on labeled comments of one outlet:

* scores them once (raw logits of every attribute, the model's full scoring path);
* fits two forms and keeps the one whose out-of-fold log loss is lower, the second only by a margin:

  - **Platt** scaling of the attribute's own logit, ``p = sigmoid(a * logit + b)``: two numbers, the
    ranking untouched;
  - an **attribute mix**, ``p = sigmoid(w · logits + b)`` over every attribute's logit (a ridge
    logistic regression): for an outlet whose idea of the label is another mix of what the model
    scores. ToxiGen's "hateful statement about a group" is the case: its labels and the model's
    ``toxicity`` disagree in shape, and no monotone map of that one logit calibrates them
    (``reports/experiments.md``). The mix re-ranks comments, so it must earn its place
    (``MIX_MARGIN``);

* sets the decision threshold for ``toxicity`` by the training rule (half the best F1 on
  cross-fitted probabilities: ``decision_threshold``);
* measures the ECE before (the model's own calibration) and after (out-of-fold: each row's probability
  comes from a fit that did not see it, so the "after" number is not flattered), each with a
  bootstrap interval;
* keeps ``REPLICATES`` bootstrap refits, each as ``(a, b)`` on the raw logit (Platt) or on the fitted
  mix's logit (the refit mix's logit regressed on it over the rows): the report redraws its toxic shares
  through them, so their intervals carry the calibration's own uncertainty next to the sampling one.

Limits. A calibration fits one outlet's base rate and labelling idea: Platt does not change the ranking
(ROC-AUC is untouched), a mix changes it only where the outlet's labels ask for it, and either goes stale
when the comment mix or the labelling guideline changes. The labels must come from a random sample of the
outlet's comments, not from flagged ones, or the base rate is wrong.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from analyzer.evaluation import metrics as evaluation_metrics
from analyzer.model import CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, Model, ModelError, calibrated_toxicity, mix_logit

#: Bootstrap refits of the Platt parameters kept with a site calibration (for the report's intervals).
REPLICATES = 200
#: Folds of the out-of-fold probabilities behind the "after" ECE and the threshold.
FOLDS = 5
#: Fewer positives or negatives than this cannot place a sigmoid.
MIN_PER_CLASS = 5
#: Below this many rows the command warns: the interval of the ECE gets wide.
RECOMMENDED_ROWS = 200
SEED = 0
#: The attribute mix's ridge strength (sklearn's C, on raw logits): with a few hundred rows and seven
#: logits an unpenalised fit chases noise.
MIX_C = 1.0
#: How much lower (nats per comment) the mix's out-of-fold log loss must be than Platt's to be chosen.
#: On 20 draws of 200 comments per outlet it chose the mix for ToxiGen and Davidson in most draws and
#: kept Platt for the others, where the mix gained nothing (``reports/experiments.md``).
MIX_MARGIN = 0.01
PLATT, MIX = "platt", "attribute mix"


class CalibrationError(ValueError):
    """The labeled rows cannot carry a calibration (too few of a class, an unknown attribute)."""


# --- the fit (training uses it too) ------------------------------------------------------------


def fit_platt(logits: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    """Platt scaling: calibrated p = sigmoid(scale * logit + bias), fitted by logistic regression."""
    regression = LogisticRegression(C=1e4).fit(np.asarray(logits).reshape(-1, 1), np.asarray(positive).astype(int))
    return {"scale": float(regression.coef_[0, 0]), "bias": float(regression.intercept_[0])}


def platt_probabilities(logits: np.ndarray, params: dict[str, float]) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(params["scale"] * np.asarray(logits, dtype=float) + params["bias"])))


def fit_attribute_mix(logits: np.ndarray, positive: np.ndarray, attributes: Sequence[str]) -> dict[str, Any]:
    """The attribute mix: calibrated p = sigmoid(Σ weight · logit + bias) over every attribute's raw logit."""
    regression = LogisticRegression(C=MIX_C, max_iter=1000).fit(np.asarray(logits, dtype=float), np.asarray(positive).astype(int))
    return {"weights": dict(zip(attributes, map(float, regression.coef_[0]), strict=True)),
            "bias": float(regression.intercept_[0])}


def site_probabilities(logits: np.ndarray, attributes: Sequence[str], attribute: str, params: dict[str, Any]) -> np.ndarray:
    """Calibrated probabilities of ``attribute`` from raw logits [n, attributes], under either form, as
    the model scores them (``calibrated_toxicity``)."""
    return calibrated_toxicity(_tensor(logits), attributes, {attribute: params})[:, list(attributes).index(attribute)].numpy()


def _tensor(logits: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(logits, dtype=np.float64))


def decision_threshold(probabilities: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(threshold, F1 there) for calibrated probabilities: half the best F1 reachable on these rows.

    For calibrated scores the F1-optimal threshold is F1*/2 (Lipton, Elkan & Narayanaswamy 2014).
    The best F1 is a steady number; *where* the empirical F1 curve peaks is not: on 700 validation
    comments with 78 toxic ones the peak of model 0.6.0's curve sat at 0.113, which flags a third of
    all C3 comments (9% are toxic), while its F1 there differs from the F1 at 0.2 by noise.
    """
    threshold = evaluation_metrics.best_f1_threshold(positive, probabilities).f1 / 2
    return threshold, evaluation_metrics.at_threshold(positive, probabilities, threshold).f1


#: (raw logits [n, k], 0/1 labels) → fitted parameters; (raw logits, parameters) → probabilities.
Fit = Callable[[np.ndarray, np.ndarray], dict[str, Any]]
Apply = Callable[[np.ndarray, dict[str, Any]], np.ndarray]


def out_of_fold_probabilities(logits: np.ndarray, positive: np.ndarray, fit: Fit, apply: Apply,
                              folds: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """Each row's probability from a fit on the other folds (stratified, so each fold has both classes)."""
    positive = np.asarray(positive).astype(int)
    splits = min(folds, int(positive.sum()), int(len(positive) - positive.sum()))
    probabilities = np.empty(len(positive))
    for fit_rows, held_rows in StratifiedKFold(splits, shuffle=True, random_state=seed).split(logits, positive):
        probabilities[held_rows] = apply(logits[held_rows], fit(logits[fit_rows], positive[fit_rows]))
    return probabilities


def _bootstrap_resamples(positive: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    """``n`` bootstrap resamples of the rows' indices (resamples with one class only are redrawn)."""
    rng = np.random.default_rng(seed)
    positive = np.asarray(positive).astype(int)
    resamples: list[np.ndarray] = []
    while len(resamples) < n:
        rows = rng.integers(0, len(positive), len(positive))
        if 0 < positive[rows].sum() < len(rows):
            resamples.append(rows)
    return resamples


def platt_replicates(logits: np.ndarray, positive: np.ndarray, n: int = REPLICATES, seed: int = SEED) -> list[list[float]]:
    """``n`` Platt fits on bootstrap resamples of the rows."""
    positive = np.asarray(positive).astype(int)
    fits = (fit_platt(logits[rows], positive[rows]) for rows in _bootstrap_resamples(positive, n, seed))
    return [[round(params["scale"], 6), round(params["bias"], 6)] for params in fits]


def mix_replicates(logits: np.ndarray, positive: np.ndarray, attributes: Sequence[str], fitted: dict[str, Any],
                   n: int = REPLICATES, seed: int = SEED) -> list[list[float]]:
    """``n`` attribute-mix fits on bootstrap resamples, each as ``(a, b)`` on the ``fitted`` mix's logit:
    the least-squares line from the fitted mix's logit to the refit's over these rows. A report holds
    calibrated probabilities, from which the fitted mix's logit (not every raw logit) comes back."""
    positive = np.asarray(positive).astype(int)
    raw = _tensor(logits)
    fitted_logit = mix_logit(raw, attributes, fitted).numpy()
    lines = []
    for rows in _bootstrap_resamples(positive, n, seed):
        refit = mix_logit(raw, attributes, fit_attribute_mix(logits[rows], positive[rows], attributes)).numpy()
        slope, intercept = np.polyfit(fitted_logit, refit, 1)
        lines.append([round(float(slope), 6), round(float(intercept), 6)])
    return lines


# --- a site calibration --------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteCalibration:
    """What ``calibrate_model`` fitted and measured; ``record()`` goes into the checkpoint's config."""

    attribute: str
    fitted_on: list[dict[str, Any]]
    rows: int
    positives: int
    #: ``PLATT`` or ``MIX``, and the out-of-fold log loss of each that decided it.
    form: str
    out_of_fold_log_loss: dict[str, float]
    params: dict[str, Any]
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

    def losses_text(self) -> str:
        return ", ".join(f"{form} {loss:.3f}" for form, loss in self.out_of_fold_log_loss.items())

    def summary_lines(self) -> list[str]:
        before, after = self.ece_before, self.ece_after
        lines = [
            f"calibrated {self.attribute} on {self.rows} labeled comments ({self.positives} positive)",
            f"form: {self.form} (out-of-fold log loss: {self.losses_text()})",
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
    """Fit a site calibration of ``attribute`` from raw logits [comments, ``model.attributes``] and 0/1 labels."""
    positive = np.asarray(positive).astype(int)
    logits = np.asarray(logits, dtype=float)
    _require_attribute(model, attribute)
    if logits.ndim != 2 or logits.shape[1] != len(model.attributes):
        raise CalibrationError(f"logits of shape {logits.shape}: one column per attribute of the model "
                               f"({len(model.attributes)}) is needed")
    negatives = len(positive) - int(positive.sum())
    if min(int(positive.sum()), negatives) < MIN_PER_CLASS:
        raise CalibrationError(
            f"{positive.sum()} positive and {negatives} negative rows: a calibration needs at least "
            f"{MIN_PER_CLASS} of each (a random sample of a few hundred comments usually has them)"
        )
    attributes, column = list(model.attributes), model.attributes.index(attribute)

    def apply(rows: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return site_probabilities(rows, attributes, attribute, params)

    # an attribute the model never calibrated scores as a plain sigmoid (empty parameters)
    before = apply(logits, model.config.toxicity_calibration.get(attribute) or {})

    fits: dict[str, Fit] = {
        PLATT: lambda rows, labels: fit_platt(rows[:, column], labels),
        MIX: lambda rows, labels: fit_attribute_mix(rows, labels, attributes),
    }
    out_of_fold = {form: out_of_fold_probabilities(logits, positive, fit, apply) for form, fit in fits.items()}
    losses = {form: round(float(log_loss(positive, p, labels=[0, 1])), 4) for form, p in out_of_fold.items()}
    form = MIX if losses[MIX] < losses[PLATT] - MIX_MARGIN else PLATT
    after = out_of_fold[form]
    params = fits[form](logits, positive)
    replicates = (platt_replicates(logits[:, column], positive) if form == PLATT
                  else mix_replicates(logits, positive, attributes, params))
    ece = evaluation_metrics.expected_calibration_error

    def interval(probabilities: np.ndarray) -> evaluation_metrics.Interval:
        return evaluation_metrics.bootstrap_ci(ece, positive, probabilities, n_resamples=bootstrap_resamples, seed=SEED)

    # The decision threshold is on ``toxicity`` (``Model.is_toxic``); other attributes keep it as it is.
    threshold, f1 = decision_threshold(after, positive) if attribute == "toxicity" else (None, None)
    return SiteCalibration(
        attribute=attribute, fitted_on=fitted_on or [], rows=len(positive), positives=int(positive.sum()),
        form=form, out_of_fold_log_loss=losses, params=params,
        threshold=None if threshold is None else round(threshold, 4), threshold_f1=f1,
        ece_before=interval(before), ece_after=interval(after), replicates=replicates,
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
    fitted = calibrate_logits(model, raw.numpy(), positive, attribute=attribute, fitted_on=fitted_on)
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
    if fitted.form == MIX:
        how = (f"`{fitted.attribute}` is now an **attribute mix**, a logistic regression on every attribute's raw logit, "
               f"fitted on {fitted.rows} labeled comments ({fitted.positives} positive)")
        weights = ", ".join(f"`{a}` {w:+.3f}" for a, w in fitted.params["weights"].items())
        parameters = f"weights {weights}; bias {fitted.params['bias']:.4f}"
        ranking = "the network is unchanged; the mix re-ranks comments by what this outlet's labels call positive"
    else:
        how = (f"the Platt scaling of `{fitted.attribute}` was refitted on {fitted.rows} labeled comments "
               f"({fitted.positives} positive)")
        parameters = f"scale {fitted.params['scale']:.4f}, bias {fitted.params['bias']:.4f}"
        ranking = "the network and the ranking are unchanged"
    return (
        "## Site calibration\n\n"
        f"This copy of {fitted.model} was recalibrated with `analyzer calibrate` on {fitted.created_at}: "
        f"{how} from {files or 'the given rows'}, and {threshold}. This section "
        f"supersedes the calibration and threshold stated above; {ranking}.\n\n"
        f"Form: {fitted.form}, chosen by out-of-fold log loss ({fitted.losses_text()}; the mix must beat Platt by {MIX_MARGIN}).\n\n"
        "| expected calibration error (10 bins) on those comments | value [95% bootstrap interval] |\n|---|---|\n"
        f"| before (the model's own calibration) | {before.estimate:.3f} [{before.low:.3f}, {before.high:.3f}] |\n"
        f"| after (out-of-fold: each comment from a fit without it) | {after.estimate:.3f} [{after.low:.3f}, {after.high:.3f}] |\n\n"
        f"New parameters: {parameters}; {len(fitted.replicates)} "
        "bootstrap refits are kept in config.json, and reports widen their toxic-share intervals by them.\n\n"
        "Limits: a calibration fits one outlet's base rate and labelling idea. It needs a random sample of the "
        "outlet's comments (not flagged ones), and it goes stale when the comment mix or the guideline changes. "
        "Platt scaling does not change how well comments are ranked; an attribute mix can, only toward this "
        "outlet's labels.\n"
    )
