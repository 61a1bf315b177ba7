"""Reproduce the shipped model from a TOML recipe: ``python -m training.recipe training/recipes/default.toml``.

Loads the public corpora (``training.corpora``), samples and mixes them as the recipe says, trains
(``analyzer.finetune.trainer``), measures on C3 validation (by article), VAST zero-shot dev and the NK-talks
`check` rows, writes the checkpoint with its model card (``analyzer.finetune.card``) and metrics, and
copies it to ``ship_to``. ``--rewrite-card`` only renders the card again, adding the shipped model's
full-set evaluations (``reports/eval/``) and the evaluation gate's NK-talks check.

A variant changes values for one run and writes elsewhere, leaving the shipped model alone:
``python -m training.recipe training/recipes/default.toml --set training.trainable_layers=6 --out runs/six``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import json
import shlex
import shutil
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from analyzer.model import CARD_FILE, CONFIG_FILE, STANCE_LABELS, TOXICITY_ATTRIBUTES, WEIGHTS_FILE, Model, ModelConfig
from training import corpora, stance_sources
from analyzer.finetune.arguments import TrainingArguments
from analyzer.finetune.card import render_card
from analyzer.finetune.examples import Example
from analyzer.finetune.trainer import METRICS_FILE, stance_metrics, train, write_outputs

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The shipped model's full-set evaluations (``python -m analyzer eval``; each report.md has its command).
FULL_SETS = ("reports/eval/c3-validation-toxicity/metrics.json", "reports/eval/vast-zero-shot-stance/metrics.json")
#: Stance per dataset (``python -m eval.stance_sets``), shown on the shipped model's card.
STANCE_SETS = "reports/eval/stance-sets/metrics.json"
TRANSFER = "reports/eval/transfer/metrics.json"
#: The evaluation gate's floors, with the shipped model's measured value of each check.
GATE_FLOORS = PROJECT_ROOT / "eval" / "floors" / "floors.toml"
#: The recipe's sections; anything else is refused rather than ignored.
SECTIONS = ("model", "data", "training")

LICENSES = {
    "c3": "C3 Constructive Comments Corpus (Kolhatkar et al. 2020), Globe and Mail comments — no license stated; parent corpus SOCC is CC BY-NC-SA 4.0: treat as research/non-commercial",
    "civil_comments_spans": "Civil Comments toxic spans (Pavlopoulos et al. 2021) — CC0 1.0",
    "olid": "OLID / OffensEval 2019 train (Zampieri et al. 2019), tweets — no license stated; research use",
    "davidson": "Davidson et al. 2017 hate/offensive tweets — MIT",
    "cat_wikipedia": "CAT context toxicity, Wikipedia talk (Pavlopoulos et al. 2020) — Apache-2.0; text CC BY-SA",
    "toxigen": "ToxiGen prompt statements (Hartvigsen et al. 2022) — MIT",
    "vast": "VAST stance (Allaway & McKeown 2020), NYT comments — no license stated; research use",
    "nk_talks": "NK-talks Reddit comments (Shinhunjun/nk-coercive-diplomacy-reddit, MIT; Reddit users' text), stance hand-labelled by this project",
    "ukp": "UKP Sentential Argument Mining (Stab et al. 2018), web sentences — annotations CC BY-NC 4.0: research / non-commercial",
    "wtwt": "WT-WT merger tweets (Conforti et al. 2020) — no license stated; tweet text, research use",
    "pstance": "P-Stance (Li et al. 2021), political tweets — repository MIT; tweet text, research use",
    "perspectrum": "Perspectrum (Chen et al. 2019), debate claims and perspectives — CC BY-SA 4.0",
    "ibm": "IBM Debater Claim Stance (Bar-Haim et al. 2017), Wikipedia claims — CC BY-SA 3.0",
    "impermium": "Impermium insults (Kaggle 2012, Detecting Insults in Social Commentary), news/blog/forum comments — "
                 "the competition's data terms: research use only",
    "jigsaw": "Jigsaw Toxic Comment Classification Challenge subset, Wikipedia talk — labels CC0, text CC BY-SA",
}


def drawn_licenses(counts: dict[str, Any]) -> dict[str, str]:
    """The license of each source the run drew rows from (a source the recipe names with 0 rows has none here)."""
    return {name: license for name, license in LICENSES.items() if counts.get(name)}


def _amount(spec: Any) -> tuple[int | None, bool]:
    if spec == "all" or spec is None:
        return None, False
    if isinstance(spec, dict):
        n = spec.get("n", "all")
        return (None if n == "all" else int(n)), bool(spec.get("balanced", False))
    return int(spec), False


def _draw_seed(spec: Any, seed: int) -> int:
    """The seed a source's training draw uses: the recipe's, or its own (``{ n = ..., seed = 99 }``). Draws of one
    seed are nested (5,000 rows hold the 3,000 a smaller draw takes), so a stage that continues another draws
    rows the earlier stages never saw only with a seed of its own."""
    return int(spec.get("seed", seed)) if isinstance(spec, dict) else seed


def _repeat(spec: Any) -> int:
    """How many times each drawn example is shown per epoch (``{ n = ..., repeat = 2 }``; default once)."""
    return int(spec.get("repeat", 1)) if isinstance(spec, dict) else 1


#: The toxicity sources besides C3, each read whole from ../shared/data by its ``training.corpora`` reader.
EXTRA_TOXICITY_SOURCES = {
    "civil_comments_spans": corpora.civil_comments_spans,
    "olid": corpora.olid,
    "davidson": corpora.davidson,
    "cat_wikipedia": corpora.cat_wikipedia,
    "toxigen": corpora.toxigen,
    "impermium": corpora.impermium,
    "jigsaw": corpora.jigsaw,
}
#: Sources the evaluation gate samples rows of (``eval.gate.outlet_sample``): those rows are never drawn.
GATE_OUTLETS = ("impermium", "jigsaw")


def without_gate_rows(name: str, examples: list[Example]) -> list[Example]:
    """``examples`` less the rows the evaluation gate measures ``name`` on (none for other sources)."""
    if name not in GATE_OUTLETS:
        return examples
    from eval.gate import outlet_sample

    held_out = {example.group for example in outlet_sample(examples)}
    return [example for example in examples if example.group not in held_out]


#: Every toxicity outlet a recipe can draw from.
TOXICITY_OUTLETS = ("c3", *EXTRA_TOXICITY_SOURCES)


def drawn_outlets(counts: dict[str, Any], init_from: str | None) -> list[str] | None:
    """The toxicity outlets a model's training drew rows from in any stage, for training or model selection:
    this run's ``counts`` and, following ``init_from`` through each earlier run's metrics.json, every stage
    before it. None when the chain breaks (a start with no metrics.json): then nobody can say. The gate's
    floors on outlets training never saw rely on this (``eval.gate.untouched_outlet_auc``)."""
    drawn = {name for name in TOXICITY_OUTLETS if counts.get(name) or counts.get(f"validation_{name}")}
    if init_from in (None, "base"):
        return sorted(drawn)
    earlier = PROJECT_ROOT / init_from / METRICS_FILE
    metrics = json.loads(earlier.read_text(encoding="utf-8")) if earlier.is_file() else {}
    if "data" not in metrics:  # not a recipe's run
        return None
    before = drawn_outlets(metrics["data"], metrics.get("arguments", {}).get("init_from"))
    return None if before is None else sorted(drawn | set(before))


def toxicity_draws(
    spec: dict[str, Any], data: Path, c3_train: list[Example] | None = None,
    attributes: Sequence[str] = TOXICITY_ATTRIBUTES,
) -> dict[str, tuple[list[Example], list[Example], list[Example]]]:
    """Each toxicity source the recipe's [data] section names: (all its examples, those drawn for training,
    those drawn for validation: ``<name>_validation`` rows, never also in training). C3 is drawn from
    ``c3_train`` (its validation articles are apart) and left out when that is None."""
    seed = int(spec.get("seed", 0))
    draws = {}
    for name in ("c3", *EXTRA_TOXICITY_SOURCES):
        if name not in spec or (name == "c3" and c3_train is None):
            continue
        examples = c3_train if name == "c3" else EXTRA_TOXICITY_SOURCES[name](data, attributes)
        available = without_gate_rows(name, examples)
        # C3's validation rows are its validation articles (``corpora.c3``), drawn apart by ``build_data``
        validation = corpora.sample(available, _amount(spec[f"{name}_validation"])[0], seed) if (
            name != "c3" and f"{name}_validation" in spec) else []
        picked = {id(example) for example in validation}
        available = [example for example in available if id(example) not in picked]
        n, balanced = _amount(spec[name])
        draws[name] = (examples, corpora.sample(available, n, _draw_seed(spec[name], seed), balance_on_toxicity=balanced),
                       validation)
    return draws


def recipe_attributes(recipe: dict[str, Any]) -> tuple[str, ...]:
    """The toxicity attributes the recipe trains (``[training] attributes``; default: all the model knows)."""
    return tuple(recipe["training"].get("attributes", TOXICITY_ATTRIBUTES))


def shared_data(recipe: dict[str, Any], root: Path) -> Path:
    """The folder of the public corpora (``[data] shared``, relative to the project root)."""
    return (root / recipe["data"]["shared"]).resolve()


def build_data(recipe: dict[str, Any], root: Path) -> tuple[list[Example], list[Example], list[Example], dict]:
    """(train, validation, nk_check, counts) as the recipe's [data] section says."""
    spec = recipe["data"]
    data = shared_data(recipe, root)
    seed = int(spec.get("seed", 0))
    attributes = recipe_attributes(recipe)
    c3_train, c3_validation = corpora.c3(data, attributes)
    vast_train, vast_validation = corpora.vast(data, attributes)
    nk_train, nk_check = corpora.nk_talks(data, root / spec["nk_labels"], attributes)
    c3_validation = corpora.sample(c3_validation, _amount(spec.get("c3_validation", "all"))[0], seed)
    vast_validation = corpora.sample(vast_validation, _amount(spec.get("vast_validation", "all"))[0], seed)
    train: list[Example] = []
    counts: dict[str, int] = {}
    outlet_validation: list[Example] = []
    for name, (_, chosen, held) in toxicity_draws(spec, data, c3_train, attributes).items():
        counts[name] = len(chosen)
        if name == "jigsaw" and "threat" in attributes:  # the one source of `threat`, and its positives are few
            counts["jigsaw_threats"] = sum(e.toxicity[attributes.index("threat")] >= 0.5 for e in chosen)
        train.extend(chosen)
        if held:
            counts[f"validation_{name}"] = len(held)
            outlet_validation.extend(held)
    paired_stance = spec.get("random_target_stance")  # e.g. "none"; absent: paired texts teach no stance
    train = corpora.with_random_targets(
        train, corpora.vast_topics(data), float(spec.get("random_target_rate", 0.5)), seed,
        stance=STANCE_LABELS.index(paired_stance) if paired_stance else None,
    )
    n_vast, _ = _amount(spec.get("vast", "all"))
    chosen_vast = corpora.sample(vast_train, n_vast, _draw_seed(spec.get("vast"), seed))
    counts["vast"] = len(chosen_vast)
    train.extend(chosen_vast)
    # The in-domain rows are few next to the rest; ``repeat`` shows each of them that many times per epoch,
    # each copy with its post title as context or, at ``context_dropout``, without (bare comments happen too).
    nk_spec = spec.get("nk_talks", "all")
    nk_train = corpora.sample(nk_train, _amount(nk_spec)[0], seed)
    repeat = _repeat(nk_spec)
    nk_check = corpora.sample(nk_check, _amount(spec.get("nk_check", "all"))[0], seed)
    # A share of the in-domain train threads can steer model selection (the check threads never do).
    nk_train, nk_validation = corpora.split_threads(nk_train, float(spec.get("nk_validation", 0.0)))
    train.extend(corpora.with_context_dropout(nk_train, float(spec.get("context_dropout", 0.5)), repeat))
    counts["nk_talks"], counts["nk_talks_repeat"] = len(nk_train), repeat
    validation = c3_validation + outlet_validation + vast_validation + nk_validation
    if nk_validation:
        counts["validation_nk_talks"] = len(nk_validation)
    for name, reader in stance_sources.STANCE_SOURCES.items():
        if name not in spec:
            continue
        source_train, source_validation = reader(data, attributes)
        n, balanced = _amount(spec[name])
        chosen = (stance_sources.balanced_sample if balanced else corpora.sample)(
            source_train, n, _draw_seed(spec[name], seed))
        train.extend(chosen)
        counts[name] = len(chosen)
        if source_validation and f"{name}_validation" in spec:
            picked = corpora.sample(source_validation, _amount(spec[f"{name}_validation"])[0], seed)
            validation.extend(picked)
            counts[f"validation_{name}"] = len(picked)
    counts["validation_c3"], counts["validation_vast_zero_shot"], counts["nk_check"] = (
        len(c3_validation), len(vast_validation), len(nk_check))
    return train, validation, nk_check, counts


