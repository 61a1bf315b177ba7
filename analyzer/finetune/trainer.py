"""Fine-tune a checkpoint on toxicity and/or stance examples, cheaply enough for a CPU.

The word embeddings and the lower encoder layers stay frozen, so each example's hidden states after
them are computed once (inference only) and cached in float16; training then runs only the top
``trainable_layers`` layers and the two heads over the cache, for as many epochs as wanted. Each
example contributes its first ``max_length`` tokens (target + comment) in training; scoring uses all
windows (``analyzer.model``).

Every ``eval_every`` steps the validation examples are scored (through the cache) and the best
state is kept: the score is the mean of toxicity ROC-AUC and stance macro-F1 (whichever exist). At
the end the best state is restored, calibration (Platt per toxicity attribute, a stance
temperature) and the toxicity threshold (half the best F1, see ``decision_threshold``) are fitted on
validation with the full scoring path, and the checkpoint, its model card and ``metrics.json`` are written.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from analyzer.calibration import MIN_PER_CLASS, decision_threshold, fit_platt, platt_replicates
from analyzer.evaluation import metrics as evaluation_metrics
from analyzer.finetune.arguments import TrainingArguments
from analyzer.finetune.examples import IGNORE_STANCE, Example
from analyzer.model import (
    BASE_ENCODER_PACKAGE,
    BASE_ENCODER_SHA256,
    NEW_STANCE_FEATURES,
    TOXICITY_ATTRIBUTES,
    Model,
    ModelConfig,
    Window,
    _base_state_for,
    base_encoder_config,
    build_net,
    encode_windows,
    load_model,
    resolve_device,
)

RESUME_DIR = "resume"
#: Window of a model started from the bare base encoder when the arguments set none: the length the
#: base was fine-tuned with (the shipped recipe sets 256: longer comments and posts fit one window).
BASE_MAX_LENGTH = 128
METRICS_FILE = "metrics.json"


# --- the starting model ------------------------------------------------------------------------


def fresh_model_from_base(
    max_length: int, attributes: Sequence[str] = TOXICITY_ATTRIBUTES, seed: int = 0
) -> Model:
    """The base encoder's weights with new, random heads."""
    torch.manual_seed(seed)
    config = ModelConfig(
        name="base",
        version="0.0.0",
        attributes=tuple(attributes),
        encoder_config=base_encoder_config(),
        max_length=max_length,
        base_encoder={"package": BASE_ENCODER_PACKAGE, "sha256": BASE_ENCODER_SHA256},
        stance_features=NEW_STANCE_FEATURES,
    )
    net = build_net(config)
    net.load_state_dict(_base_state_for(net), strict=False)  # heads stay random
    return Model(net, config, device="cpu")


def initial_model(args: TrainingArguments) -> Model:
    if args.init_from == "base":
        return fresh_model_from_base(args.max_length or BASE_MAX_LENGTH, args.attributes or TOXICITY_ATTRIBUTES, args.seed)
    # Training runs the torch network itself; train() applies args.max_length when one is set.
    model = load_model(args.init_from, device="cpu", backend="torch")
    return with_attributes(model, args.attributes, args.seed) if args.attributes else model


def with_attributes(model: Model, attributes: Sequence[str], seed: int = 0) -> Model:
    """``model`` scoring ``attributes``: those it has keep their output weights, new ones start at random
    (and uncalibrated until training fits them). Dropping an attribute is refused: the head would forget it."""
    attributes = tuple(attributes)
    if attributes == model.attributes:
        return model
    dropped = [name for name in model.attributes if name not in attributes]
    if dropped:
        raise ValueError(f"{', '.join(dropped)}: the starting model scores these; attributes must keep them")
    torch.manual_seed(seed)
    config = replace(model.config, attributes=attributes)
    net = build_net(config)
    old_output, new_output = model.net.toxicity_head[-1], net.toxicity_head[-1]
    output = f"toxicity_head.{len(net.toxicity_head) - 1}."
    state = {name: tensor for name, tensor in model.net.state_dict().items() if not name.startswith(output)}
    net.load_state_dict(state, strict=False)
    rows = [attributes.index(name) for name in model.attributes]
    with torch.no_grad():
        new_output.weight[rows] = old_output.weight
        new_output.bias[rows] = old_output.bias
    return Model(net, config, path=model.path, device=model.device)


