"""Fine-tune a checkpoint on the user's labeled files: what ``python -m analyzer train`` runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analyzer.finetune.arguments import Columns, TrainingArguments
from analyzer.finetune.card import render_card
from analyzer.finetune.data import DataError, check_enough, class_counts, load_examples, train_validation
from analyzer.finetune.trainer import initial_model, train, write_outputs

#: What the card says of the license of a user's training file: the user knows it, the project does not.
USER_LICENSE = "license: as provided by the user"


def finetune(
    args: TrainingArguments,
    data_files: Sequence[Path],
    columns: Columns,
    validation_file: Path | None = None,
    target: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Load and check the data, train, save to ``args.output_dir``; returns the validation metrics."""
    if args.task not in ("toxicity", "stance"):
        raise DataError(f"train one task at a time from files: toxicity or stance, not {args.task!r}")
    model = initial_model(args)
    start = None if args.init_from == "base" else f"{model.config.name} {model.config.version}"
    loaded = [(str(p), load_examples(Path(p), args.task, columns, model.attributes, target)) for p in data_files]
    examples = [e for _, rows in loaded for e in rows]
    validation = (
        load_examples(Path(validation_file), args.task, columns, model.attributes, target) if validation_file else None
    )
    train_set, validation_set = train_validation(examples, validation)
    sources = ", ".join(str(p) for p in data_files)
    check_enough(train_set, args.task, sources)
    log(f"{len(train_set)} training examples {dict(class_counts(train_set, args.task))}, "
        f"{len(validation_set)} validation examples")
    args.notes.setdefault("data", [str(p) for p in data_files])
    result = train(args, train_set, validation_set, model=model, log=log)
    config = result.model.config
    config.name, config.version = args.model_name, args.model_version
    counts: Counter[str] = Counter()
    for name, rows in loaded:
        counts[name] += len(rows)
    held_out = (f"the file `{validation_file}`" if validation_file else
                "the rows of the files above whose group falls in the fixed validation split (`analyzer.splits`)")
    card = render_card(
        config, result.validation, dict.fromkeys(counts, USER_LICENSE), trainable_layers=args.trainable_layers,
        start=start, counts=counts,
        notes={"validation": f"Measured at the end of training (`comment-analyzer train --task {args.task}`) on "
                             f"{len(validation_set)} validation examples from {held_out}."},
    )
    write_outputs(result, args, card)
    return result.validation