#: The three example lists ``build_data`` returns, in the order ``save_data`` writes them.
SPLITS = ("train", "validation", "nk_check")


def save_data(path: Path, train: list[Example], validation: list[Example], nk_check: list[Example], counts: dict) -> None:
    """The examples a recipe drew, as gzipped JSON lines (a first line with the counts, then one example per
    line), so that a machine without ``../shared`` can train on them (``--data``; ``training.carry``)."""
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write(json.dumps({"counts": counts}) + "\n")
        for split, examples in zip(SPLITS, (train, validation, nk_check)):
            for example in examples:
                stream.write(json.dumps({"split": split, **dataclasses.asdict(example)}) + "\n")


def load_data(path: Path) -> tuple[list[Example], list[Example], list[Example], dict]:
    """``save_data``'s file, as ``build_data`` returns it."""
    found: dict[str, list[Example]] = {split: [] for split in SPLITS}
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        counts = json.loads(next(stream))["counts"]
        for line in stream:
            row = json.loads(line)
            split = row.pop("split")
            found[split].append(Example(**{**row, "toxicity": tuple(row["toxicity"])}))
    return found["train"], found["validation"], found["nk_check"], counts


def nk_check_metrics(model: Model, check: list[Example]) -> dict[str, Any]:
    """Stance on the NK-talks check rows as a dump is scored (post title as context: ``nk_check_*``) and on
    the bare comments (``nk_check_bare_*``): what the context buys."""
    if not check:
        return {}
    labels = np.array([e.stance for e in check])
    metrics: dict[str, Any] = {}
    for prefix, contexts in (("nk_check", [e.context for e in check]), ("nk_check_bare", None)):
        _, logits = model.logits([e.text for e in check], [e.target for e in check], contexts=contexts, batch_size=64)
        found = stance_metrics(logits.numpy(), labels, model.config.stance_labels)
        metrics.update({f"{prefix}_{k}": v for k, v in found.items()})
    return metrics


