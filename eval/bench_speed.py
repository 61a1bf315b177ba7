"""Speed and memory of the score stage, end to end: ``python -m eval.bench_speed [--quick]``.

Writes ``reports/benchmarks/speed.json`` and ``speed.md``. Every number comes from one run of this
script on one machine, so the ratios between pipelines hold even when the absolute rates move with
the load of a shared machine. Each speed pipeline runs ``--repeats`` times in interleaved rounds and
its median run is reported with the range: on the shared 2-core machines one 300-comment run of the
same pipeline moved by ±20% (CPU time too), more than the differences between some pipelines.

What is measured, each in its own subprocess (so that peak RSS belongs to one pipeline only):

* comments/s of ``analyzer.scoring.score`` (read a split JSONL → toxicity + stance → CSV) on
  invented comments of a realistic length mix: word counts drawn from a lognormal with a median of
  40 words and a long tail (about 1 in 100 over 300 words), articles of 40 comments whose titles
  give the stance target;
* for (a) the shipped model in torch, float (the reference scores), (a-onnx) the same graph in
  ONNX Runtime, float, (a-int8) the same with the encoder in int8 (per-token activations) in ONNX
  Runtime, the comments near a decision line scored again in float — what ``score`` runs on CPU by
  default — and int8 alone, (b) a BERT-base-sized encoder (hidden 768, 12 layers, 12 heads; the Detoxify
  ``original`` architecture; random weights, only speed matters) in the same pipeline, in torch
  float as Detoxify runs it and int8 alone in ONNX Runtime, and (c) alt-profanity-check's
  ``predict_prob`` in the same pipeline (toxicity only, no stance);
* the default, int8 alone and torch float again on real news comments, from ../shared when it is
  there: Reddit comments under posts on the NK summits (short), and a news site's own comment export
  (Globe and Mail comments, longer, read from its CSV with their reply threads). How many comments
  int8 rechecks in float, and so its speed, depends on the text, and the time per comment on its length;
* peak RSS while scoring 10,000 and 100,000 comments, to show that memory stays flat. This uses
  the tiny test model so that 100,000 comments take a minute, not half an hour: the encoder's
  weights are a constant, what could grow with input size is the pipeline's own state;
* what int8 costs in quality: float vs int8 scores of the model of (a) on the full validation sets
  (C3 validation articles, VAST dev zero-shot rows, the NK-talks check threads) with paired
  intervals, on every model check of the gate as the gate measures it, and whether a comment's int8
  scores depend on the batch it is scored in.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analyzer._files import write_text_atomically
from analyzer.config import ScoreOptions
from analyzer.records import Article, Comment

OUT_DIR = Path("reports/benchmarks")
#: Every speed pipeline uses these settings (the batch size is the CLI's default).
THREADS, BATCH_SIZE = 2, ScoreOptions().batch_size
MEDIAN_WORDS, LENGTH_SIGMA, MAX_WORDS = 40, 1.0, 3000
COMMENTS_PER_ARTICLE = 40

# An invented, topic-neutral vocabulary; the benchmark needs realistic lengths, not real text.
_WORDS = (
    "the a to of and in is that it for on was with as this be are have not but they you at by "
    "from or we an all can will there more one would about what if so people just their which "
    "like time no out up when do some them than only other new also into your could because how "
    "city council plan money tax vote street school road park bus train rent housing water "
    "budget mayor police judge court report data price market shop worker job wage company "
    "think know really never always still every year week today good bad great terrible wrong "
    "right idea problem answer question reason story article writer reader comment point fact "
    "idiot stupid nonsense rubbish ridiculous agree disagree support oppose ban allow build cut"
).split()
_TOPICS = (
    "Council votes on new bike lanes", "Mayor proposes tax on second homes", "City pool reopens after repairs",
    "Night buses return to the suburbs", "School meals budget cut", "Rent cap for city flats",
)


# --- invented input ----------------------------------------------------------------------------


def comment_word_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    """Lognormal word counts: median ``MEDIAN_WORDS``, long right tail, at least 1."""
    counts = rng.lognormal(mean=math.log(MEDIAN_WORDS), sigma=LENGTH_SIGMA, size=n)
    return np.clip(np.rint(counts), 1, MAX_WORDS).astype(int)


def invent_comment(words: int, rng: np.random.Generator) -> str:
    picked = rng.choice(_WORDS, size=words)
    sentences, start = [], 0
    while start < words:
        end = start + int(rng.integers(6, 20))
        sentence = " ".join(picked[start:end])
        sentences.append(sentence[:1].upper() + sentence[1:] + rng.choice([".", ".", "!", "?"]))
        start = end
    return " ".join(sentences)


def write_dump(path: Path, n_comments: int, seed: int = 0) -> dict[str, float]:
    """A split JSONL of invented articles and comments; returns the length statistics."""
    rng = np.random.default_rng(seed)
    counts = comment_word_counts(n_comments, rng)
    with path.open("w", encoding="utf-8") as stream:
        for first in range(0, n_comments, COMMENTS_PER_ARTICLE):
            number = first // COMMENTS_PER_ARTICLE
            comments = [
                Comment(id=f"c{first + i}", text=invent_comment(int(words), rng), position=i)
                for i, words in enumerate(counts[first : first + COMMENTS_PER_ARTICLE])
            ]
            title = f"{_TOPICS[number % len(_TOPICS)]} | Example Gazette"
            article = Article(
                id=f"a{number}", source_file="invented", format="plaintext", title=title, comments=comments
            )
            stream.write(json.dumps(article.to_dict()) + "\n")
    return {"comments": n_comments, **word_statistics(counts), "p99_words": float(np.percentile(counts, 99))}


#: Real news comments for a second speed input (Reddit comments under posts on the NK summits), when
#: ../shared is beside the checkout: how often int8 rechecks in float depends on the text, and the
#: invented text says nothing of that.
REAL_COMMENTS = Path("data") / "nk_talks_reddit_comments_unlabeled" / "comments.csv"
#: The pipelines timed on the real comments: the default, int8 alone, float.
REAL_TEXT_PIPELINES = ("minilm-onnx-int8", "minilm-onnx-int8-alone", "minilm")
#: A news site's own comment export (Globe and Mail reader comments with their reply threads, 800
#: comments under 10 articles), scored straight from its CSV as ``analyzer run`` would: longer
#: comments than the Reddit ones, each reply read with its parent's opening as context. The export
#: has no article titles, so one fixed stance target stands in for them (only the time is measured).
NEWS_SITE_COMMENTS = Path("formats") / "csv_jsonl" / "globeandmail_comments_csv_sample.csv"
NEWS_SITE_TARGET = "the government's new policy"


def write_real_dump(path: Path, n_comments: int, seed: int = 0) -> dict[str, Any] | None:
    """A split JSONL of ``n_comments`` real comments drawn from ``REAL_COMMENTS`` (fixed seed), under
    their posts' titles; returns the length statistics, or None without ../shared."""
    import pandas as pd

    from eval.gate import SHARED

    source = SHARED / REAL_COMMENTS
    if not source.is_file():
        return None
    table = pd.read_csv(source).sample(n=n_comments, random_state=seed)
    with path.open("w", encoding="utf-8") as stream:
        for number, (title, rows) in enumerate(table.groupby("post_title", sort=False)):
            comments = [Comment(id=f"r{number}-{i}", text=text, position=i) for i, text in enumerate(rows["text"])]
            article = Article(id=f"r{number}", source_file=str(REAL_COMMENTS), format="csv", title=title,
                              comments=comments)
            stream.write(json.dumps(article.to_dict()) + "\n")
    words = table["text"].str.split().str.len().to_numpy()
    return {"source": str(REAL_COMMENTS), "comments": n_comments, "articles": int(table["post_title"].nunique()),
            **word_statistics(words)}


