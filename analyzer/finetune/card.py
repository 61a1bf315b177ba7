"""The model card (README.md) of a fine-tuned checkpoint, rendered from ``model_card.md``.

The template holds the prose; this module fills it (``string.Template``) from

* the checkpoint's config: name, version, attributes, stance labels and features, threshold, calibration;
* the run's validation metrics (``metrics.json`` "validation", keys as ``analyzer.finetune.trainer``
  writes them: ``{attribute}_roc_auc``, ``toxicity_f1_at_threshold``, ``stance_macro_f1``,
  ``stance_{label}_f1`` …, the same under a prefix such as ``nk_check_`` for other check sets);
* the training sources with their licenses (name → license text), and how many examples each gave;
* optionally full-set evaluations (``reports/eval/<name>/metrics.json`` of ``python -m analyzer eval``)
  with their 95% intervals, and extra measured rows (label, value).

Both the shipped recipe (``training/recipe.py``) and ``python -m analyzer train`` write their cards with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.model import ModelConfig

TEMPLATE = "model_card.md"
#: License texts that restrict use; a checkpoint trained on them inherits the restriction.
RESTRICTED = re.compile(r"research|non-commercial|-NC\b|-NC-", re.IGNORECASE)
#: How the card names a check set whose metrics carry this prefix.
CHECK_SETS = {"": "", "nk_check_": "NK-talks `check` rows: ",
              "nk_check_bare_": "NK-talks `check` rows without their titles: "}
_WORDS = dict(enumerate("no one two three four five six seven eight nine ten eleven twelve".split()))
_STANCE_FEATURES = {
    "cls+mean": "[CLS] and the mean of all tokens",
    "cls+mean+relatedness": (
        "[CLS], the mean of all tokens and the target–comment relatedness (product and cosine of the target's "
        "and the comment's normalised token means: an unrelated comment takes no stance on the target)"
    ),
}


def render_card(
    config: ModelConfig,
    validation: Mapping[str, Any],
    sources: Mapping[str, str],
    *,
    trainable_layers: int,
    start: str | None = None,
    counts: Mapping[str, Any] | None = None,
    full_sets: Sequence[str | Path] = (),
    extra_rows: Sequence[tuple[str, str]] = (),
    stance_sets: str | Path | None = None,
    transfer: str | Path | None = None,
    notes: Mapping[str, str] | None = None,
) -> str:
    """The card's markdown.

    ``start``: the checkpoint training started from ("default 0.6.0"); None: the bare base encoder.
    ``counts``: examples per source (and ``<source>_repeat``: times shown per epoch).
    ``full_sets``: ``analyzer eval`` metrics files; one that measured another model name or version is
    named as not shown. ``extra_rows``: more full-set rows (label, value), e.g. the evaluation gate's.
    ``stance_sets``: the ``eval.stance_sets`` metrics file (stance per dataset), shown when it measured this model.
    ``transfer``: the ``eval.transfer`` metrics file (leave-one-source-out tables of how the data carry).
    ``notes``: caller's paragraphs: ``validation`` (what the validation rows are and who measured them),
    ``training`` (after the sources), ``limits``.
    """
    notes = notes or {}
    counts = counts or {}
    tox = any(f"{a}_roc_auc" in validation for a in config.attributes)
    stance = "stance_macro_f1" in validation
    fields = {
        "name": config.name,
        "version": config.version,
        "about": _about(config, trainable_layers, start, tox, stance),
        "attributes": ", ".join(config.attributes),
        "calibration": _calibration(config, validation),
        "threshold": f"{config.toxicity_threshold:.3f}",
        "thresholded": "calibrated `toxicity`" if "toxicity" in config.toxicity_calibration else "`toxicity`",
        "threshold_rule": _threshold_rule(validation),
        "stance_labels": " / ".join(config.stance_labels),
        "stance_rule": _stance_rule(config, stance),
        "max_length": config.max_length,
        "validation_note": notes.get("validation", "Measured at the end of training on the validation rows."),
        "validation_rows": "\n".join(f"| {what} | {value} |" for what, value in _validation_rows(config, validation)),
        "full_sets": _full_sets(config, full_sets, extra_rows) + _stance_sets(config, stance_sets) + _transfer(transfer),
        "sources": "\n".join(_source_line(name, license, counts) for name, license in sources.items()),
        "terms": _terms(sources, start, notes.get("training", "")),
        "limits": _limits(start, tox, stance, notes.get("limits", "")),
    }
    template = resources.files("analyzer.finetune").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return Template(template).substitute(fields)


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _interval(entry: Mapping[str, float]) -> str:
    return f"{entry['estimate']:.3f} [{entry['low']:.3f}, {entry['high']:.3f}]"


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


def _about(config: ModelConfig, trainable: int, start: str | None, tox: bool, stance: bool) -> str:
    package = (config.base_encoder or {}).get("package")
    origin = (f"base weights from the pinned package `{package}`, sha256-verified at load" if package
              else "all weights stored here")
    begun = "" if start is None else f", fine-tuned further from {start}"
    heads = {(True, False): "the toxicity head", (False, True): "the stance head"}.get((tox, stance),
                                                                                      "the two MLP heads")
    owner = "the base encoder's" if start is None else f"{start}'s"
    layers = int(config.encoder_config.get("num_hidden_layers", 6))
    if trainable >= layers:
        every = "both" if layers == 2 else f"all {_count(layers)}"
        trained = f"The embeddings are {owner}; {every} encoder layers and {heads} were trained here."
    elif trainable:
        trained = (f"The embeddings and the lower {layers - trainable} encoder layers are {owner}; the top {trainable} "
                   f"layer(s) and {heads} were trained here.")
    else:
        trained = f"The whole encoder is {owner}, frozen; only {heads} were trained here."
    features = _STANCE_FEATURES.get(config.stance_features, config.stance_features)
    layout = ("`[CLS] target [SEP] comment [SEP] context [SEP]`, the context being what the comment answers — the "
              f"article's title and its parent comment's opening, at most {config.context_tokens} tokens, read with a "
              "target only" if config.context_tokens else "`[CLS] target [SEP] comment [SEP]`")
    return (
        f"Scores reader comments for toxicity ({len(config.attributes)} attributes) and for stance toward a target "
        f"phrase ({' / '.join(config.stance_labels)}). A fine-tuned all-MiniLM-L6-v2 ({origin}){begun}. One encoder "
        f"pass per comment over {layout}; toxicity head on the comment tokens' mean; stance "
        f"head on {features}. {trained}"
    )


def _calibration(config: ModelConfig, validation: Mapping[str, Any]) -> str:
    def names(attributes: list[str]) -> str:
        return ", ".join(f"`{a}`" for a in attributes)

    calibrated = [a for a in config.attributes if a in config.toxicity_calibration]
    here = [a for a in calibrated if f"{a}_roc_auc" in validation]
    inherited = [a for a in calibrated if a not in here]
    raw = [a for a in config.attributes if a not in calibrated]
    sources = config.calibration.get("sources")
    rows = f"validation rows from {', '.join(sources)} below" if sources else "validation rows below"
    parts = []
    if here:
        parts.append(f"{names(here)} are **calibrated probabilities** (Platt scaling per attribute on the {rows}: "
                     "a score estimates the share of such comments that the validation labels call positive)")
    if inherited:
        parts.append(f"{names(inherited)} keep the starting checkpoint's calibration (not measured here)")
    if raw:
        parts.append(f"{names(raw)} are raw sigmoid outputs (too few or no labels in the {rows} to calibrate): "
                     "treat them as rankings, not probabilities")
    limits = (" They are calibrated to the validation rows' outlet: elsewhere the ranking carries over better than "
              "the probabilities do, so refit them on a few hundred of a site's own labeled comments with "
              "`analyzer calibrate` (what that gives on outlets this model never saw: "
              "`reports/benchmarks/calibrate.md` in the source checkout).") if here else ""
    return "; ".join(parts) + "." + limits


def _threshold_rule(validation: Mapping[str, Any]) -> str:
    if "toxicity_f1_at_threshold" not in validation:
        return "the starting checkpoint's: no toxicity validation labels here to refit it."
    return ("half the best F1 reached on validation, the F1-optimal threshold for calibrated probabilities "
            "(Lipton et al. 2014), steadier than the place where the F1 curve of a few dozen positives peaks. "
            f"F1 there on validation: {_num(validation['toxicity_f1_at_threshold'])}.")


def _stance_rule(config: ModelConfig, measured: bool) -> str:
    temperature = f"{config.stance_temperature:.2f}"
    where = f"fitted on validation ({temperature})" if measured else f"of the starting checkpoint ({temperature})"
    return f"softmax of the logits over a temperature {where}; the label is the most probable one."


def _validation_rows(config: ModelConfig, v: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for attribute in config.attributes:
        if f"{attribute}_roc_auc" in v:
            positives, n = v.get(f"{attribute}_positives"), v.get(f"{attribute}_n")
            caution = "; too few to trust" if positives is not None and positives < 10 else ""
            what = f"`{attribute}` ROC-AUC ({positives} of {n} positive{caution})"
            rows.append((what, _num(v[f"{attribute}_roc_auc"])))
    if "toxicity_f1_at_threshold" in v:
        rows.append(("`toxicity` F1 at the default threshold", _num(v["toxicity_f1_at_threshold"])))
    prefixes = sorted({key[: -len("stance_macro_f1")] for key in v if key.endswith("stance_macro_f1")},
                      key=lambda prefix: (prefix != "", prefix))
    labels = " / ".join(config.stance_labels)
    for prefix in prefixes:
        name = CHECK_SETS.get(prefix, f"`{prefix.rstrip('_')}`: ")
        key = f"{prefix}stance_"
        rows.append((f"{name}stance macro-F1 ({v.get(key + 'n')} rows)", _num(v[key + "macro_f1"])))
        if key + "f_avg" in v:
            rows.append((f"{name}stance F_avg (mean F1 of favor and against)", _num(v[key + "f_avg"])))
        for measure, title in (("f1", "F1"), ("recall", "recall")):
            values = [v.get(f"{key}{label}_{measure}") for label in config.stance_labels]
            if any(value is not None for value in values):
                rows.append((f"{name}stance {title} {labels}", " / ".join(_num(value) for value in values)))
    return rows


def _full_sets(config: ModelConfig, paths: Sequence[str | Path], extra_rows: Sequence[tuple[str, str]]) -> str:
    if not paths and not extra_rows:
        return ""
    rows: list[tuple[str, str, str]] = []
    units, resamples, skipped, backends = [], set(), [], set()
    for path in paths:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        model = report.get("model", {})
        if (model.get("name"), model.get("version")) != (config.name, config.version):
            skipped.append(f"`{report.get('name', Path(path).parent.name)}` "
                           f"({model.get('name')} {model.get('version')})")
            continue
        backends.add(model.get("backend", "torch"))
        name, metrics, intervals, options = report["name"], report["metrics"], report["intervals"], report["options"]
        group = options.get("group_column") if report.get("bootstrap_resampled") == "group" else None
        units.append(f"on `{name}` each draw takes a whole `{group}` group" if group else f"on `{name}` a row")
        resamples.update(entry["resamples"] for entry in intervals.values())
        baselines = ", ".join(f"{baseline} {entry['headline']['estimate']:.3f}"
                              for baseline, entry in report.get("baselines", {}).items())
        where = "".join(f", `{column}` = {value}" for column, value in options.get("where", []))
        if report["task"] == "toxicity":
            cut = options.get("positive_threshold")
            positives = (f"{metrics['positives']:,} with `{options['label_column']}` ≥ {cut:g}"
                         if cut is not None and options.get("label_column") else f"{metrics['positives']:,} positive")
            rows.append((f"`{name}`: {metrics['n']:,} rows ({positives}{where}), toxicity ROC-AUC",
                         _interval(intervals["roc_auc"]), baselines))
            rows.append((f"`{name}`: average precision / F1 at the model's threshold / ECE",
                         f"{_num(metrics['average_precision'])} / {_num(metrics['at_model_threshold']['f1'])} / "
                         f"{_num(metrics['ece'])}", ""))
        else:
            rows.append((f"`{name}`: {metrics['n']:,} rows{f' ({where[2:]})' if where else ''}, stance macro-F1",
                         _interval(intervals["macro_f1"]), baselines))
            rows.append((f"`{name}`: F1 {' / '.join(metrics['labels'])}",
                         " / ".join(_num(metrics["per_class"][label]["f1"]) for label in metrics["labels"]), ""))
            if "f_avg" in intervals:
                rows.append((f"`{name}`: F_avg (mean F1 of favor and against)", _interval(intervals["f_avg"]), ""))
    rows.extend((label, value, "") for label, value in extra_rows)
    counted = f"{', '.join(f'{r:,}' for r in sorted(resamples))} resamples; " if resamples else ""
    lines = [
        "",
        "### Full validation sets, measured with `python -m analyzer eval`",
        "The table above is on the rows training validated on; these are every row of each set, with 95% bootstrap "
        f"intervals ({counted}{', '.join(units) or 'none here'}) and baselines scored in the same run. "
        "Reports and commands: `reports/eval/<name>/` (each `report.md` has its \"Reproduce\" line).",
        *([f"Not shown, measured on another model: {', '.join(skipped)}."] if skipped else []),
        *([_backend_note(backends, bool(extra_rows))] if backends else []),
        "",
        f"| set | {config.name} {config.version} [95% interval] | baselines |",
        "|---|---|---|",
        *(f"| {what} | {value} | {baselines} |" for what, value, baselines in rows),
        "",
    ]
    return "\n".join(lines)


def _backend_note(backends: set[str], gate_rows: bool) -> str:
    """Which network scored the sets: int8 (what ``score`` runs on a CPU) and float move a little apart."""
    note = f"The `analyzer eval` rows were scored by the {' and '.join(f'`{b}`' for b in sorted(backends))} backend"
    note += "; the `python -m eval.gate` rows by the float network (`torch`)." if gate_rows else "."
    return note + " What int8 changes against float on every gate check: `reports/benchmarks/speed.md`."


def _stance_sets(config: ModelConfig, path: str | Path | None) -> str:
    """Stance per dataset (``python -m eval.stance_sets``), with the compared checkpoints' macro-F1."""
    if path is None or not Path(path).is_file():
        return ""
    sets = json.loads(Path(path).read_text(encoding="utf-8"))
    measured = {name: entry for name, entry in sets.items()
                if (entry["model"].get("name"), entry["model"].get("version")) == (config.name, config.version)}
    if not measured:
        return ""
    compared = sorted({name for entry in measured.values() for name in entry["compared"]})
    lines = [
        "### Stance per dataset, measured with `python -m eval.stance_sets`",
        "Held-out rows of every stance source (at most 1,500 per set), 95% bootstrap intervals over rows; the "
        "last columns are the paired interval of this model minus another on the same rows. "
        "Report: `reports/eval/stance-sets/report.md`.",
        "",
        "| set | rows | macro-F1 | F_avg |" + "".join(f" − {name}, macro-F1 |" for name in compared),
        "|---|---|---|---|" + "---|" * len(compared),
    ]
    for name, entry in measured.items():
        differences = [_interval(entry["compared"][other]["model_minus_checkpoint"]) if other in entry["compared"]
                       else "" for other in compared]
        lines.append(f"| {name}: {entry['description']} | {entry['rows']:,} | {_interval(entry['intervals']['macro_f1'])} "
                     f"| {_interval(entry['intervals']['f_avg'])} |" + "".join(f" {d} |" for d in differences))
    return "\n".join(["", *lines, ""])