# --- caching the frozen layers -----------------------------------------------------------------


def example_windows(model: Model, examples: Sequence[Example]) -> list[Window]:
    """Every window of every example, as ``Model.predict`` would encode it (target and context included)."""
    return encode_windows(
        model.tokenizer, [e.text for e in examples], [e.target for e in examples], model.max_length,
        [e.context for e in examples], model.config.context_tokens,
    )


def first_windows(model: Model, examples: Sequence[Example]) -> list[Window]:
    """One encoder input per example: its first ``max_length`` tokens (with its target and context)."""
    windows = example_windows(model, examples)
    first: dict[int, Window] = {}
    for window in windows:
        first.setdefault(window.text_index, window)
    return [first[i] for i in range(len(examples))]


def has_more_windows(model: Model, examples: Sequence[Example]) -> np.ndarray:
    """True for examples too long for one window (their cached first window is not the whole story)."""
    windows = example_windows(model, examples)
    counts = np.bincount([w.text_index for w in windows], minlength=len(examples))
    return counts > 1


@dataclass
class Cached:
    """Frozen-layer output of one example plus what the trained layers and losses need."""

    hidden: torch.Tensor  # [tokens, hidden] float16
    comment_mask: torch.Tensor  # [tokens] long
    toxicity: torch.Tensor  # [attributes] float, NaN = not taught
    stance: int


