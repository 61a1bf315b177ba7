"""Per-article shares from the model's calibrated probabilities, with bootstrap intervals.

Counting argmax labels inflates the majority class: twenty comments scored favor 0.6 / against
0.3 / none 0.1 are "100% favor" by count, while the model expects 60% of them to be favor. The
report therefore shows, per article,

* the stance share of a class as the mean of its ``stance_<class>`` probability over the
  article's comments that have stance probabilities, and the toxic share as the mean
  ``toxicity`` probability over the comments with a toxicity score;
* a 95% percentile bootstrap interval for each mean, from resampling the article's comments
  (``RESAMPLES`` resamples, seed ``SEED``: the same comments always give the same interval,
  whatever else is in the report);
* the argmax counts and the count at or above the toxicity threshold next to them.

When the scoring model's calibration came with bootstrap refits of its parameters
(``analyzer.calibration``: site calibrations and checkpoints trained since), each resample of the toxic
share also runs the comments' probabilities through one refit, so its interval carries the uncertainty
of the calibration fit as well as that of the sample. It cannot carry the error of a calibration fitted on
another outlet: that is what ``analyzer calibrate`` is for.

The interval says how sure the share is given these comments: an article with a handful of
comments gets a wide one. A single comment has no spread to resample, so it gets no interval
(NaN) rather than a zero-width one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.report.style import STANCE_ORDER

RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95
#: Fewer comments than this get no interval: one comment has nothing to resample.
MIN_FOR_INTERVAL = 2
#: Resampled values held in memory at once (resamples × comments × classes), to bound memory on huge articles.
_CHUNK_VALUES = 4_000_000


@dataclass(frozen=True)
class Share:
    """One class's share in one article: the mean probability, its interval and the count beside it.

    ``count`` is the argmax count (stance) or the count at or above the threshold (toxic), out of
    ``counted`` comments; ``mean``/``low``/``high`` come from ``n`` comments' probabilities.
    NaN where there is nothing to estimate from.
    """

    mean: float
    low: float
    high: float
    n: int
    count: int
    counted: int

    @property
    def count_share(self) -> float:
        return self.count / self.counted if self.counted else math.nan

    @property
    def has_interval(self) -> bool:
        return not math.isnan(self.low)


@dataclass(frozen=True)
class CalibrationSpread:
    """The Platt parameters the toxicity scores were made with, and bootstrap refits of them.

    For a site calibration's attribute mix the scores' own logit is the mix's, so the parameters are
    the identity (scale 1, bias 0) and the refits are lines on the mix's logit (``mix_replicates``)."""

    scale: float
    bias: float
    replicates: tuple[tuple[float, float], ...]

    @classmethod
    def from_record(cls, record: dict) -> CalibrationSpread | None:
        """From a checkpoint's ``calibration`` record; None when it keeps no refits, or when they are of
        another attribute than the ``toxicity`` the shares come from (``calibrate --attribute insult``)."""
        if record.get("attribute", "toxicity") != "toxicity":
            return None
        params, replicates = record.get("params") or {}, record.get("replicates") or ()
        if "weights" in params:
            params = {"scale": 1.0, "bias": 0.0}
        if not replicates or not params.get("scale"):
            return None
        return cls(float(params["scale"]), float(params["bias"]), tuple((float(a), float(b)) for a, b in replicates))

    def raw_logits(self, probabilities: np.ndarray) -> np.ndarray:
        """The model's raw logits behind calibrated probabilities (Platt scaling is invertible)."""
        p = np.clip(probabilities, 1e-7, 1 - 1e-7)
        return (np.log(p / (1 - p)) - self.bias) / self.scale


@dataclass(frozen=True)
class ArticleEstimates:
    """Stance shares per class (in ``STANCE_ORDER``) and the toxic share of one article."""

    stance: dict[str, Share]
    toxic: Share
    threshold: float

    @property
    def stance_n(self) -> int:
        return self.stance[STANCE_ORDER[0]].n