def validation_note(source: str, counts: dict) -> str:
    """What the card's validation table measured."""
    return (
        f"Measured by `python -m training.recipe {source}` at the end of training, on fixed-seed subsets sized for "
        f"CPU time: {counts.get('validation_c3')} C3 comments from validation articles "
        "(`analyzer.splits.is_validation(article_id)`; positive: `toxicity` crowd level ≥ 2 on the 1–4 scale, "
        "`severe_toxicity` ≥ 3, `insult` and `inflammatory` a share ≥ 0.5 of the raters' personal_attack / "
        f"inflammatory ticks){_outlet_validation(counts)}, {counts.get('validation_vast_zero_shot')} VAST dev "
        "zero-shot rows (`seen? == 0`) "
        f"{_stance_validation(counts)}for stance (pooled: the stance rows), and {counts.get('nk_check')} NK-talks "
        f"`check` rows (hand labels, target \"{corpora.NK_TARGET}\"; reported only, never used to select)."
    )


def _outlet_validation(counts: dict) -> str:
    """The other toxicity validation rows the recipe drew (the calibration is fitted on C3's alone)."""
    drawn = [f"{counts[key]} {name}" for key, name in (("validation_impermium", "Impermium (`insult`)"),
                                                         ("validation_jigsaw", "Jigsaw (its own labels)")) if counts.get(key)]
    return f", {' and '.join(drawn)} rows for toxicity (ranking only: they are not calibrated on)" if drawn else ""


