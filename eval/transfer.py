"""How each data source carries to the others: ``python -m eval.transfer``.

    python -m eval.transfer [--task toxicity|stance|both] [--rows N] [--measure-rows N] [--out DIR]

Leave-one-source-out tables, one for toxicity and one for stance: for every source S, a probe is
trained on all the other sources and measured on S, beside the probe trained on S alone (in-source)
and on every source (S included). The mean over held-out sources is the number a data recipe should
be selected by: it says how the data carry to an outlet that training never saw. A second table
trains on one source and measures on each other one: which sources carry, and to where.

The probe is a logistic regression on the frozen **base** encoder (all-MiniLM-L6-v2 from the local
package, never a hub): toxicity reads the comment's mean-pooled, L2-normalised embedding u; stance
reads [u, v, u·v, |u − v|], u the target's embedding and v the text's. The shipped model is not
used: it has seen every source, so no source would be held out. The tables therefore measure how
the *data* carry, not what the shipped model does; leaving each source out of a whole-encoder
fine-tune needs a GPU.

Rows, per source: a fixed-seed training pool (class-balanced as far as the data allow) and
disjoint measuring rows. Where a source has its own split (C3's validation articles, the stance
sources' validation rows, often on targets training never saw) the measuring rows come from it;
elsewhere identical texts stay on one side (a hash of the text). Toxicity measuring rows are
half positive where the source allows (ROC-AUC does not depend on the share, its interval gains
from more positives); stance measuring rows keep the source's own class mix, as F1 depends on it.
In a training set every source weighs the same, however many rows it gave.

Writes ``report.md`` and ``metrics.json``; reads ``../shared/data`` (nothing is copied). Embeddings
are cached in ``runs/transfer-embeddings/`` (git-ignored), keyed by the text's hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from analyzer._files import temporary_path
from analyzer.config import EVAL_REPORTS_DIR
from analyzer.evaluation import json_safe
from analyzer.evaluation.metrics import Interval, bootstrap_ci, f_avg, macro_f1, roc_auc
from analyzer.evaluation.report import format_interval
from analyzer.finetune.examples import Example, toxicity_vector
from analyzer.model import (
    BASE_ENCODER_SHA256,
    STANCE_LABELS,
    TOXICITY_ATTRIBUTES,
    base_encoder_config,
    base_encoder_weights,
    load_tokenizer,
    masked_mean,
)
from analyzer.splits import stable_bucket
from eval.bench_calibrate import LABELLED_ATTRIBUTE
from eval.bench_speed import invoked_command, log_to_stderr, write_report_folder
from eval.gate import SHARED
from eval.heldout import POSITIVES as HELDOUT_POSITIVES
from eval.stance_sets import NK_LABELS
from training import corpora, stance_sources
from training.recipe import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / EVAL_REPORTS_DIR / "transfer"
CACHE_DIR = PROJECT_ROOT / "runs" / "transfer-embeddings"
#: Training-pool rows and measuring rows per source (fixed-seed samples): 18,120 texts and targets to
#: embed, 12.5 minutes from an empty cache on 2 CPU cores shared with other jobs (about 6 when idle).
POOL_ROWS, MEASURE_ROWS = 700, 500
#: Share of a source without its own split whose texts (by hash) are kept for measuring.
MEASURE_SHARE = 0.4
#: Tokens of a text the encoder reads; longer comments are cut (their opening decides).
MAX_TOKENS = 128
#: Inverse L2 strength of the probe on standardised features, fixed for both tasks. Chosen once from
#: 1e-4 … 10 by the same leave-one-source-out run on 400-row training pools alone (no measuring row):
#: the held-out mean plateaus at 3e-4 … 3e-3 for both tasks and falls with weaker regularisation
#: (toxicity ROC-AUC 0.779 at C = 0.001, 0.742 at C = 1; stance F_avg 0.435 and 0.412).
PROBE_C = 0.001
SEED = 0
NONE = STANCE_LABELS.index("none")

#: What each toxicity source's positive label is, in words: C3's, then eval.heldout's and eval.bench_calibrate's.
POSITIVES = {
    "c3": "crowd toxicity level >= 2 on the 1-4 scale (Globe and Mail comments)",
    **HELDOUT_POSITIVES,
}

#: A source's (pool candidates, measuring candidates).
Split = tuple[list[Example], list[Example]]


# --- sources -----------------------------------------------------------------------------------


def split_by_hash(examples: Sequence[Example], key: Callable[[Example], str], share: float = MEASURE_SHARE) -> Split:
    """(pool, measuring) by a stable hash of each example's ``key``: of its text, so that a text repeated
    in a source (retweets, a statement given to several groups) is on one side only and no measured
    text was trained on; or of its group (IBM: the motion), so that measured motions are new."""
    measuring = [e for e in examples if stable_bucket(key(e), 1000) < share * 1000]
    chosen = set(map(id, measuring))
    return [e for e in examples if id(e) not in chosen], measuring


def _text(example: Example) -> str:
    return example.text


def _group(example: Example) -> str:
    return example.group


def binary_toxicity(examples: Sequence[Example], positive_at: float = 0.5, attribute: str = "toxicity") -> list[Example]:
    """Each example with the source's 0/1 label (its ``attribute`` target >= ``positive_at``) as its
    toxicity target: the one label the probe learns, whatever attribute the source labels."""
    column = TOXICITY_ATTRIBUTES.index(attribute)
    return [replace(e, toxicity=toxicity_vector(TOXICITY_ATTRIBUTES, toxicity=float(e.toxicity[column] >= positive_at)))
            for e in examples]


def _c3(data: Path) -> Split:
    # Training rows carry clip(level − 1): level >= 2 is a target of 1, the validation rows' positive.
    train, validation = corpora.c3(data, TOXICITY_ATTRIBUTES)
    return binary_toxicity(train, positive_at=1.0), binary_toxicity(validation, positive_at=1.0)


def _text_split(reader: Callable[[Path, Sequence[str]], list[Example]], attribute: str = "toxicity"
                ) -> Callable[[Path], Split]:
    return lambda data: split_by_hash(binary_toxicity(reader(data, TOXICITY_ATTRIBUTES), attribute=attribute), _text)


#: toxicity source → its (pool candidates, measuring candidates), labels 0/1 in ``toxicity[0]``.
TOXICITY_SOURCES: dict[str, Callable[[Path], Split]] = {
    "c3": _c3,
    "civil_comments_spans": _text_split(corpora.civil_comments_spans),
    "olid": _text_split(corpora.olid),
    "davidson": _text_split(corpora.davidson),
    "cat_wikipedia": _text_split(corpora.cat_wikipedia),
    "toxigen": _text_split(corpora.toxigen),
    "impermium": _text_split(corpora.impermium, attribute=LABELLED_ATTRIBUTE["impermium"]),
    "jigsaw": _text_split(corpora.jigsaw),
}


#: stance source → (pool candidates, measuring candidates): its training rows and its validation rows.
STANCE_SOURCES: dict[str, Callable[[Path], Split]] = {
    "vast": lambda data: corpora.vast(data, TOXICITY_ATTRIBUTES),
    "ukp": lambda data: stance_sources.ukp(data, TOXICITY_ATTRIBUTES),
    "wtwt": lambda data: stance_sources.wtwt(data, TOXICITY_ATTRIBUTES),
    "pstance": lambda data: stance_sources.pstance(data, TOXICITY_ATTRIBUTES),
    "perspectrum": lambda data: stance_sources.perspectrum(data, TOXICITY_ATTRIBUTES),
    "ibm": lambda data: split_by_hash(stance_sources.ibm_claims(data, TOXICITY_ATTRIBUTES)[0], _group),
    "nk_talks": lambda data: corpora.nk_talks(data, NK_LABELS, TOXICITY_ATTRIBUTES),
}

#: What a stance source's measuring rows are (its pool is its training split).
STANCE_MEASURED = {
    "vast": "VAST zero-shot dev (topics unseen in its training rows)",
    "ukp": "UKP validation sentences (the same 8 topics)",
    "wtwt": f"WT-WT tweets on {stance_sources.WTWT_TARGETS[stance_sources.VALIDATION_MERGER]} (a merger its pool lacks)",
    "pstance": "P-Stance validation tweets (the same 3 politicians)",
    "perspectrum": "Perspectrum dev claims (claims its pool lacks)",
    "ibm": f"IBM train rows on {MEASURE_SHARE:.0%} of the motions by hash (motions its pool lacks)",
    "nk_talks": "NK-talks check threads (threads its pool lacks), read without their titles",
}


def draw(task: str, split: Split, pool_rows: int, measure_rows: int, seed: int) -> Split:
    """Fixed-seed (pool, measuring) rows of one source: pools balanced on the label, measuring rows
    balanced for toxicity (AUC ignores the share) and in the source's own mix for stance (F1 does not)."""
    pool, measuring = split
    if task == "toxicity":
        return (corpora.sample(pool, pool_rows, seed, balance_on_toxicity=True),
                corpora.sample(measuring, measure_rows, seed, balance_on_toxicity=True))
    return stance_sources.balanced_sample(pool, pool_rows, seed), corpora.sample(measuring, measure_rows, seed)


