"""Labeled files (CSV, JSONL, Parquet) → ``Example``s, with errors that name the file and column.

Labels. ``--task toxicity``: 0/1, true/false, toxic/not_toxic, or a probability in [0, 1] (taught
to the ``toxicity`` attribute). ``--task stance``: favor/against/none (also pro/con/neutral).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analyzer._labels import STANCE_ALIASES, STANCE_LABELS, TOXIC_WORDS
from analyzer.targets import own_words
from analyzer.finetune.arguments import Columns
from analyzer.finetune.examples import IGNORE_STANCE, Example, no_toxicity, toxicity_vector
from analyzer.splits import is_validation

#: Fewer training examples than this in any class is refused: the model could not learn the class.
MIN_PER_CLASS = 2


class DataError(Exception):
    """Bad training data; the message names the file and the column or row."""


def read_table(path: Path) -> pd.DataFrame:
    """A CSV / JSONL / Parquet file read through ``datasets`` from the local file only."""
    import datasets

    builder = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json", ".parquet": "parquet"}.get(
        path.suffix.lower()
    )
    if builder is None:
        raise DataError(f"{path}: unknown file type {path.suffix!r}; use .csv, .tsv, .jsonl, .json or .parquet")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    options = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
    try:
        datasets.disable_progress_bars()
        table = datasets.load_dataset(builder, data_files=str(path), split="train", **options).to_pandas()
    except Exception as error:  # datasets wraps parser errors in several types
        raise DataError(f"{path}: cannot read as {builder} ({error})") from error
    if table.empty:
        raise DataError(f"{path}: the file has no rows")
    return table


def _toxicity_label(value: object, path: Path, column: str, row: int) -> float:
    text = str(value).strip().lower()
    if text in TOXIC_WORDS:
        return float(TOXIC_WORDS[text])
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not 0.0 <= number <= 1.0:
        raise DataError(f"{path}: row {row}, column {column!r}: unknown toxicity label {value!r} "
                        f"(use 0/1, true/false, toxic/not_toxic or a probability)")
    return number


def _stance_label(value: object, path: Path, column: str, row: int) -> int:
    name = STANCE_ALIASES.get(str(value).strip().lower())
    if name is None:
        raise DataError(f"{path}: row {row}, column {column!r}: unknown stance label {value!r} "
                        f"(use {', '.join(STANCE_LABELS)})")
    return STANCE_LABELS.index(name)


def load_examples(path: Path, task: str, columns: Columns, attributes: Sequence[str],
                  default_target: str | None = None) -> list[Example]:
    """Rows of one file as Examples; rows are numbered from 1 (header excluded) in errors."""
    table = read_table(path)
    needed = [columns.text, columns.label] + [c for c in (columns.target, columns.group) if c]
    for column in needed:
        if column not in table.columns:
            raise DataError(f"{path}: no column {column!r}; the columns are {list(table.columns)}")
    if task == "stance" and not columns.target and not default_target:
        raise DataError(f"{path}: stance training needs a target: give --target-column (or --target)")
    examples = []
    for row, record in enumerate(table.to_dict("records"), start=1):
        text = record[columns.text]
        if text is None or (isinstance(text, float) and math.isnan(text)):
            raise DataError(f"{path}: row {row}, column {columns.text!r}: the text is empty")
        target = str(record[columns.target]) if columns.target else default_target
        group = str(record[columns.group]) if columns.group else (target if task == "stance" and target else str(text))
        if task == "toxicity":
            toxicity = toxicity_vector(attributes, toxicity=_toxicity_label(record[columns.label], path, columns.label, row))
            stance = IGNORE_STANCE
        else:
            toxicity, stance = no_toxicity(attributes), _stance_label(record[columns.label], path, columns.label, row)
        # trained on what ``score`` reads of a comment: its own words, not the lines it quotes
        examples.append(Example(own_words(str(text))[0], target, toxicity, stance, group, path.name))
    return examples


def class_counts(examples: Sequence[Example], task: str) -> Counter:
    if task == "toxicity":
        return Counter("toxic" if e.toxicity[0] >= 0.5 else "not toxic" for e in examples)
    return Counter(STANCE_LABELS[e.stance] for e in examples)


def check_enough(examples: Sequence[Example], task: str, source: str) -> None:
    """Refuse data that cannot teach every class (names the classes that are short)."""
    counts = class_counts(examples, task)
    classes = ("toxic", "not toxic") if task == "toxicity" else STANCE_LABELS
    short = {c: counts.get(c, 0) for c in classes if counts.get(c, 0) < MIN_PER_CLASS}
    if short:
        raise DataError(f"{source}: too few training examples per class {short} (need at least {MIN_PER_CLASS} "
                        f"each; counts {dict(counts)})")


def train_validation(examples: Sequence[Example], validation: Sequence[Example] | None) -> tuple[list, list]:
    """Given validation data, all examples train; otherwise the fixed group split decides."""
    if validation is not None:
        return list(examples), list(validation)
    train = [e for e in examples if not is_validation(e.group)]
    held_out = [e for e in examples if is_validation(e.group)]
    return train, held_out