#: The leave-one-source-out metric shown per task, and how the card names it.
_TRANSFER_METRICS = {"toxicity": ("roc_auc", "ROC-AUC"), "stance": ("f_avg", "F_avg")}


def _transfer(path: str | Path | None) -> str:
    """How each source carries to the others (``python -m eval.transfer``): per task, held out / in-source /
    all sources. A probe on the frozen base encoder, so it measures the data, not this checkpoint."""
    if path is None or not Path(path).is_file():
        return ""
    tasks = json.loads(Path(path).read_text(encoding="utf-8"))["tasks"]
    lines = [
        "### How the training sources carry to an outlet left out, measured with `python -m eval.transfer`",
        "For every source: a linear probe on the frozen base encoder trained on all the *other* sources and measured "
        "on this one (held out), on this one alone (in-source) and on all (all sources); 95% bootstrap intervals. "
        "It measures how the data carry, not this checkpoint (which saw every source); a whole-encoder "
        "leave-one-out needs a GPU. Report: `reports/eval/transfer/report.md`.",
    ]
    for task, table in tasks.items():
        key, label = _TRANSFER_METRICS[task]
        lines += ["", f"| {task}: held-out source | {label} held out | in-source | all sources |", "|---|---|---|---|"]
        for name, entry in table["per_source"].items():
            lines.append(f"| {name} | " + " | ".join(_interval(entry[part][key])
                                                     for part in ("held_out", "in_source", "all_sources")) + " |")
        means = table["means"][key]
        lines.append(f"| **mean** | **{_num(means['held_out'])}** | {_num(means['in_source'])} | "
                     f"{_num(means['all_sources'])} |")
    return "\n".join(["", *lines, ""])