def labels_of(task: str, examples: Sequence[Example]) -> np.ndarray:
    """0/1 toxicity labels, or indices into STANCE_LABELS."""
    return np.array([int(e.toxicity[0]) if task == "toxicity" else e.stance for e in examples], dtype=int)


# --- features ----------------------------------------------------------------------------------


class Embedder:
    """Sentence embeddings of the frozen base encoder, as sentence-transformers computes them for
    all-MiniLM-L6-v2 (mean over the tokens, L2-normalised), cached on disk by the text's hash."""

    def __init__(self, cache_dir: Path, threads: int, batch_size: int = 32, max_tokens: int = MAX_TOKENS):
        import torch
        from transformers import BertConfig, BertModel

        torch.set_num_threads(threads)
        self.encoder = BertModel(BertConfig(**base_encoder_config()), add_pooling_layer=False).eval()
        # The package's file also holds the pooler and a position-id buffer, which this encoder lacks.
        self.encoder.load_state_dict(base_encoder_weights(), strict=False)
        self.tokenizer = load_tokenizer()
        self.batch_size, self.max_tokens = batch_size, max_tokens
        self.path = cache_dir / f"minilm-{BASE_ENCODER_SHA256[:12]}-{max_tokens}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"]))
        self.computed = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; texts not in the cache are encoded shortest first (less padding)."""
        missing = sorted({t for t in texts if self.key(t) not in self.vectors}, key=len)
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start:start + self.batch_size]
            for text, vector in zip(batch, self._encode(batch)):
                self.vectors[self.key(text)] = vector
            self.computed += len(batch)
            if (start // self.batch_size) % 50 == 49:
                log_to_stderr(f"  embedded {start + len(batch):,} of {len(missing):,}")
                self.save()
        if missing:
            self.save()
        return np.stack([self.vectors[self.key(t)] for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self.tokenizer(texts, truncation=True, max_length=self.max_tokens, padding=True, return_tensors="pt")
        with torch.inference_mode():
            hidden = self.encoder(**batch).last_hidden_state
            pooled = torch.nn.functional.normalize(masked_mean(hidden, batch["attention_mask"]), dim=-1)
        return pooled.numpy().astype(np.float32)

    def save(self) -> None:
        """The whole cache, replaced atomically (an interrupted run keeps what it had embedded)."""
        tmp = temporary_path(self.path).with_suffix(".npz")
        np.savez(tmp, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))
        os.replace(tmp, self.path)


def pair_features(target: np.ndarray, text: np.ndarray) -> np.ndarray:
    """[u, v, u·v, |u − v|] (u: target, v: text): the sentence-pair features of InferSent / SBERT,
    which let a linear probe read how the text relates to the target, not only what it says."""
    return np.hstack([target, text, target * text, np.abs(target - text)])


def features(task: str, examples: Sequence[Example], embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    text = embed([e.text for e in examples])
    return text if task == "toxicity" else pair_features(embed([e.target or "" for e in examples]), text)


# --- the leave-one-out logic (features in, metrics out) ----------------------------------------


@dataclass(frozen=True)
class SourceData:
    """One source's features and labels: its training pool and its measuring rows."""

    pool_x: np.ndarray
    pool_y: np.ndarray
    measure_x: np.ndarray
    measure_y: np.ndarray