def _stance_validation(counts: dict) -> str:
    """The other stance validation rows the recipe drew, as the card names them."""
    names = {"nk_talks": "in-domain train-thread", "ukp": "UKP", "wtwt": "held-out WT-WT merger", "pstance": "P-Stance"}
    drawn = [f"{counts[f'validation_{key}']} {name}" for key, name in names.items() if counts.get(f"validation_{key}")]
    return f"and {', '.join(drawn)} rows " if drawn else ""


TRAINING_NOTE = (
    "A share of the toxicity texts is paired with a random VAST topic (`random_target_rate`) so that toxicity "
    "ignores the target; when the recipe sets `random_target_stance = \"none\"` (the shipped one does) those pairs "
    "also teach the stance head that a comment about something else takes no stance on the target. The stance "
    "sources whose \"none\" is on the topic (UKP, WT-WT) and whose positions are implicit (P-Stance, Perspectrum, "
    "IBM) are each drawn with their stance classes balanced, so that the model learns stance rather than which "
    "corpus a text came from; `training/stance_sources.py` maps every source's labels to favor / against / none. "
    "The in-domain labels are version 2 (`training/labels/README.md`): 335 of the 1,732 comments first labelled "
    "\"none\" were re-read as implicit positions (303 against, 32 favor). In-domain comments are shown several times per "
    "epoch, each copy with its post title as context or, half of the copies, without (`context_dropout`). "
    "Stage 3 (0.8.0) adds the Impermium insults (taught as `insult`) and the Jigsaw subset (all its labels; the "
    "one source of `obscene` and `threat`, new outputs of the toxicity head) with validation rows of their own, "
    "and never draws the rows the evaluation gate measures them on. 0.9.0 is that stage 3 on a chain that never "
    "drew a row of Civil Comments spans, CAT or ToxiGen, in any stage (`training.toxicity_outlets` in the config "
    "lists what it drew), so that the gate measures three outlets no training touched. Implicit hate about groups "
    "(ToxiGen's statements) is therefore learned only from the hate and group-targeted labels of Davidson, OLID and "
    "Jigsaw: the gate's ToxiGen row among the scores above is how that carries."
)