@torch.inference_mode()
def cache_frozen(
    model: Model, examples: Sequence[Example], n_frozen: int, device: str, batch_size: int, progress: bool, desc: str
) -> list[Cached]:
    windows = first_windows(model, examples)
    net = model.net.eval()  # already on ``device``: moved there outside inference mode, see train()
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    out: list[Cached | None] = [None] * len(windows)
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=desc, unit="batch")
    for batch in batches:
        lengths = [len(windows[i].input_ids) for i in batch]
        width = max(lengths)
        ids = torch.zeros(len(batch), width, dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for row, i in enumerate(batch):
            ids[row, : lengths[row]] = torch.tensor(windows[i].input_ids)
            types[row, : lengths[row]] = torch.tensor(windows[i].token_type_ids)
            mask[row, : lengths[row]] = 1
        ids, types, mask = ids.to(device), types.to(device), mask.to(device)
        hidden = net.run_layers(net.embed(ids, types), mask, 0, n_frozen).half().cpu()
        for row, i in enumerate(batch):
            out[i] = Cached(
                hidden=hidden[row, : lengths[row]].clone(),
                comment_mask=torch.tensor(windows[i].comment_mask),
                toxicity=torch.tensor(examples[i].toxicity, dtype=torch.float32),
                stance=examples[i].stance,
            )
    return out  # type: ignore[return-value]


def collate_cached(items: Sequence[Cached], device: str) -> dict[str, torch.Tensor]:
    width = max(item.hidden.shape[0] for item in items)
    hidden = torch.zeros(len(items), width, items[0].hidden.shape[1])
    mask = torch.zeros(len(items), width, dtype=torch.long)
    comment = torch.zeros_like(mask)
    for row, item in enumerate(items):
        n = item.hidden.shape[0]
        hidden[row, :n] = item.hidden.float()
        mask[row, :n] = 1
        comment[row, :n] = item.comment_mask
    return {
        "hidden": hidden.to(device),
        "attention_mask": mask.to(device),
        "comment_mask": comment.to(device),
        "toxicity": torch.stack([item.toxicity for item in items]).to(device),
        "stance": torch.tensor([item.stance for item in items], dtype=torch.long).to(device),
    }


# --- losses and metrics ------------------------------------------------------------------------


def multitask_loss(
    toxicity_logits: torch.Tensor, stance_logits: torch.Tensor, toxicity: torch.Tensor, stance: torch.Tensor
) -> torch.Tensor:
    """Masked BCE over the toxicity targets that exist + cross-entropy over examples with a stance."""
    known = ~torch.isnan(toxicity)
    loss = toxicity_logits.new_zeros(())
    if known.any():
        loss = loss + nn.functional.binary_cross_entropy_with_logits(toxicity_logits[known], toxicity[known])
    if (stance != IGNORE_STANCE).any():
        loss = loss + nn.functional.cross_entropy(stance_logits, stance, ignore_index=IGNORE_STANCE)
    return loss


# The flat keys below are ``<prefix>_<name in analyzer.evaluation.metrics>``, so that training's
# numbers and an evaluation report's read the same: ``stance_macro_f1`` is ``stance_metrics()["macro_f1"]``,
# ``stance_favor_f1`` its ``per_class["favor"]["f1"]``.


def toxicity_metrics(logits: np.ndarray, targets: np.ndarray, attributes: Sequence[str]) -> dict[str, float]:
    """ROC-AUC per attribute where validation has both classes (positive = target ≥ 0.5)."""
    metrics: dict[str, float] = {}
    for j, attribute in enumerate(attributes):
        known = ~np.isnan(targets[:, j])
        positive = targets[known, j] >= 0.5
        if known.sum() and 0 < positive.sum() < known.sum():
            metrics[f"{attribute}_roc_auc"] = evaluation_metrics.roc_auc(positive, logits[known, j])
            metrics[f"{attribute}_n"] = int(known.sum())
            metrics[f"{attribute}_positives"] = int(positive.sum())
    return metrics


def stance_metrics(logits: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Macro-F1, F_avg and per-class F1 / recall of the argmax class over the examples with a stance
    (a class never predicted has F1 0)."""
    known = labels != IGNORE_STANCE
    if not known.any():
        return {}
    gold = [names[k] for k in labels[known]]
    predicted = [names[k] for k in logits[known].argmax(axis=1)]
    numbers = evaluation_metrics.stance_metrics(gold, predicted, names)
    metrics = {f"stance_{key}": numbers[key] for key in ("macro_f1", "f_avg", "n")}
    for name, scores in numbers["per_class"].items():
        metrics |= {f"stance_{name}_f1": scores["f1"], f"stance_{name}_recall": scores["recall"]}
    return metrics


def selection_score(metrics: dict[str, float]) -> float:
    """What early stopping maximises: mean of toxicity ROC-AUC and stance macro-F1 (those present)."""
    parts = [metrics[k] for k in ("toxicity_roc_auc", "stance_macro_f1") if k in metrics]
    return float(np.mean(parts)) if parts else -math.inf


# --- calibration -------------------------------------------------------------------------------


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature with the lowest validation log-loss (grid over 0.25…4)."""
    tensor, gold = torch.tensor(logits, dtype=torch.float32), torch.tensor(labels)
    grid = np.exp(np.linspace(np.log(0.25), np.log(4.0), 61))
    losses = [nn.functional.cross_entropy(tensor / t, gold).item() for t in grid]
    return float(grid[int(np.argmin(losses))])


def full_logits(
    model: Model, validation: Sequence[Example], first_window: tuple[np.ndarray, np.ndarray], batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Logits as ``Model.predict`` computes them: the cached first-window logits are exact for
    examples that fit one window, so only the longer ones are scored again with all their windows."""
    tox, stance = (array.copy() for array in first_window)
    longer = np.flatnonzero(has_more_windows(model, validation))
    if len(longer):
        chosen = [validation[i] for i in longer]
        tox_long, stance_long = model.logits(
            [e.text for e in chosen], [e.target for e in chosen], contexts=[e.context for e in chosen],
            batch_size=batch_size,
        )
        tox[longer], stance[longer] = tox_long.numpy(), stance_long.numpy()
    return tox, stance


def calibrate(
    model: Model, validation: Sequence[Example], tox: np.ndarray, stance: np.ndarray,
    sources: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Fit calibration + threshold on validation logits (full scoring path); return the metrics (on every
    validation row). ``sources``: only their rows fit the toxicity calibration and threshold (None: all)."""
    if not validation:
        return {}
    targets = np.array([e.toxicity for e in validation], dtype=np.float64)
    labels = np.array([e.stance for e in validation])
    metrics: dict[str, Any] = {**toxicity_metrics(tox, targets, model.attributes)}
    metrics.update(stance_metrics(stance, labels, model.config.stance_labels))
    if sources is not None:
        fitting = np.array([e.source in sources for e in validation])
        targets = np.where(fitting[:, None], targets, np.nan)
        model.config.calibration = {}  # refitted below when the sources label toxicity
    tox_logits = torch.tensor(tox)
    for j, attribute in enumerate(model.attributes):
        known = ~np.isnan(targets[:, j])
        positive = targets[known, j] >= 0.5
        if MIN_PER_CLASS <= positive.sum() <= known.sum() - MIN_PER_CLASS:
            model.config.toxicity_calibration[attribute] = fit_platt(tox[known, j], positive)
            if attribute == "toxicity":  # the report redraws toxic shares through these (analyzer.report.estimates)
                model.config.calibration = {
                    "kind": "training", "attribute": attribute, "sources": sorted(sources) if sources else None,
                    "rows": int(known.sum()),
                    "positives": int(positive.sum()), "params": model.config.toxicity_calibration[attribute],
                    "replicates": platt_replicates(tox[known, j], positive),
                }
    known_stance = labels != IGNORE_STANCE
    if known_stance.sum() >= 10:
        model.config.stance_temperature = fit_temperature(stance[known_stance], labels[known_stance])
    known = ~np.isnan(targets[:, 0])
    if known.any() and 0 < (targets[known, 0] >= 0.5).sum() < known.sum():
        probabilities = model.calibrate_toxicity(tox_logits)[:, 0].numpy()[known]
        threshold, f1 = decision_threshold(probabilities, targets[known, 0] >= 0.5)
        model.config.toxicity_threshold = round(threshold, 4)
        metrics["toxicity_f1_at_threshold"] = f1
    metrics["toxicity_threshold"] = model.config.toxicity_threshold
    metrics["stance_temperature"] = model.config.stance_temperature
    return metrics


# --- the training loop -------------------------------------------------------------------------


@dataclass
class TrainResult:
    model: Model
    history: list[dict[str, Any]] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Shuffled batches of similar lengths (indices arrive sorted by length within chunks)."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(n))
    rng.shuffle(order)
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    rng.shuffle(batches)
    return batches


def length_bucketed(batches: list[list[int]], lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Regroup each run of 50 batches by length so padding stays small; order of runs is kept."""
    regrouped: list[list[int]] = []
    for start in range(0, len(batches), 50):
        pool = sorted((i for b in batches[start : start + 50] for i in b), key=lengths.__getitem__)
        chunk = [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
        random.Random(start).shuffle(chunk)
        regrouped.extend(chunk)
    return regrouped


def trainable_parameters(model: Model, trainable_layers: int) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(top encoder layers' parameters, heads' parameters); everything else is frozen."""
    net = model.net
    for parameter in net.parameters():
        parameter.requires_grad_(False)
    layers = [p for layer in net.encoder.encoder.layer[net.n_layers - trainable_layers :] for p in layer.parameters()]
    heads = [*net.toxicity_head.parameters(), *net.stance_head.parameters()]
    for parameter in [*layers, *heads]:
        parameter.requires_grad_(True)
    return layers, heads


def trained_state(model: Model, n_frozen: int) -> dict[str, torch.Tensor]:
    prefixes = tuple(f"encoder.encoder.layer.{i}." for i in range(n_frozen, model.net.n_layers)) + (
        "toxicity_head.",
        "stance_head.",
    )
    return {k: v.detach().clone().cpu() for k, v in model.net.state_dict().items() if k.startswith(prefixes)}


@torch.no_grad()
def evaluate_cached(
    model: Model, cached: Sequence[Cached], n_frozen: int, device: str, batch_size: int
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Validation metrics (first window of each example, through the cache) and the logits."""
    model.net.eval()
    tox_all, stance_all = [], []
    for start in range(0, len(cached), batch_size):
        batch = collate_cached(cached[start : start + batch_size], device)
        hidden = model.net.run_layers(batch["hidden"], batch["attention_mask"], n_frozen)
        tox, stance = model.net.heads(hidden, batch["attention_mask"], batch["comment_mask"])
        tox_all.append(tox.float().cpu())
        stance_all.append(stance.float().cpu())
    tox = torch.cat(tox_all).numpy()
    stance = torch.cat(stance_all).numpy()
    targets = torch.stack([c.toxicity for c in cached]).numpy()
    labels = np.array([c.stance for c in cached])
    metrics = {**toxicity_metrics(tox, targets, model.attributes)}
    metrics.update(stance_metrics(stance, labels, model.config.stance_labels))
    metrics["score"] = selection_score(metrics)
    return metrics, tox, stance


def train(
    args: TrainingArguments,
    train_examples: Sequence[Example],
    validation_examples: Sequence[Example],
    model: Model | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train, keep the best validation state, calibrate; the caller saves ``result.model``."""
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = resolve_device(args.device)
    # Training changes the torch network's weights: an ONNX graph exported from it before would score the old ones.
    model = (model or initial_model(args)).use_backend("torch")
    model.config.max_length = args.max_length or model.config.max_length
    if args.context_tokens is not None:
        model.config.context_tokens = args.context_tokens
    # Moved before caching: parameters copied to a device inside inference mode become inference
    # tensors, and those can never require grad again.
    model.to(device)
    trainable_layers = min(args.trainable_layers, model.net.n_layers)
    n_frozen = model.net.n_layers - trainable_layers

    started = time.monotonic()
    train_cache = cache_frozen(model, train_examples, n_frozen, device, 64, args.show_progress_bar, "caching train")
    valid_cache = cache_frozen(model, validation_examples, n_frozen, device, 64, args.show_progress_bar, "caching validation")
    log(f"cached {len(train_cache)} train + {len(valid_cache)} validation examples in {time.monotonic() - started:.0f}s")

    layers, heads = trainable_parameters(model, trainable_layers)
    groups = [{"params": heads, "lr": args.head_learning_rate}]
    if layers:
        groups.insert(0, {"params": layers, "lr": args.learning_rate})
    optimizer = torch.optim.AdamW(groups, weight_decay=args.weight_decay)
    steps_per_epoch = max(math.ceil(len(train_cache) / args.batch_size), 1)
    total_steps = args.max_steps or max(int(args.epochs * steps_per_epoch), 1)
    warmup = int(args.warmup_ratio * total_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / max(warmup, 1), max(0.0, (total_steps - s) / max(total_steps - warmup, 1)))
    )

    result = TrainResult(model=model)
    best_score, best_state, stale, step = -math.inf, trained_state(model, n_frozen), 0, 0
    best_step: int | None = None
    resume_dir = args.output_dir / RESUME_DIR
    if args.resume and (resume_dir / "state.pt").is_file():
        step, best_score, stale, best_state = _load_resume(resume_dir, model, optimizer, scheduler)
        log(f"resumed at step {step} (best validation score so far {best_score:.4f})")

    lengths = [c.hidden.shape[0] for c in train_cache]
    progress = None
    if args.show_progress_bar:
        from tqdm.auto import tqdm

        progress = tqdm(total=total_steps, initial=step, desc="training", unit="step")
    deadline = started + args.max_minutes * 60 if args.max_minutes else math.inf

    def evaluate_now() -> bool:
        """Score validation, keep the best state; True when early stopping says stop."""
        nonlocal best_score, best_state, stale, best_step
        if not valid_cache:
            best_state = trained_state(model, n_frozen)
            return False
        metrics, _, _ = evaluate_cached(model, valid_cache, n_frozen, device, 64)
        metrics["step"] = step
        metrics["train_loss"] = float(np.mean(result.losses[-50:])) if result.losses else math.nan
        result.history.append(metrics)
        improved = metrics["score"] > best_score
        if improved:
            best_score, best_state, stale, best_step = metrics["score"], trained_state(model, n_frozen), 0, step
        else:
            stale += 1
        log(f"step {step}: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items() if isinstance(v, float)))
        return stale >= args.early_stopping_patience

    stop = False
    if step == 0 and args.init_from != "base":
        # A trained starting model is the score to beat: a fine-tune on a few hundred rows can end below
        # where it began, and then the user should get the starting weights back, not the best of worse ones.
        stop = evaluate_now()
    while step < total_steps and not stop:
        epoch, offset = divmod(step, steps_per_epoch)
        batches = length_bucketed(epoch_batches(len(train_cache), args.batch_size, args.seed, epoch), lengths, args.batch_size)
        for batch_indices in batches[offset:]:
            model.net.train()
            batch = collate_cached([train_cache[i] for i in batch_indices], device)
            hidden = model.net.run_layers(batch["hidden"], batch["attention_mask"], n_frozen)
            tox, stance = model.net.heads(hidden, batch["attention_mask"], batch["comment_mask"])
            loss = multitask_loss(tox, stance, batch["toxicity"], batch["stance"])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*layers, *heads], 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            result.losses.append(loss.item())
            if progress is not None:
                progress.update(1)
                progress.set_postfix(loss=f"{np.mean(result.losses[-20:]):.4f}")
            end_of_epoch = step % steps_per_epoch == 0
            if step % args.eval_every == 0 or end_of_epoch or step >= total_steps:
                stop = evaluate_now()
            if step % args.checkpoint_every == 0:
                _save_resume(resume_dir, step, best_score, stale, best_state, model, optimizer, scheduler)
            if time.monotonic() > deadline:
                log(f"time limit of {args.max_minutes} min reached at step {step}")
                if step % args.eval_every and not end_of_epoch:
                    evaluate_now()
                stop = True
            if stop or step >= total_steps:
                break
    if progress is not None:
        progress.close()
    if best_step == 0:
        log(f"no training step beat the starting model on validation (score {best_score:.4f}): keeping its weights")

    model.net.load_state_dict(best_state, strict=False)
    for parameter in model.net.parameters():
        parameter.requires_grad_(False)
    model.net.eval()
    if valid_cache:
        _, tox, stance = evaluate_cached(model, valid_cache, n_frozen, device, 64)
        tox, stance = full_logits(model, validation_examples, (tox, stance), batch_size=64)
        result.validation = calibrate(model, validation_examples, tox, stance, args.calibration_sources)
    result.validation["best_cached_score"] = best_score
    result.validation["steps"] = step
    return result


def _save_resume(directory: Path, step, best_score, stale, best_state, model, optimizer, scheduler) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    save_file(trained_state(model, 0), str(directory / "current.safetensors"))
    save_file({k: v.contiguous() for k, v in best_state.items()}, str(directory / "best.safetensors"))
    torch.save(
        {"step": step, "best_score": best_score, "stale": stale, "optimizer": optimizer.state_dict(),
         "scheduler": scheduler.state_dict()},
        directory / "state.pt",
    )


def _load_resume(directory: Path, model, optimizer, scheduler):
    model.net.load_state_dict(load_file(str(directory / "current.safetensors")), strict=False)
    state = torch.load(directory / "state.pt", weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    best_state = load_file(str(directory / "best.safetensors"))
    return state["step"], state["best_score"], state["stale"], best_state


def write_outputs(result: TrainResult, args: TrainingArguments, card: str, extra_metrics: dict | None = None) -> None:
    """Save the checkpoint (weights, config, model card) and ``metrics.json`` into ``args.output_dir``."""
    model = result.model
    model.config.name, model.config.version = args.model_name, args.model_version
    metrics = {
        "validation": result.validation,
        "history": result.history,
        "arguments": args.to_dict(),
        **(extra_metrics or {}),
    }
    model.config.training = {"validation": result.validation, **args.notes}
    model.save(args.output_dir, card=card)
    (args.output_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2, default=str) + "\n", encoding="utf-8")
