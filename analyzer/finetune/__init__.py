"""Fine-tune a checkpoint on the user's labeled files: what ``python -m analyzer train`` runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analyzer.finetune.arguments import TrainingArguments
from analyzer.finetune.data import Columns, DataError, check_enough, class_counts, load_examples, train_validation
from analyzer.finetune.trainer import initial_model, train, write_outputs


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
    examples = [e for path in data_files for e in load_examples(Path(path), args.task, columns, model.attributes, target)]
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
    card = (
        f"# {args.model_name} {args.model_version}\n\nFine-tuned for {args.task} from "
        f"{args.init_from or 'the shipped default model'} on: {sources}.\n"
        f"Data licenses: see the sources; the base checkpoint's card lists its own.\n\n"
        f"Validation: {len(validation_set)} examples; metrics in metrics.json.\n"
    )
    write_outputs(result, args, card)
    return result.validation