def limits_note(counts: dict) -> str:
    """The card's limits, with the numbers of the run's own draw (``counts``)."""
    note = (
        "Trained mostly on North-American news comments and tweets; mild toxicity dominates C3. \"none\" stance in "
        "VAST is mostly synthetic (a post paired with an unrelated topic); UKP and WT-WT teach on-topic \"none\", and "
        "the NK check rows measure it in the target domain. Context is the title and the parent's opening only, and "
        "only the in-domain comments were trained with it: measure what it buys on your own threads."
    )
    if counts.get("jigsaw_threats") is not None:
        note += (f" `obscene` and `threat` are learned from Wikipedia talk comments alone ({counts['jigsaw']:,} rows, "
                 f"{counts['jigsaw_threats']:,} threats): read `threat` as a rough flag.")
    return note


def gate_rows(labels_csv: Path, floors: Path = GATE_FLOORS) -> list[tuple[str, str]]:
    """The evaluation gate's pins that measured the shipped model on data the card has no other row for: the
    NK-talks check on all the check rows, the rows of Impermium and Jigsaw that no training run drew, and the
    outlets no stage of the model's training drew from (Civil Comments, Davidson, CAT, ToxiGen). A pin
    is left out when its data changed since (the gate skips it too: its fingerprint differs); when ``../shared`` is absent
    the fingerprint cannot be taken and the pin is trusted."""
    from eval.gate import CAT, CIVIL, DAVIDSON, IMPERMIUM, JIGSAW, JIGSAW_OBSCENE, NK, TOXIGEN, GateContext, fingerprint

    if not floors.is_file() or not labels_csv.is_file():
        return []
    pinned = tomllib.loads(floors.read_text(encoding="utf-8")).get("checks", {})
    with labels_csv.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["split"] == "check"]
    favor = sum(row["stance"] == "favor" for row in rows)
    labelled = (
        (NK, f"NK-talks check threads, all {len(rows):,} rows ({favor} favor), stance macro-F1"),
        (IMPERMIUM, "Impermium news/blog/forum comments, 400 rows never trained on, `insult` ROC-AUC"),
        (JIGSAW, "Jigsaw Wikipedia-talk subset, 400 rows never trained on, `toxicity` ROC-AUC"),
        (JIGSAW_OBSCENE, "Jigsaw Wikipedia-talk subset, the same 400 rows, `obscene` ROC-AUC"),
        (CIVIL, "Civil Comments (news sites), an outlet no training stage drew from, 400 rows, `toxicity` ROC-AUC"),
        (DAVIDSON, "Davidson tweets, an outlet no training stage drew from, 400 rows, `toxicity` ROC-AUC"),
        (CAT, "CAT Wikipedia talk, an outlet no training stage drew from, 400 rows (151 toxic), `toxicity` ROC-AUC"),
        (TOXIGEN, "ToxiGen statements about groups, an outlet no training stage drew from, 400 rows, `toxicity` ROC-AUC"),
    )
    found = []
    for check, label in labelled:
        entry = pinned.get(check.name)
        if not entry:
            continue
        now = fingerprint(check, GateContext())
        if now is not None and now != entry.get("fingerprint"):
            print(f"model card: the gate's {check.name} ({entry['measured']}) was pinned on other data than the "
                  "current files; left out (re-pin with python -m eval.gate --update-floors, then --rewrite-card)",
                  file=sys.stderr, flush=True)
            continue
        found.append((f"{label} (`python -m eval.gate`, pinned {entry.get('pinned')})",
                      f"{entry['measured']:.3f}"))
    return found