def news_site_input() -> dict[str, Any] | None:
    """What ``NEWS_SITE_COMMENTS`` holds, as its reader splits it (comments, articles, replies and
    lengths); None without ../shared."""
    from analyzer.readers import read_file
    from eval.gate import SHARED

    source = SHARED / NEWS_SITE_COMMENTS
    if not source.is_file():
        return None
    articles = read_file(source).articles
    comments = [comment for article in articles for comment in article.comments]
    words = np.array([len((comment.text or "").split()) for comment in comments])
    replies = sum(comment.parent_id is not None for comment in comments)
    return {"source": str(NEWS_SITE_COMMENTS), "comments": len(comments), "articles": len(articles), "replies": replies,
            **word_statistics(words)}


def word_statistics(words: np.ndarray) -> dict[str, Any]:
    return {"median_words": float(np.median(words)), "mean_words": round(float(words.mean()), 1),
            "p90_words": float(np.percentile(words, 90)), "max_words": int(words.max())}


# --- pipelines ---------------------------------------------------------------------------------


class ProfanityCheckModel:
    """alt-profanity-check behind the Model interface that ``score`` uses (toxicity only)."""

    name, version, path, backend = "alt-profanity-check", "off the shelf", None, "scikit-learn"
    attributes = ("toxicity",)
    toxicity_threshold, max_length, reads_context = 0.5, None, False
    toxicity_calibration: dict = {}  # its probabilities are its own; nothing was refitted
    calibration: dict = {}

    def predict(self, texts, targets=None, *, contexts=None, batch_size=32, show_progress_bar=False):
        from profanity_check import predict_prob

        from analyzer.model import Prediction

        return [Prediction(toxicity={"toxicity": float(p)}) for p in predict_prob(list(texts))]

    def read_as(self, text: str) -> str:
        return text  # it reads the text as written


