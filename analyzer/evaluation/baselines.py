"""The obvious systems every evaluation report compares the model with.

Toxicity: alt-profanity-check (a bag-of-words linear SVM trained on general toxic text, the usual
"profanity filter" a newsroom would try first) and, when training rows are given, TF-IDF + logistic
regression fitted on them. Stance: the majority class and TF-IDF + logistic regression over the
comment and the target phrase (separate vocabularies, so the target's words cannot pass for the
comment's).

A baseline is a name, a one-line description and a function: texts → toxicity probabilities, or
(texts, targets) → stance labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

#: Same for every TF-IDF baseline: unigrams + bigrams, sublinear tf, rare terms dropped.
_TFIDF = {"ngram_range": (1, 2), "min_df": 2, "max_features": 200_000, "sublinear_tf": True}


@dataclass(frozen=True)
class ToxicityBaseline:
    name: str
    description: str
    score: Callable[[Sequence[str]], np.ndarray]
    #: The decision threshold the system itself uses (both baselines here flag at 0.5).
    threshold: float = 0.5


@dataclass(frozen=True)
class StanceBaseline:
    name: str
    description: str
    predict: Callable[[Sequence[str], Sequence[str]], list[str]]


def profanity_check_baseline() -> ToxicityBaseline:
    from profanity_check import predict_prob

    return ToxicityBaseline(
        "profanity-check",
        "alt-profanity-check `predict_prob` (linear SVM on bag of words, off the shelf)",
        lambda texts: np.asarray(predict_prob(list(texts)), dtype=float),
    )


def tfidf_toxicity_baseline(texts: Sequence[str], labels: Sequence[int]) -> ToxicityBaseline:
    pipeline = make_pipeline(TfidfVectorizer(**_TFIDF), LogisticRegression(max_iter=1000, C=4.0))
    pipeline.fit(list(texts), np.asarray(labels, dtype=int))
    return ToxicityBaseline(
        "tfidf-lr",
        f"TF-IDF (1-2 grams) + logistic regression fitted on {len(texts):,} baseline-training rows",
        lambda batch: pipeline.predict_proba(list(batch))[:, 1],
    )


def majority_stance_baseline(labels: Sequence[str], source: str) -> StanceBaseline:
    majority = Counter(labels).most_common(1)[0][0]
    return StanceBaseline(
        "majority",
        f'always "{majority}" (the most frequent label of the {source})',
        lambda texts, targets: [majority] * len(texts),
    )


def _stance_frame(texts: Sequence[str], targets: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"text": list(texts), "target": list(targets)})


def tfidf_stance_baseline(texts: Sequence[str], targets: Sequence[str], labels: Sequence[str]) -> StanceBaseline:
    features = ColumnTransformer(
        [("text", TfidfVectorizer(**_TFIDF), "text"), ("target", TfidfVectorizer(ngram_range=(1, 2)), "target")]
    )
    pipeline = Pipeline([("features", features), ("lr", LogisticRegression(max_iter=1000, C=4.0))])
    pipeline.fit(_stance_frame(texts, targets), list(labels))
    return StanceBaseline(
        "tfidf-lr",
        f"TF-IDF of comment and of target (1-2 grams) + logistic regression fitted on {len(texts):,} rows",
        lambda batch, batch_targets: [str(p) for p in pipeline.predict(_stance_frame(batch, batch_targets))],
    )
