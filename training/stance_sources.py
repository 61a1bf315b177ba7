"""The stance corpora whose "none" is on the topic, and whose positions are mostly implicit.

VAST (``training.corpora.vast``) teaches stance toward any topic, but its "none" is mostly synthetic:
a comment paired with another comment's topic, so a model learns "none = about something else". On
a news page nearly every comment is about the article. These sources teach the other "none" — on the
topic, no position — and implicit favor / against. Each label is mapped explicitly:

| source (``../shared/data``) | target phrase | favor | against | none | rows used |
|---|---|---|---|---|---|
| UKP sentential argument mining | the topic ("gun control") | Argument_for | Argument_against | NoArgument (on-topic sentence, no argument) | ``set`` train (val: validation) |
| WT-WT mergers | "<acquirer> acquiring <target>" | support (the merger will happen) | refute (it will not) | comment (on the merger, no position) and unrelated | train file; the validation merger is ``VALIDATION_MERGER`` |
| P-Stance | the politician's name | FAVOR | AGAINST | (none in the data) | train (val: validation) |
| Perspectrum | the claim | SUPPORT | UNDERMINE | (none in the data) | claims in train (dev: validation); test claims never read |
| IBM claim stance | the motion's target ("the sale of violent video games to minors") | PRO | CON | (none in the data) | ``split`` train only; test rows never read |

WT-WT's "support" / "refute" are about whether the merger will happen, which is the tweet's position
on the event; that is the nearest thing these tweets have to favor / against. Tweets lose their
``@user`` handles and ``RT`` markers (``corpora._clean_tweet``): news comments have none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analyzer.finetune.examples import Example, no_toxicity
from analyzer.model import STANCE_LABELS
from training.corpora import _clean_tweet

FAVOR, AGAINST, NONE = (STANCE_LABELS.index(label) for label in ("favor", "against", "none"))

UKP_LABELS = {"Argument_for": FAVOR, "Argument_against": AGAINST, "NoArgument": NONE}
WTWT_LABELS = {"support": FAVOR, "refute": AGAINST, "comment": NONE, "unrelated": NONE}
PSTANCE_LABELS = {"FAVOR": FAVOR, "AGAINST": AGAINST}
PERSPECTRUM_LABELS = {"SUPPORT": FAVOR, "UNDERMINE": AGAINST}
IBM_LABELS = {"PRO": FAVOR, "CON": AGAINST}
WTWT_TARGETS = {
    "CVS_AET": "CVS acquiring Aetna",
    "CI_ESRX": "Cigna acquiring Express Scripts",
    "ANTM_CI": "Anthem acquiring Cigna",
    "AET_HUM": "Aetna acquiring Humana",
    "FOXA_DIS": "Disney acquiring 21st Century Fox",
}
#: The merger kept out of training, as WT-WT's authors do for cross-target tests.
VALIDATION_MERGER = "AET_HUM"

Split = tuple[list[Example], list[Example]]


def ukp(data: Path, attributes: Sequence[str]) -> Split:
    """(train, validation) UKP sentences by the authors' in-topic split; their test rows are not read."""
    import csv

    empty = no_toxicity(attributes)
    train: list[Example] = []
    validation: list[Example] = []
    for path in sorted((data / "ukp_sentential_argument_mining").glob("*.tsv")):
        frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
        for row in frame.itertuples(index=False):
            if row.annotation not in UKP_LABELS or row.set not in ("train", "val") or not row.sentence.strip():
                continue
            example = Example(row.sentence, row.topic, empty, UKP_LABELS[row.annotation], f"ukp-{row.topic}", "ukp")
            (train if row.set == "train" else validation).append(example)
    return train, validation


def wtwt(data: Path, attributes: Sequence[str]) -> Split:
    """(train, validation) WT-WT tweets; validation is every tweet on ``VALIDATION_MERGER``."""
    empty = no_toxicity(attributes)
    train: list[Example] = []
    validation: list[Example] = []
    for path in sorted((data / "wtwt_merger_stance_train").glob("*_train.txt")):
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        for row in frame.itertuples(index=False):
            text = _clean_tweet(row.tweet)
            if row.stance not in WTWT_LABELS or row.target not in WTWT_TARGETS or not text:
                continue
            example = Example(text, WTWT_TARGETS[row.target], empty, WTWT_LABELS[row.stance], f"wtwt-{row.target}", "wtwt")
            (validation if row.target == VALIDATION_MERGER else train).append(example)
    return train, validation