def training_set(data: Mapping[str, SourceData], sources: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, weight) of the pools of ``sources``. Each source's rows share the same total weight, so a
    source that gave more rows does not decide what the probe learns; the mean weight is 1."""
    sizes = [len(data[name].pool_y) for name in sources]
    total = sum(sizes)
    weights = np.concatenate([np.full(size, total / (len(sources) * size)) for size in sizes])
    return (np.vstack([data[name].pool_x for name in sources]),
            np.concatenate([data[name].pool_y for name in sources]), weights)


def fit_probe(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float = PROBE_C) -> Pipeline:
    """Standardised features → logistic regression with balanced classes (multinomial for stance)."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=3000))
    return probe.fit(x, y, logisticregression__sample_weight=weights)


def toxicity_measure(probe: Pipeline, x: np.ndarray, y: np.ndarray, resamples: int, seed: int) -> dict[str, Interval]:
    """ROC-AUC of the probe's positive-class probability (NaN where the rows hold one class)."""
    scores = probe.predict_proba(x)[:, list(probe.classes_).index(1)]
    return {"roc_auc": bootstrap_ci(roc_auc, y, scores, n_resamples=resamples, seed=seed)}


def stance_measure(probe: Pipeline, x: np.ndarray, y: np.ndarray, resamples: int, seed: int) -> dict[str, Interval]:
    """F_avg always; macro-F1 only where the rows hold "none" (without it, a third of macro-F1 is an
    F1 of 0 whatever the probe does)."""
    true = np.array([STANCE_LABELS[i] for i in y])
    predicted = np.array([STANCE_LABELS[i] for i in probe.predict(x)])
    result = {"f_avg": bootstrap_ci(f_avg, true, predicted, n_resamples=resamples, seed=seed)}
    if (y == NONE).any():
        result["macro_f1"] = bootstrap_ci(macro_f1, true, predicted, n_resamples=resamples, seed=seed)
    return result