def _random_model(name: str, encoder_overrides: dict[str, Any], like: Path | None = None):
    """Random weights in the given encoder shape, with the window length of the checkpoint ``like``."""
    from analyzer.model import (
        DEFAULT_MODEL_DIR, TOXICITY_ATTRIBUTES, Model, ModelConfig, base_encoder_config, build_net,
    )

    max_length = ModelConfig.__dataclass_fields__["max_length"].default
    reference = (like or DEFAULT_MODEL_DIR) / "config.json"
    if reference.is_file():  # the same window length as the real model
        max_length = json.loads(reference.read_text())["max_length"]
    config = ModelConfig(
        name=name, version="random", attributes=TOXICITY_ATTRIBUTES,
        encoder_config={**base_encoder_config(), **encoder_overrides}, max_length=max_length,
    )
    return Model(build_net(config), config, device="cpu")


def shipped_or_stand_in(model_dir: Path | None = None):
    """The shipped model (or ``model_dir``), else a MiniLM-L6-shaped one with random weights (same speed)."""
    from analyzer.model import ModelError, load_model

    try:
        # torch first: each pipeline then picks its own backend (use_backend), no export wasted here.
        model = load_model(model_dir, device="cpu", backend="torch")
        return model, "shipped model" if model_dir is None else f"checkpoint {model_dir}"
    except ModelError:
        return _random_model("minilm-l6-random", {}, model_dir), "random MiniLM-L6 stand-in (no shipped model yet)"


_BERT_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
#: The ``--max-tokens`` values that have a pipeline (``eval.bench_max_tokens`` times them), longest first.
TOKEN_CUTS = (192, 128)
#: The backends measured here: the model's own, and int8 without its float recheck (``FloatRecheck``).
INT8_ALONE = "onnx-int8-alone"
_BACKEND_WORDS = {"torch": "torch float", "onnx": "ONNX Runtime float",
                  "onnx-int8": "ONNX Runtime int8, float near decision lines", INT8_ALONE: "ONNX Runtime int8 alone"}
#: pipeline → (encoder, backend); the encoders are built by build_pipeline.
ENCODER_PIPELINES = {
    "minilm": ("minilm", "torch"),
    "minilm-onnx": ("minilm", "onnx"),
    "minilm-onnx-int8": ("minilm", "onnx-int8"),
    # the same without scoring near-line comments again in float: what that recheck costs
    "minilm-onnx-int8-alone": ("minilm", INT8_ALONE),
    # the same, told to read no context (title, parent): what the context tokens cost
    "minilm-onnx-int8-no-context": ("minilm-no-context", "onnx-int8"),
    # the same, reading each comment's first N tokens only (`--max-tokens N`; eval.bench_max_tokens)
    **{f"minilm-onnx-int8-max{n}": (f"minilm-max{n}", "onnx-int8") for n in TOKEN_CUTS},
    "bert-base": ("bert-base", "torch"),
    # int8 alone: random weights put most comments near a decision line, and the recheck would time float
    "bert-base-onnx-int8": ("bert-base", INT8_ALONE),
}


def build_pipeline(name: str, model_dir: Path | None = None, threads: int | None = None):
    """(model-like object, description) for a pipeline name."""
    from analyzer.model import build_tiny_model

    if name in ENCODER_PIPELINES:
        encoder, backend = ENCODER_PIPELINES[name]
        if encoder.startswith("minilm"):
            model, source = shipped_or_stand_in(model_dir)
            if encoder == "minilm-no-context":
                model.config.context_tokens = 0
                source += " reading no context"
            if encoder.startswith("minilm-max"):
                tokens = int(encoder.removeprefix("minilm-max"))
                model.read_at_most(tokens)
                source += f" reading the first {tokens} tokens of each comment"
        else:
            model, source = _random_model("bert-base-random", _BERT_BASE, model_dir), "BERT-base-sized encoder, random weights"
        return with_backend(model, backend, threads), f"{source}, {_BACKEND_WORDS[backend]}"
    if name == "profanity-check":
        return ProfanityCheckModel(), "alt-profanity-check predict_prob (toxicity only)"
    if name == "tiny":
        return build_tiny_model(), "tiny 2-layer test model (memory scaling only)"
    raise ValueError(f"unknown pipeline {name!r}")


def with_backend(model, backend: str, threads: int | None = None):
    """``model`` on ``backend``, one of ``_BACKEND_WORDS``."""
    if backend == INT8_ALONE:
        return model.use_backend("onnx-int8", threads, float_recheck=None)
    return model.use_backend(backend, threads)


