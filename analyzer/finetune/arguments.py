"""All the knobs of one training run, in one documented dataclass (shared by the CLI and the recipe)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TASKS = ("toxicity", "stance", "both")


@dataclass(frozen=True)
class Columns:
    """Which columns of a user's labeled file hold what (``analyzer train --text-column`` …)."""

    text: str = "text"
    label: str = "label"
    target: str | None = None
    group: str | None = None


@dataclass
class TrainingArguments:
    """How to fine-tune a checkpoint.

    Speed on CPU comes from freezing: the word embeddings and the lower encoder layers never change,
    so their output is computed once per example (inference only) and cached; only the top
    ``trainable_layers`` layers and the two heads are trained, for as many epochs as wanted.
    """

    output_dir: Path
    #: "toxicity", "stance" or "both" (the recipe's multi-task batches).
    task: str = "both"
    #: Checkpoint folder to start from; None = the shipped model; "base" = the bare base encoder.
    init_from: str | None = None
    #: Encoder layers (counted from the top) that are trained; the rest are frozen and cached.
    trainable_layers: int = 2
    #: Tokens per example (target + comment); longer comments keep their first window in training.
    #: None: the starting checkpoint's (the shipped model's 256; the bare base encoder gets 128), so a
    #: fine-tune scores with the windows its starting model was trained on.
    max_length: int | None = None
    #: Toxicity attributes the trained model scores; None: the starting checkpoint's. Those it lacks get
    #: new outputs (``analyzer.finetune.trainer.with_attributes``); examples' vectors follow this order.
    attributes: tuple[str, ...] | None = None
    #: Sources (``Example.source``) whose validation rows fit the toxicity calibration and threshold; None: every
    #: validation row. A class-balanced set would pull the probabilities toward its own base rate.
    calibration_sources: tuple[str, ...] | None = None
    #: Tokens of context (article title, parent's opening) the model reads after the comment; None: the
    #: starting checkpoint's (0 for the bare base encoder). Examples without a context train without one.
    context_tokens: int | None = None
    epochs: float = 3.0
    #: Stop after this many optimizer steps (None: run ``epochs``).
    max_steps: int | None = None
    #: Stop (keeping the best state so far) this many minutes after the run started (caching included).
    max_minutes: float | None = None
    batch_size: int = 32
    #: Learning rate of the trained encoder layers; the heads use ``head_learning_rate``.
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    #: Evaluate on validation (and keep the best state) every this many steps, and at each epoch end.
    eval_every: int = 200
    #: Stop when this many evaluations in a row did not improve the validation score.
    early_stopping_patience: int = 4
    #: Write ``output_dir/resume/`` (trained weights, optimizer, step) every this many steps.
    checkpoint_every: int = 200
    #: Continue from ``output_dir/resume/`` instead of starting over.
    resume: bool = False
    seed: int = 0
    #: None: "cuda" when available, else "cpu".
    device: str | None = None
    show_progress_bar: bool = True
    #: Version string written into the checkpoint.
    model_name: str = "custom"
    model_version: str = "0.1.0"
    #: Extra facts for the model card and metrics JSON (data files, licenses).
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.output_dir = Path(self.output_dir)
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.trainable_layers < 0:
            raise ValueError("trainable_layers must be ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}