def bootstrap_means(
    values: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means of ``values`` (comments × classes) and their percentile bootstrap interval.

    Comments are resampled with replacement as whole rows, so the classes of one resample come
    from the same comments. Returns ``(mean, low, high)``, each one value per column; all NaN for
    no rows, and NaN bounds for fewer than ``MIN_FOR_INTERVAL`` rows.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    n, columns = values.shape
    if n == 0:
        empty = np.full(columns, np.nan)
        return empty, empty.copy(), empty.copy()
    mean = values.mean(axis=0)
    if n < MIN_FOR_INTERVAL:
        return mean, np.full(columns, np.nan), np.full(columns, np.nan)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_VALUES // (n * columns))
    means = np.empty((resamples, columns))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        rows = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[rows].mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    # Rounding in the resampled means can put a bound a hair past the mean of identical values.
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def bootstrap_recalibrated_mean(
    probabilities: np.ndarray, spread: CalibrationSpread, *, resamples: int = RESAMPLES, seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """The percentile interval of the mean probability when each resample draws the comments with
    replacement *and* runs them through the next bootstrap refit of the calibration."""
    logits = spread.raw_logits(np.asarray(probabilities, dtype=float))
    refits = np.asarray(spread.replicates)
    n = len(logits)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_VALUES // n)
    means = np.empty(resamples)
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        scale, bias = refits[np.arange(start, stop) % len(refits)].T
        drawn = logits[rng.integers(0, n, size=(stop - start, n))]
        means[start:stop] = (1.0 / (1.0 + np.exp(-(drawn * scale[:, None] + bias[:, None])))).mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _numeric(comments: pd.DataFrame, column: str) -> pd.Series:
    if column not in comments.columns:
        return pd.Series(np.nan, index=comments.index, dtype=float)
    return pd.to_numeric(comments[column], errors="coerce")


def estimate_article(
    comments: pd.DataFrame, threshold: float, spread: CalibrationSpread | None = None
) -> ArticleEstimates:
    """Probability-based stance and toxic shares of one article's comments (see the module docstring).

    ``comments`` are the article's comment rows with the derived ``_stance`` labels (see
    ``data._normalise``); the stance probabilities are the ``stance_<class>`` columns. ``spread``: the
    calibration's refits, which widen the toxic share's interval by the calibration's uncertainty.
    """
    probabilities = pd.DataFrame({s: _numeric(comments, f"stance_{s}") for s in STANCE_ORDER})
    probabilities = probabilities[probabilities.notna().all(axis=1)]
    mean, low, high = bootstrap_means(probabilities.to_numpy())
    labels = comments["_stance"].dropna() if "_stance" in comments.columns else pd.Series(dtype=object)
    stance = {
        s: Share(float(mean[i]), float(low[i]), float(high[i]), len(probabilities), int(labels.eq(s).sum()),
                 len(labels))
        for i, s in enumerate(STANCE_ORDER)
    }
    toxicity = _numeric(comments, "toxicity").dropna()
    t_mean, t_low, t_high = bootstrap_means(toxicity.to_numpy())
    if spread is not None and len(toxicity) >= MIN_FOR_INTERVAL:
        low, high = bootstrap_recalibrated_mean(toxicity.to_numpy(), spread)
        t_low[0], t_high[0] = min(low, t_mean[0]), max(high, t_mean[0])
    toxic = Share(float(t_mean[0]), float(t_low[0]), float(t_high[0]), len(toxicity),
                  int((toxicity >= threshold).sum()), len(toxicity))
    return ArticleEstimates(stance=stance, toxic=toxic, threshold=threshold)


def as_percent(value: float) -> str:
    """``0.376`` → "38%"; NaN → "–"."""
    return "–" if math.isnan(value) else f"{100 * value:.0f}%"


def interval_text(share: Share) -> str:
    """"38% [31–45%]": the mean probability and its 95% interval; "38%" alone for one comment, "–" for none."""
    if share.n == 0:
        return "–"
    if not share.has_interval:
        return as_percent(share.mean)
    return f"{as_percent(share.mean)} [{100 * share.low:.0f}–{as_percent(share.high)}]"


def table_rows(articles: list[tuple[str, str | None, ArticleEstimates]]) -> pd.DataFrame:
    """One row per article for ``article_shares.csv`` (see ``SHARE_COLUMNS``)."""
    rows = []
    for article_id, title, estimates in articles:
        row: dict[str, object] = {
            "article_id": article_id,
            "title": title,
            "comments_scored": estimates.toxic.n,
            "stance_scored": estimates.stance_n,
        }
        for stance, share in estimates.stance.items():
            row |= {
                f"{stance}_argmax_count": share.count,
                f"{stance}_argmax_share": share.count_share,
                f"{stance}_mean_prob": share.mean,
                f"{stance}_mean_prob_low": share.low,
                f"{stance}_mean_prob_high": share.high,
            }
        toxic = estimates.toxic
        row |= {
            "toxicity_threshold": estimates.threshold,
            "toxic_above_count": toxic.count,
            "toxic_above_share": toxic.count_share,
            "toxic_mean_prob": toxic.mean,
            "toxic_mean_prob_low": toxic.low,
            "toxic_mean_prob_high": toxic.high,
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


SHARE_COLUMNS = (
    "article_id", "title", "comments_scored", "stance_scored",
    *(f"{s}_{part}" for s in STANCE_ORDER
      for part in ("argmax_count", "argmax_share", "mean_prob", "mean_prob_low", "mean_prob_high")),
    "toxicity_threshold", "toxic_above_count", "toxic_above_share", "toxic_mean_prob", "toxic_mean_prob_low",
    "toxic_mean_prob_high",
)