PIPELINES = (*ENCODER_PIPELINES, "profanity-check")
#: The pipeline ``score`` runs on CPU by default, the one whose scores are the reference, the same in ONNX float.
DEFAULT_PIPELINE, REFERENCE_PIPELINE, ONNX_FLOAT_PIPELINE = "minilm-onnx-int8", "minilm", "minilm-onnx"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, dump: Path, threads: int, batch_size: int, model_dir: Path | None,
            target: str | None = None) -> dict[str, Any]:
    """Score ``dump`` (a file in any format ``score`` reads) with one pipeline in this process, with
    ``target`` as every comment's stance target if given (else each article's title); the child side
    of :func:`run_child`.

    A 16-comment warm-up run first, so that imports and first-call costs are not timed.
    """
    import torch

    from analyzer.scoring import score
    from analyzer.targets import TargetPolicy

    torch.set_num_threads(threads)
    started = time.perf_counter()
    model, description = build_pipeline(name, model_dir, threads)
    load_seconds = time.perf_counter() - started
    options = ScoreOptions(batch_size=batch_size)
    with tempfile.TemporaryDirectory() as scratch:
        warm_up = Path(scratch) / "warm-up.jsonl"
        write_dump(warm_up, 16, seed=99)
        score([warm_up], Path(scratch) / "warm-up.csv", model=model, options=options)
        rss_loaded = peak_rss_mib()
        rechecked_before = getattr(model, "float_rechecked", 0)
        started, cpu_started = time.perf_counter(), cpu_seconds()
        summary = score([dump], Path(scratch) / "scores.csv", model=model, options=options,
                        targets=TargetPolicy(fixed=target, max_words=options.target_max_words))
        seconds, cpu_used = time.perf_counter() - started, cpu_seconds() - cpu_started
    return {
        "pipeline": name,
        "model": description,
        "comments": summary.rows,
        "seconds": round(seconds, 2),
        "comments_per_s": round(summary.rows / seconds, 1),
        "cpu_seconds": round(cpu_used, 2),
        "comments_per_cpu_s": round(summary.rows / cpu_used, 1),
        "stance_targets": dict(summary.target_sources),  # where each comment's target came from
        # int8: the share of comments scored again in float (FloatRecheck); None where nothing rechecks
        "rechecked_share": (round((model.float_rechecked - rechecked_before) / summary.rows, 4)
                            if getattr(model, "float_recheck", None) else None),
        "load_seconds": round(load_seconds, 2),
        "rss_after_load_mib": round(rss_loaded, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def run_child(name: str, dump: Path, settings: Settings, target: str | None = None) -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter. Idle OpenMP threads sleep instead of spinning
    (OMP_WAIT_POLICY=PASSIVE): on a machine shared with other work, spinning threads made two-thread
    scoring several times slower than one thread."""
    command = [sys.executable, "-m", "eval.bench_speed", "--child", name, "--dump", str(dump),
               "--threads", str(settings.threads), "--batch-size", str(settings.batch_size)]
    if settings.model_dir:
        command += ["--model", str(settings.model_dir)]
    if target:
        command += ["--target", target]
    environment = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        return {"pipeline": name, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- what int8 costs ---------------------------------------------------------------------------


BATCH_CHECK_COMMENTS = 48


def int8_batch_independence(model, texts: list[str]) -> dict[str, Any]:
    """Largest change of any toxicity score of ``texts`` between scoring them one at a time and in one batch."""
    def all_scores(batch_size: int) -> np.ndarray:
        predictions = model.predict(texts, None, batch_size=batch_size)
        return np.array([list(p.toxicity.values()) for p in predictions])

    difference = np.abs(all_scores(1) - all_scores(len(texts))).max()
    return {"comments": len(texts), "max_abs_difference": float(difference)}


def backend_quality(threads: int, model_dir: Path | None) -> dict[str, Any]:
    """Float (torch) vs int8 (ONNX Runtime) scores of one model: on the full validation sets, with a
    paired interval for the change, and on every model check of the gate as the gate measures it."""
    import torch

    from analyzer.model import ModelError, load_model
    from eval.gate import SHARED

    if not SHARED.is_dir():
        return {"skipped": f"{SHARED} is absent (validation data)"}
    torch.set_num_threads(threads)
    try:
        loaded = load_model(model_dir, device="cpu", backend="torch")
    except ModelError as error:
        return {"skipped": f"no shipped model ({error})"}
    # one load; each backend on a shallow copy that shares the network (use_backend sets only its own fields)
    models = {backend: with_backend(copy.copy(loaded), backend) for backend in ("torch", "onnx-int8", INT8_ALONE)}
    checks, batch_independence = full_set_changes(models)
    return {"checks": checks, "batch_independence": batch_independence, "gate_checks": gate_check_changes(models)}


def full_sets() -> list[tuple[Any, str, Any, Callable[..., float]]]:
    """(gate check, which rows, the rows or why they could not be read, metric) for the full C3 validation,
    VAST zero-shot and NK check sets."""
    from analyzer.evaluation.metrics import macro_f1, roc_auc
    from eval.gate import C3, NK, VAST, GateContext, c3_validation_rows, nk_check_rows, vast_zero_shot_rows

    context = GateContext()
    sets = []
    for check, rows_name, rows_of, metric in (
        (C3, "all validation rows", c3_validation_rows, roc_auc),
        (VAST, "all zero-shot rows", vast_zero_shot_rows, macro_f1),
        (NK, "all check rows", nk_check_rows, macro_f1),
    ):
        try:
            rows = rows_of(context)
        except (OSError, ValueError, KeyError) as error:  # a data file missing or changed shape
            rows = str(error)
        sets.append((check, rows_name, rows, metric))
    return sets


def full_set_changes(models: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """int8 − float on the full C3, VAST and NK sets, with a paired bootstrap interval and how many
    rows moved; and whether int8 scores depend on the batch (on C3's first comments)."""
    from analyzer.config import EvalOptions
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.evaluate import difference_interval
    from eval.gate import C3

    checks: dict[str, Any] = {}
    batch_independence: dict[str, Any] = {}
    for check, rows_name, rows, metric in full_sets():
        if isinstance(rows, str):  # why the rows could not be read
            checks[check.name] = {"description": check.description, "skipped": rows}
            continue
        if check is C3:  # toxicity-only rows: the batch check needs no targets
            batch_independence = int8_batch_independence(models["onnx-int8"], rows.texts[:BATCH_CHECK_COMMENTS])
        outputs = {backend: model_scores(model, rows) for backend, model in models.items()}
        values = {backend: metric(rows.labels, output) for backend, output in outputs.items()}
        change = difference_interval(rows, outputs["onnx-int8"], outputs["torch"], EvalOptions())
        checks[check.name] = {
            "description": f"{check.description} ({rows_name})",
            "rows": len(rows),
            **_changes(values),
            "change_interval": [round(change.low, 4), round(change.high, 4)],
            "rows_moved": ("mean |change| of toxicity" if rows.task == "toxicity" else "share of stance labels changed",
                           *(rows_moved(outputs["torch"], outputs[b], rows.task) for b in ("onnx-int8", INT8_ALONE))),
        }
    return checks, batch_independence


def _changes(values: dict[str, float]) -> dict[str, float]:
    """Float's value, int8's and its change; int8 alone's too where it was measured."""
    changes = {"float": round(values["torch"], 4), "int8": round(values["onnx-int8"], 4),
               "change": round(values["onnx-int8"] - values["torch"], 4)}
    if INT8_ALONE in values:
        changes |= {"int8_alone": round(values[INT8_ALONE], 4), "change_alone": round(values[INT8_ALONE] - values["torch"], 4)}
    return changes


def rows_moved(float_output: Sequence[Any], int8_output: Sequence[Any], task: str) -> float:
    """Toxicity: the mean |change| of the scores; stance: the share of labels that changed."""
    float_out, int8_out = np.asarray(float_output), np.asarray(int8_output)
    return round(float(np.abs(float_out - int8_out).mean() if task == "toxicity" else np.mean(float_out != int8_out)), 4)


def gate_values(models: dict[str, Any]) -> dict[str, Any]:
    """Every model check of the gate measured with each of ``models``, on the check's own sample and slice:
    per check its description and either ``values`` (model name → value) or why it was ``skipped``."""
    from eval.gate import GateContext, NotApplicable, fingerprint, model_checks

    measured: dict[str, Any] = {}
    for check in model_checks():
        measured[check.name] = {"description": check.description}
        if fingerprint(check, GateContext()) is None:
            measured[check.name]["skipped"] = "data absent"
            continue
        try:
            measured[check.name]["values"] = {
                name: float(check.measure(GateContext(model=model))) for name, model in models.items()
            }
        except NotApplicable as reason:  # an untouched-outlet check on an outlet the model trained on
            measured[check.name]["skipped"] = str(reason)
    return measured


def gate_check_changes(models: dict[str, Any]) -> dict[str, Any]:
    """int8 − float on every model check of the gate, each on the gate's own sample and slice."""
    return {name: {"description": check["description"], **_changes(check["values"])} if "values" in check else check
            for name, check in gate_values(models).items()}


# --- report -------------------------------------------------------------------------------------


@dataclass
class Settings:
    speed_comments: int
    rss_sizes: tuple[int, ...]
    threads: int
    batch_size: int
    model_dir: Path | None = None
    repeats: int = 3


def benchmark(settings: Settings, log) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                    "threads": settings.threads, "batch_size": settings.batch_size},
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "speed.jsonl"
        results["input"] = write_dump(dump, settings.speed_comments)
        results["speed"] = timed_rounds(PIPELINES, dump, settings, log)
        results["repeats"] = settings.repeats
        real = Path(scratch) / "real.jsonl"
        results["real_input"] = write_real_dump(real, settings.speed_comments)
        if results["real_input"]:
            results["speed_real"] = timed_rounds(REAL_TEXT_PIPELINES, real, settings, log)
        results["news_site_input"] = news_site_input()
        if results["news_site_input"]:
            from eval.gate import SHARED

            results["speed_news_site"] = timed_rounds(REAL_TEXT_PIPELINES, SHARED / NEWS_SITE_COMMENTS, settings, log,
                                                      target=NEWS_SITE_TARGET)
        results["memory"] = []
        for size in settings.rss_sizes:
            big = Path(scratch) / f"rss{size}.jsonl"
            write_dump(big, size, seed=1)
            log(f"memory: tiny model on {size} comments …")
            results["memory"].append(run_child("tiny", big, settings))
            log(f"  {results['memory'][-1]}")
            big.unlink()
    results["ratios"] = _ratios(results["speed"])
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def timed_rounds(pipelines: Sequence[str], dump: Path, settings: Settings, log,
                 target: str | None = None) -> list[dict[str, Any]]:
    """Each pipeline's median run on ``dump`` over ``settings.repeats`` interleaved rounds (so that a slow
    spell of the machine hits every pipeline)."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in pipelines}
    for round_number in range(1, settings.repeats + 1):
        for name in pipelines:
            log(f"speed, round {round_number} of {settings.repeats}: {name} on {dump.name} …")
            runs[name].append(run_child(name, dump, settings, target))
            log(f"  {runs[name][-1]}")
    return [median_run(runs[name]) for name in pipelines]


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time among one pipeline's repeats, with the range of their rates; the
    first failure when any failed (a pipeline that fails once is not reported as fine)."""
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda run: run["seconds"])
    rates = [run["comments_per_s"] for run in runs]
    return {**ordered[(len(ordered) - 1) // 2], "comments_per_s_range": [min(rates), max(rates)]}


def _ratios(speed: list[dict[str, Any]]) -> dict[str, float]:
    """Speed ratios by wall clock and by CPU time (the latter moves less with the machine's load)."""
    pairs = (
        (DEFAULT_PIPELINE, "bert-base"),  # what score runs by default vs Detoxify's architecture as it runs
        (DEFAULT_PIPELINE, "bert-base-onnx-int8"),  # like for like: both int8 in ONNX Runtime
        (REFERENCE_PIPELINE, "bert-base"),  # like for like: both float in torch
        (ONNX_FLOAT_PIPELINE, REFERENCE_PIPELINE),  # what ONNX Runtime alone buys
        (DEFAULT_PIPELINE, REFERENCE_PIPELINE),  # what int8 in ONNX Runtime buys
        (DEFAULT_PIPELINE, "minilm-onnx-int8-no-context"),  # what reading the title and parent costs
        (DEFAULT_PIPELINE, "minilm-onnx-int8-alone"),  # what the float recheck near decision lines costs
    )
    ratios = {}
    for measure_name, key in (("wall", "comments_per_s"), ("cpu", "comments_per_cpu_s")):
        rate = {r["pipeline"]: r.get(key) for r in speed}
        for faster, slower in pairs:
            if rate.get(faster) and rate.get(slower):
                ratios[f"{faster} / {slower} ({measure_name})"] = round(rate[faster] / rate[slower], 2)
    return ratios


def render_markdown(results: dict[str, Any], command: str) -> str:
    stats = results["input"]
    lines = [
        "# Scoring speed and memory",
        "",
        f"Reproduce: `{command}` (one run; other processes shared the machine, so compare ratios, "
        f"not absolute rates, across runs). Each pipeline ran {results.get('repeats', 1)} times in interleaved "
        "rounds: the table shows its median run and the range of its rates.",
        "",
        f"Machine: {results['machine']['cpu']}, torch threads {results['machine']['threads']}, batch size "
        f"{results['machine']['batch_size']}, Python {results['machine']['python']}; {results['created_at']}; "
        f"load average (1/5/15 min) {results['load_average_at_start']} at start, {results['load_average_at_end']} "
        f"at the end on {os.cpu_count()} cores.",
        "",
        f"Input: {stats['comments']} invented comments, lognormal lengths: median {stats['median_words']:.0f} words, "
        f"mean {stats['mean_words']}, p90 {stats['p90_words']:.0f}, p99 {stats['p99_words']:.0f}, "
        f"max {stats['max_words']}; 40 comments per article, stance target from each title. "
        "End to end = read split JSONL → score (toxicity + stance) → write CSV; model loading excluded.",
        "",
    ]
    lines += _speed_table(results["speed"])
    lines += ["", "Ratios (same run; cpu: from CPU time, which moves less with other load):", ""]
    lines += [f"- {name}: {value}×" for name, value in results["ratios"].items()] + [""]
    threads = results["machine"]["threads"]
    estimates = [f"{r['pipeline']} ≈ {r['comments_per_cpu_s'] * threads:.0f} comments/s" for r in results["speed"]
                 if r["pipeline"].startswith("minilm") and "error" not in r]
    if estimates:
        lines += [f"On {threads} otherwise idle cores (comments per CPU-second × {threads}, an upper bound that "
                  f"assumes perfect scaling): {', '.join(estimates)}.", ""]
    real = results.get("real_input")
    if real:
        lines += _real_text_section(
            "Real news comments",
            f"The same pipeline on {real['comments']} real comments (`../shared/{real['source']}`, a fixed-seed "
            f"sample under {real['articles']} posts, each post's title the stance target and the context): "
            f"median {real['median_words']:.0f} words, mean {real['mean_words']}, p90 {real['p90_words']:.0f}, "
            f"max {real['max_words']}. How many comments int8 scores again in float, and so its speed, depends "
            "on the text: the invented comments above are longer and take no clear position, so more of them "
            "sit near a stance line.", results["speed_real"])
    site = results.get("news_site_input")
    if site:
        lines += _real_text_section(
            "A news site's own comments",
            f"The same pipelines on all {site['comments']} comments of a news site's comment export "
            f"(`../shared/{site['source']}`: Globe and Mail reader comments under {site['articles']} articles, "
            f"{site['replies']} of them replies), read from the CSV itself, as `analyzer run` does: median "
            f"{site['median_words']:.0f} words, mean {site['mean_words']}, p90 {site['p90_words']:.0f}, max "
            f"{site['max_words']}. Each reply is read with its parent's opening as context. The export has no "
            f"article titles, so every comment takes the stance target \"{NEWS_SITE_TARGET}\" (only the time "
            "is measured here). These comments are two to three times as long as the Reddit ones above, and "
            "the time per comment grows with its length.", results["speed_news_site"])
    lines += ["## Memory at scale", "", "| comments | seconds | RSS after model load (MiB) | peak RSS (MiB) |",
              "| ---: | ---: | ---: | ---: |"]
    for r in results["memory"]:
        if "error" not in r:
            lines.append(f"| {r['comments']} | {r['seconds']} | {r['rss_after_load_mib']} | {r['peak_rss_mib']} |")
    lines += ["", "Scored with the tiny test model (weights are constant; this measures what the pipeline holds). "
              "Comments stream through in chunks of 2,000 into an append-only part file, so peak RSS should not "
              "grow with the number of comments.", ""]
    quality = results.get("int8_quality")
    if quality:
        lines += ["## What int8 costs in quality", ""]
        if "skipped" in quality:
            lines += [f"Not measured: {quality['skipped']}.", ""]
        else:
            independence = quality.get("batch_independence")
            batch_note = (f" A comment's int8 scores do not depend on its batch: the toxicity scores of the first "
                          f"{independence['comments']} C3 validation comments scored one at a time and in one batch "
                          f"differ by at most {independence['max_abs_difference']:.1e} (float rounding)."
                          if independence else "")
            lines += ["The model of row (a) on the full validation sets, float (torch) vs int8 (ONNX Runtime, "
                      "activations quantized per token, weights rounded by GPTQ, the few widest units of each "
                      "layer-norm and GELU output in float; the comments near a decision line scored again in "
                      "float, `analyzer.config.FloatRecheck`), batches of 32; the change with its paired 95% "
                      "bootstrap interval (both backends on the same resampled rows), and int8 alone (no recheck) "
                      "for comparison." + batch_note, "",
                      "| check | rows | float | int8 | change [95% interval] | rows that moved | int8 alone: change, "
                      "rows that moved |",
                      "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
            for check in quality["checks"].values():
                if "skipped" in check:
                    lines.append(f"| {check['description']} | skipped: {check['skipped']} | | | | | |")
                else:
                    moved_name, moved, moved_alone = check["rows_moved"]
                    low, high = check["change_interval"]
                    lines.append(f"| {check['description']} | {check['rows']} | {check['float']} | {check['int8']} | "
                                 f"{check['change']:+.4f} [{low:+.4f}, {high:+.4f}] | {moved_name}: {moved} | "
                                 f"{check['change_alone']:+.4f}, {moved_alone} |")
            lines += ["", "Every model check of the evaluation gate, each on the gate's own sample and slice "
                      "(`python -m eval.gate` measures float):", "",
                      "| gate check | float | int8 | change | int8 alone: change |", "| --- | ---: | ---: | ---: | ---: |"]
            for check in quality["gate_checks"].values():
                if "skipped" in check:
                    lines.append(f"| {check['description']} | skipped: {check['skipped']} | | | |")
                else:
                    lines.append(f"| {check['description']} | {check['float']} | {check['int8']} | "
                                 f"{check['change']:+.4f} | {check['change_alone']:+.4f} |")
            lines.append("")
    return "\n".join(lines)


def _real_text_section(heading: str, description: str, speed: list[dict[str, Any]]) -> list[str]:
    """A section on one real input: what it is, its speed table and its ratios."""
    return [f"## {heading}", "", description, "", *_speed_table(speed), "",
            *(f"- {name}: {value}×" for name, value in _ratios(speed).items()), ""]


def _speed_table(speed: list[dict[str, Any]]) -> list[str]:
    lines = ["| pipeline | model | comments/s (range over rounds) | comments per CPU-second | seconds | peak RSS (MiB) "
             "| scored again in float |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in speed:
        if "error" in r:
            lines.append(f"| {r['pipeline']} | failed: {r['error']} | | | | | |")
        else:
            low, high = r.get("comments_per_s_range", [r["comments_per_s"]] * 2)
            rechecked = "–" if r.get("rechecked_share") is None else f"{r['rechecked_share']:.1%}"
            lines.append(f"| {r['pipeline']} | {r['model']} | {r['comments_per_s']} ({low}–{high}) | "
                         f"{r['comments_per_cpu_s']} | {r['seconds']} | {r['peak_rss_mib']} | {rechecked} |")
    return lines


def invoked_command(module: str, argv: Sequence[str] | None) -> str:
    """The command line a benchmark report quotes as its "Reproduce" line."""
    return f"python -m {module}" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()


def log_to_stderr(message: str) -> None:
    """Progress and the rendered report go to stderr; a child's stdout carries only its JSON."""
    print(message, file=sys.stderr, flush=True)


def write_results(out_dir: Path, stem: str, results: dict[str, Any], markdown: str) -> None:
    """``stem``.json and ``stem``.md under ``out_dir`` (created if needed), each replaced atomically."""
    write_text_atomically(out_dir / f"{stem}.json", json.dumps(results, indent=2) + "\n")
    write_text_atomically(out_dir / f"{stem}.md", markdown)


def write_report_folder(out_dir: Path, results: dict[str, Any], markdown: str) -> Path:
    """An evaluation's ``metrics.json`` (NaN written as null) and ``report.md`` under ``out_dir`` (created if
    needed), each replaced atomically; returns the report's path."""
    from analyzer.evaluation.report import json_safe

    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out_dir / "metrics.json", json.dumps(json_safe(results), indent=2) + "\n")
    write_text_atomically(out_dir / "report.md", markdown)
    return out_dir / "report.md"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 comments for speed, 2,000 vs 20,000 for memory")
    parser.add_argument("--comments", type=int, help="comments in the speed run (default 300; --quick 100)")
    parser.add_argument("--rss-sizes", type=int, nargs="+", help="comment counts for the memory run")
    parser.add_argument("--repeats", type=int, help="interleaved rounds of the speed runs (default 3; --quick 1)")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--model", type=Path, help="checkpoint folder for (a) (default: the shipped model)")
    parser.add_argument("--skip-quality", action="store_true", help="do not measure what int8 costs in quality")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads; see run_child
    if args.child:
        print(json.dumps(measure(args.child, args.dump, args.threads, args.batch_size, args.model, args.target)))
        return 0
    settings = Settings(
        speed_comments=args.comments or (100 if args.quick else 300),
        rss_sizes=tuple(args.rss_sizes or ((2000, 20000) if args.quick else (10_000, 100_000))),
        threads=args.threads,
        batch_size=args.batch_size,
        model_dir=args.model,
        repeats=args.repeats or (1 if args.quick else 3),
    )

    results = benchmark(settings, log_to_stderr)
    if not args.skip_quality:
        log_to_stderr("int8 quality: float vs int8 on the full validation sets and the gate checks …")
        results["int8_quality"] = backend_quality(settings.threads, settings.model_dir)
    markdown = render_markdown(results, invoked_command("eval.bench_speed", argv))
    write_results(args.out_dir, "speed", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