Measure = Callable[[Pipeline, np.ndarray, np.ndarray, int, int], dict[str, Interval]]


def transfer_tables(data: Mapping[str, SourceData], measure: Measure, resamples: int, seed: int,
                    log: Callable[[str], None] = log_to_stderr) -> dict[str, Any]:
    """Per source S: measured when held out (trained on every other source), in-source (trained on S
    alone) and with all sources; and the matrix of one source's probe measured on each source
    (point estimates off the diagonal; the diagonal is the in-source number)."""
    names = list(data)
    single = {name: fit_probe(*training_set(data, [name])) for name in names}
    everything = fit_probe(*training_set(data, names))
    per_source: dict[str, dict[str, Any]] = {}
    for held in names:
        log(f"  held out: {held}")
        others = fit_probe(*training_set(data, [n for n in names if n != held]))
        rows = data[held]
        per_source[held] = {
            "held_out": measure(others, rows.measure_x, rows.measure_y, resamples, seed),
            "in_source": measure(single[held], rows.measure_x, rows.measure_y, resamples, seed),
            "all_sources": measure(everything, rows.measure_x, rows.measure_y, resamples, seed),
        }
    matrix = {
        trained: {measured: (per_source[measured]["in_source"] if measured == trained
                             else measure(single[trained], data[measured].measure_x, data[measured].measure_y, 0, seed))
                  for measured in names}
        for trained in names
    }
    return {"per_source": per_source, "matrix": matrix, "means": held_out_means(per_source)}