def _source_line(name: str, license: str, counts: Mapping[str, Any]) -> str:
    if name not in counts:
        return f"- **{name}**: {license}"
    repeat = counts.get(f"{name}_repeat", 1)
    shown = f"{counts[name]} examples" + (f", each shown {repeat}× per epoch" if repeat > 1 else "")
    return f"- **{name}** ({shown}): {license}"


def _terms(sources: Mapping[str, str], start: str | None, training_note: str) -> str:
    parts = []
    restricted = [name for name, license in sources.items() if RESTRICTED.search(license)]
    if restricted:
        parts.append(f"**Several sources are research / non-commercial ({', '.join(restricted)}): this checkpoint "
                     "inherits those terms.**")
    if start is not None:
        parts.append(f"It was fine-tuned from {start}, so the terms of that checkpoint's training data carry over "
                     "too (its model card lists them; the shipped default model's include research / non-commercial "
                     "sources).")
    if not parts:
        parts.append("The base encoder, all-MiniLM-L6-v2, is Apache-2.0; the data's terms are as listed above.")
    return "\n\n".join([" ".join(parts), *([training_note] if training_note else [])])


def _limits(start: str | None, tox: bool, stance: bool, note: str) -> str:
    parts = ["English only (`score` leaves a comment confidently written in another language unscored, with the "
             "language named; `--languages` changes that). The scores mean what the validation labels above mean: on another outlet, platform or "
             "rating standard, measure before relying on them (`python -m analyzer eval`)."]
    if tox != stance:
        trained, other = ("toxicity", "stance") if tox else ("stance", "toxicity")
        inherited = (f"is {start}'s, but the layers beneath it changed: its scores are unmeasured" if start
                     else "was never trained: ignore its scores")
        parts.append(f"Only {trained} was trained and measured here; the {other} head {inherited}.")
    return " ".join(parts + ([note] if note else []))