def model_card(
    config: ModelConfig, validation: dict, counts: dict, trainable: int, source: str, *, nk_labels: Path | None = None,
    start: str | None = None,
) -> str:
    """The recipe's card. ``nk_labels`` (the recipe's labels file) makes it the shipped model's card: it adds
    the full-set evaluations and the gate's NK-talks check, which both measured the shipped checkpoint."""
    note = validation_note(source, counts)
    if nk_labels is None:
        note += (" The full validation sets are measured apart (`python -m analyzer eval`); `--rewrite-card` "
                 "adds the shipped model's results here.")
    return render_card(
        config, validation, drawn_licenses(counts),
        trainable_layers=trainable, counts=counts, start=start,
        full_sets=[PROJECT_ROOT / path for path in FULL_SETS] if nk_labels else (),
        extra_rows=gate_rows(nk_labels) if nk_labels else (),
        stance_sets=PROJECT_ROOT / STANCE_SETS if nk_labels else None,
        transfer=PROJECT_ROOT / TRANSFER if nk_labels else None,
        notes={"validation": note, "training": TRAINING_NOTE, "limits": limits_note(counts)},
    )


def load_recipe(recipe_path: Path, assignments: Sequence[str] = (), out: Path | None = None) -> dict[str, Any]:
    """The recipe with each ``SECTION.KEY=VALUE`` assignment applied (VALUE in TOML syntax; a bare word
    is a string). ``out`` replaces ``model.out_dir`` and drops ``ship_to``: a variant never overwrites
    the shipped model."""
    recipe = tomllib.loads(recipe_path.read_text(encoding="utf-8"))
    for assignment in assignments:
        path, equals, raw = assignment.partition("=")
        section, dot, key = path.strip().partition(".")
        if not equals or not dot or not key or not isinstance(recipe.get(section), dict):
            raise ValueError(f"--set {assignment!r}: expected SECTION.KEY=VALUE with SECTION one of {sorted(recipe)}")
        try:
            value = tomllib.loads(f"value = {raw}")["value"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        recipe[section][key.strip()] = value
    unknown = sorted(set(recipe) - set(SECTIONS))
    if unknown:  # e.g. [adapt], whose masked-LM code is gone (git show d4de0da:training/adapt.py)
        raise ValueError(f"unknown section(s) {unknown}; a recipe has {', '.join(SECTIONS)}")
    if out is not None:
        recipe["model"]["out_dir"] = str(out.resolve())
        recipe["model"].pop("ship_to", None)
    return recipe


def invocation(recipe_path: Path, assignments: Sequence[str] = ()) -> str:
    """The recipe and its overrides as the model card and metrics name them."""
    return " ".join([str(recipe_path), *(f"--set {shlex.quote(a)}" for a in assignments)])


def run(recipe: dict[str, Any], source: str, data: Path | None = None) -> dict[str, Any]:
    """Train as ``recipe`` (from ``load_recipe``) says; ``source`` names it in the card (``invocation``).
    ``data``: the examples ``save_data`` wrote for this recipe, instead of drawing them from ``../shared``."""
    root = PROJECT_ROOT
    started = time.monotonic()
    train_examples, validation, nk_check, counts = load_data(data) if data else build_data(recipe, root)
    print(f"data: {json.dumps(counts)}", flush=True)
    model_spec, training_spec = recipe["model"], dict(recipe["training"])
    training_spec["attributes"] = recipe_attributes(recipe)
    torch.set_num_threads(int(training_spec.pop("threads", torch.get_num_threads())))
    args = TrainingArguments(
        output_dir=root / model_spec["out_dir"],
        task="both",
        model_name=model_spec["name"],
        model_version=model_spec["version"],
        notes={"recipe": source, "data": counts, "licenses": drawn_licenses(counts),
               "toxicity_outlets": drawn_outlets(counts, training_spec.get("init_from"))},
        show_progress_bar=False,
        **training_spec,
    )
    result = train(args, train_examples, validation, log=lambda line: print(line, flush=True))
    nk = nk_check_metrics(result.model, nk_check)
    result.validation.update(nk)
    config = result.model.config
    config.name, config.version = args.model_name, args.model_version
    card = model_card(config, result.validation, counts, args.trainable_layers, source, start=model_spec.get("start"))
    write_outputs(result, args, card, extra_metrics={"data": counts, "minutes": (time.monotonic() - started) / 60})
    if "ship_to" in model_spec:  # a variant recipe may only write its run folder
        ship_to = root / model_spec["ship_to"]
        ship_to.mkdir(parents=True, exist_ok=True)
        for name in (CONFIG_FILE, WEIGHTS_FILE, CARD_FILE, METRICS_FILE):
            shutil.copy2(args.output_dir / name, ship_to / name)
    print(json.dumps(result.validation, indent=2), flush=True)
    return result.validation


def finished_card(recipe: dict[str, Any], source: str) -> tuple[str, list[Path]]:
    """The model card of a finished run, rendered again (no training), and the folders it belongs in.

    Reads the run folder's metrics.json and config.json, or the shipped folder's when the run folder has
    none (``runs/`` is not in a fresh checkout)."""
    out_dir = PROJECT_ROOT / recipe["model"]["out_dir"]
    ship_to = recipe["model"].get("ship_to")
    shipped = PROJECT_ROOT / ship_to if ship_to else None
    folder = out_dir if (out_dir / METRICS_FILE).is_file() or shipped is None else shipped
    metrics = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    config = ModelConfig.from_json((folder / CONFIG_FILE).read_text(encoding="utf-8"), folder / CONFIG_FILE)
    card = model_card(config, metrics["validation"], metrics["data"], int(metrics["arguments"]["trainable_layers"]),
                      source, nk_labels=PROJECT_ROOT / recipe["data"]["nk_labels"] if shipped else None,
                      start=recipe["model"].get("start"))
    return card, list(dict.fromkeys(f for f in (folder, shipped) if f is not None))


def rewrite_card(recipe: dict[str, Any], source: str) -> None:
    """Write the finished run's card again (``finished_card``) into the run folder and the shipped one."""
    card, folders = finished_card(recipe, source)
    for folder in folders:
        (folder / CARD_FILE).write_text(card, encoding="utf-8")
        print(f"wrote {folder / CARD_FILE} ({card.count(chr(10))} lines)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.recipe", description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path, help="a TOML recipe, e.g. training/recipes/default.toml")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", dest="assignments",
                        help="change one recipe value for this run (TOML syntax), e.g. --set training.trainable_layers=6; "
                             "repeatable")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the run to DIR instead of the recipe's out_dir, and ship nothing")
    parser.add_argument("--rewrite-card", action="store_true", help="only regenerate the finished run's model card")
    parser.add_argument("--save-data", type=Path, metavar="FILE.jsonl.gz",
                        help="only draw the recipe's examples from ../shared and write them to FILE (no training)")
    parser.add_argument("--data", type=Path, metavar="FILE.jsonl.gz",
                        help="train on the examples --save-data wrote, instead of drawing them from ../shared")
    options = parser.parse_args(argv)
    try:
        recipe = load_recipe(options.recipe, options.assignments, options.out)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as error:
        parser.error(f"{options.recipe}: {error}")
    source = invocation(options.recipe, options.assignments)
    if options.rewrite_card:
        rewrite_card(recipe, source)
    elif options.save_data:
        drawn = build_data(recipe, PROJECT_ROOT)
        save_data(options.save_data, *drawn)
        print(f"wrote {options.save_data}: {json.dumps(drawn[3])}", flush=True)
    else:
        run(recipe, source, options.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