def held_out_means(per_source: Mapping[str, Mapping[str, Mapping[str, Interval]]]) -> dict[str, dict[str, float]]:
    """Per metric and setting, the mean estimate over the sources that have the metric."""
    means: dict[str, dict[str, float]] = {}
    for setting in ("held_out", "in_source", "all_sources"):
        metrics = {m for entry in per_source.values() for m in entry[setting]}
        for metric in sorted(metrics):
            values = [e[setting][metric].estimate for e in per_source.values() if metric in e[setting]]
            means.setdefault(metric, {})[setting] = float(np.nanmean(values))
    return means


# --- the run -----------------------------------------------------------------------------------


def prepare(task: str, data: Path, embed: Callable[[Sequence[str]], np.ndarray], pool_rows: int, measure_rows: int,
            seed: int, log: Callable[[str], None] = log_to_stderr) -> tuple[dict[str, SourceData], dict[str, Any]]:
    """Every source of ``task``: its drawn rows as features, and what was drawn (rows, label counts)."""
    readers = TOXICITY_SOURCES if task == "toxicity" else STANCE_SOURCES
    prepared, described = {}, {}
    for name, reader in readers.items():
        pool, measuring = draw(task, reader(data), pool_rows, measure_rows, seed)
        if not pool or not measuring:
            log(f"{task}/{name}: no rows (labels or data absent), left out")
            continue
        log(f"{task}/{name}: {len(pool):,} pool rows, {len(measuring):,} measuring rows")
        pool_y, measure_y = labels_of(task, pool), labels_of(task, measuring)
        prepared[name] = SourceData(features(task, pool, embed), pool_y, features(task, measuring, embed), measure_y)
        described[name] = {"pool_rows": len(pool), "measure_rows": len(measuring),
                           "pool_labels": _label_counts(task, pool_y), "measure_labels": _label_counts(task, measure_y)}
    return prepared, described


def _label_counts(task: str, labels: np.ndarray) -> dict[str, int]:
    names = ("negative", "positive") if task == "toxicity" else STANCE_LABELS
    return {names[i]: int((labels == i).sum()) for i in range(len(names))}


def to_json(tables: dict[str, Any]) -> dict[str, Any]:
    def plain(entry: Mapping[str, Interval]) -> dict[str, Any]:
        return {metric: asdict(interval) for metric, interval in entry.items()}

    return json_safe({
        "per_source": {name: {setting: plain(e) for setting, e in entry.items()}
                       for name, entry in tables["per_source"].items()},
        "matrix": {trained: {measured: {m: i.estimate for m, i in e.items()} for measured, e in row.items()}
                   for trained, row in tables["matrix"].items()},
        "means": tables["means"],
    })


# --- the report --------------------------------------------------------------------------------


def _cell(entry: Mapping[str, Interval], metric: str) -> str:
    return format_interval(entry[metric]) if metric in entry else "–"


def _point(value: float | None) -> str:
    return "–" if value is None or np.isnan(value) else f"{value:.3f}"


def _results_table(tables: dict[str, Any], metric: str, what: str) -> list[str]:
    lines = [f"| held-out source | {what}: trained on the others | in-source | all sources |", "|---|---|---|---|"]
    for name, entry in tables["per_source"].items():
        lines.append(f"| {name} | " + " | ".join(_cell(entry[s], metric) for s in ("held_out", "in_source", "all_sources"))
                     + " |")
    means = tables["means"].get(metric, {})
    lines.append("| **mean over sources** | " + " | ".join(f"**{_point(means.get(s))}**"
                                                          for s in ("held_out", "in_source", "all_sources")) + " |")
    return lines