def pstance(data: Path, attributes: Sequence[str]) -> Split:
    """(train, validation) P-Stance tweets toward Trump, Biden and Sanders (favor / against only)."""
    empty = no_toxicity(attributes)
    parts: dict[str, list[Example]] = {"train": [], "val": []}
    for part in parts:
        for path in sorted((data / "pstance_political_train_val").glob(f"raw_{part}_*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for row in frame.itertuples(index=False):
                text = _clean_tweet(row.Tweet)
                if row.Stance in PSTANCE_LABELS and text:
                    parts[part].append(
                        Example(text, row.Target, empty, PSTANCE_LABELS[row.Stance], f"pstance-{row.Target}", "pstance")
                    )
    return parts["train"], parts["val"]


def perspectrum(data: Path, attributes: Sequence[str]) -> Split:
    """(train, validation) claim → perspective pairs of the train and dev claims; test claims are not read."""
    folder = data / "perspectrum_claims"
    claims = json.loads((folder / "perspectrum_with_answers_v1.0.json").read_text(encoding="utf-8"))
    pool = {p["pId"]: p["text"] for p in json.loads((folder / "perspective_pool_v1.0.json").read_text(encoding="utf-8"))}
    split = json.loads((folder / "dataset_split_v1.0.json").read_text(encoding="utf-8"))
    empty = no_toxicity(attributes)
    parts: dict[str, list[Example]] = {"train": [], "dev": []}
    for claim in claims:
        part = split.get(str(claim["cId"]))
        if part not in parts:
            continue
        for cluster in claim["perspectives"]:
            label = PERSPECTRUM_LABELS.get(cluster["stance_label_3"])
            if label is None:
                continue
            for pid in cluster["pids"]:
                if pool.get(pid):
                    parts[part].append(Example(pool[pid], claim["text"], empty, label, f"perspectrum-{claim['cId']}",
                                               "perspectrum"))
    return parts["train"], parts["dev"]


def ibm_claims(data: Path, attributes: Sequence[str]) -> Split:
    """(train, no validation) IBM claims for or against a motion's target, ``split == train`` rows only."""
    frame = pd.read_csv(data / "ibm_claim_stance" / "claim_stance.csv", dtype=str, keep_default_na=False)
    frame = frame[(frame["split"] == "train") & frame["claims.stance"].isin(IBM_LABELS)]
    empty = no_toxicity(attributes)
    train = [
        Example(row["claims.claimCorrectedText"], row["topicTarget"], empty, IBM_LABELS[row["claims.stance"]],
                f"ibm-{row['topicId']}", "ibm")
        for _, row in frame.iterrows()
        if row["claims.claimCorrectedText"].strip()
    ]
    return train, []


#: name in the recipe's [data] section → reader (each gives its train and validation rows).
STANCE_SOURCES = {"ukp": ukp, "wtwt": wtwt, "pstance": pstance, "perspectrum": perspectrum, "ibm": ibm_claims}


def balanced_sample(examples: Sequence[Example], n: int | None, seed: int) -> list[Example]:
    """``n`` examples with the stance classes as equal as the data allow (all when n is None or larger).

    Each class gets n / classes; a class with fewer rows gives all it has and the rest is spread over
    the others, so a source teaches what stance looks like, not how often it occurs there.
    """
    import random

    rng = random.Random(seed)
    by_class: dict[int, list[Example]] = {}
    for example in examples:
        by_class.setdefault(example.stance, []).append(example)
    if n is None or n >= len(examples):
        return list(examples)
    chosen: list[Example] = []
    remaining, classes = n, sorted(by_class, key=lambda c: len(by_class[c]))
    for index, label in enumerate(classes):
        share = remaining // (len(classes) - index)
        pool = by_class[label]
        picked = pool if len(pool) <= share else rng.sample(pool, share)
        chosen.extend(picked)
        remaining -= len(picked)
    rng.shuffle(chosen)
    return chosen