def _matrix_table(tables: dict[str, Any], metric: str) -> list[str]:
    names = list(tables["matrix"])
    lines = ["| trained on ↓ / measured on → | " + " | ".join(names) + " | mean on the others |",
             "|---" * (len(names) + 2) + "|"]
    for trained, row in tables["matrix"].items():
        values = [row[m][metric].estimate if metric in row[m] else None for m in names]
        others = [v for m, v in zip(names, values) if m != trained and v is not None and not np.isnan(v)]
        cells = [f"**{_point(v)}**" if m == trained else _point(v) for m, v in zip(names, values)]
        lines.append(f"| {trained} | " + " | ".join(cells) + f" | {_point(float(np.mean(others)) if others else None)} |")
    return lines


def _sizes_table(task: str, described: dict[str, Any]) -> list[str]:
    if task == "toxicity":
        lines = ["| source | positive when | pool rows (positive) | measuring rows (positive) |", "|---|---|---|---|"]
        for name, d in described.items():
            lines.append(f"| {name} | {POSITIVES[name]} | {d['pool_rows']:,} ({d['pool_labels']['positive']:,}) | "
                         f"{d['measure_rows']:,} ({d['measure_labels']['positive']:,}) |")
        return lines
    lines = ["| source | measured on | pool rows favor / against / none | measuring rows favor / against / none |",
             "|---|---|---|---|"]
    for name, d in described.items():
        pool = " / ".join(f"{d['pool_labels'][label]:,}" for label in STANCE_LABELS)
        measured = " / ".join(f"{d['measure_labels'][label]:,}" for label in STANCE_LABELS)
        lines.append(f"| {name} | {STANCE_MEASURED[name]} | {pool} | {measured} |")
    return lines


def render_markdown(results: dict[str, Any], command: str) -> str:
    """The report: setup, then per task the sources, the leave-one-out table and the source → source matrix."""
    settings = results["settings"]
    lines = [
        "# How each data source carries to the others: leave-one-source-out",
        "",
        "**A frozen-base-encoder probe.** Each number is a logistic regression on the embeddings of the *base* "
        "all-MiniLM-L6-v2 (the local package; no fine-tuning), not the shipped model: the shipped model has seen "
        "every source, so on it no source would be held out. The tables measure how the *data* carry from outlet "
        "to outlet; a whole-encoder fine-tune per held-out source needs a GPU and is not measured here.",
        "",
        f"Reproduce: `{command}`",
        "",
        f"Per source: up to {settings['pool_rows']:,} training-pool rows (balanced on the label as far as the data "
        f"allow) and up to {settings['measure_rows']:,} disjoint measuring rows, seed {settings['seed']}; texts cut "
        f"to {settings['max_tokens']} tokens. Probe: standardised features, logistic regression (C = "
        f"{settings['probe_c']}, balanced classes; C was fixed beforehand by the same leave-one-source-out on the "
        "training pools alone, and weaker regularisation carried worse), each source in a training set weighing "
        "the same. "
        "*Held out*: trained on every other source, measured on this one — **the mean of this column is the number "
        "to select a data recipe by**; *in-source*: trained on this source's pool alone; *all sources*: trained on "
        f"every pool, this one's included. 95% bootstrap intervals over rows ({settings['resamples']} resamples); "
        "the matrices give point estimates (their diagonal is the in-source number).",
        "",
        f"Runtime: {results['runtime']['total_s']:.0f} s on this machine, of which embedding "
        f"{results['runtime']['embedding_s']:.0f} s ({results['runtime']['texts_embedded']:,} texts encoded, the rest "
        f"from the cache; torch threads {settings['threads']}).",
    ]
    if "toxicity" in results["tasks"]:
        tox = results["tasks"]["toxicity"]
        lines += [
            "", "## Toxicity: ROC-AUC", "",
            "Features: the comment's mean-pooled, L2-normalised embedding. The sources' positives mean different "
            "things, so a low held-out number can be a definition that differs as much as an outlet that does. "
            "Measuring rows are half positive where the source allows (AUC does not depend on the share). C3 "
            "is measured on its validation articles; the others on the texts a hash kept aside (a text repeated in a "
            "source is on one side only). Only the toxicity labels are used (not identity attack).", "",
            *_sizes_table("toxicity", tox["sources"]), "",
            *_results_table(tox["tables"], "roc_auc", "ROC-AUC"), "",
            "Trained on one source, measured on each:", "",
            *_matrix_table(tox["tables"], "roc_auc"),
        ]
    if "stance" in results["tasks"]:
        stance = results["tasks"]["stance"]
        lines += [
            "", "## Stance: F_avg and macro-F1", "",
            "Features: [u, v, u·v, |u − v|], u the target's embedding and v the text's. Labels mapped by "
            "`training.stance_sources` (its table) and `training.corpora` (VAST, NK-talks). F_avg is the mean F1 of "
            "favor and against. P-Stance, Perspectrum and IBM have no \"none\" class: they get F_avg only, and a "
            "probe trained on them alone never predicts \"none\". A source's pool is its training split; its "
            "measuring rows (in the source's own class mix) are:", "",
            *_sizes_table("stance", stance["sources"]), "",
            *_results_table(stance["tables"], "f_avg", "F_avg"), "",
            "Macro-F1 (favor, against, none), on the sources that have \"none\":", "",
            *_results_table({**stance["tables"], "per_source": {n: e for n, e in stance["tables"]["per_source"].items()
                                                                if "macro_f1" in e["in_source"]}}, "macro_f1", "macro-F1"),
            "", "Trained on one source, measured on each (F_avg):", "",
            *_matrix_table(stance["tables"], "f_avg"),
        ]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.transfer", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("toxicity", "stance", "both"), default="both")
    parser.add_argument("--rows", type=int, default=POOL_ROWS, help="training-pool rows per source")
    parser.add_argument("--measure-rows", type=int, default=MEASURE_ROWS, help="measuring rows per source")
    parser.add_argument("--seed", type=int, default=SEED, help="row sampling and bootstrap seed")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for the embeddings")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="embedding cache folder")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="report folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data = SHARED / "data"
    if not data.is_dir():
        print(f"error: {data} is absent: the sources live in ../shared", file=sys.stderr)
        return 1
    started = time.perf_counter()
    embedder = Embedder(args.cache, args.threads)
    embedding_s = 0.0

    def embed(texts: Sequence[str]) -> np.ndarray:
        nonlocal embedding_s
        clock = time.perf_counter()
        vectors = embedder(texts)
        embedding_s += time.perf_counter() - clock
        return vectors

    tasks = ("toxicity", "stance") if args.task == "both" else (args.task,)
    results: dict[str, Any] = {
        "settings": {"pool_rows": args.rows, "measure_rows": args.measure_rows, "seed": args.seed,
                     "resamples": args.bootstrap, "threads": args.threads, "max_tokens": MAX_TOKENS,
                     "probe_c": PROBE_C, "encoder": f"all-MiniLM-L6-v2 (base, sha256 {BASE_ENCODER_SHA256[:12]}…)"},
        "tasks": {},
    }
    for task in tasks:
        prepared, described = prepare(task, data, embed, args.rows, args.measure_rows, args.seed)
        measure = toxicity_measure if task == "toxicity" else stance_measure
        log_to_stderr(f"{task}: probes")
        results["tasks"][task] = {"sources": described,
                                  "tables": transfer_tables(prepared, measure, args.bootstrap, args.seed)}
    results["runtime"] = {"total_s": time.perf_counter() - started, "embedding_s": embedding_s,
                          "texts_embedded": embedder.computed}
    markdown = render_markdown(results, invoked_command("eval.transfer", argv))
    results["tasks"] = {task: {"sources": r["sources"], **to_json(r["tables"])} for task, r in results["tasks"].items()}
    write_report_folder(args.out, results, markdown)
    print(markdown, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
