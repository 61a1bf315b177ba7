"""The labeled example every training source is turned into, and its validation split."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from training.splits import is_validation

IGNORE_STANCE = -100  # the stance label of an example that only teaches toxicity


@dataclass(frozen=True)
class Example:
    """One training text. ``toxicity`` holds one target in [0, 1] per model attribute, NaN where the
    source says nothing; ``stance`` is an index into the model's stance labels or IGNORE_STANCE."""

    text: str
    target: str | None
    toxicity: tuple[float, ...]
    stance: int
    group: str
    source: str

    @property
    def has_toxicity(self) -> bool:
        return any(not math.isnan(v) for v in self.toxicity)


def toxicity_vector(attributes: Sequence[str], **values: float) -> tuple[float, ...]:
    """Attribute targets in model order; attributes not given are NaN (not taught)."""
    unknown = set(values) - set(attributes)
    if unknown:
        raise ValueError(f"unknown toxicity attribute(s) {sorted(unknown)}; the model has {list(attributes)}")
    return tuple(float(values[a]) if a in values and values[a] is not None else math.nan for a in attributes)


def no_toxicity(attributes: Sequence[str]) -> tuple[float, ...]:
    return (math.nan,) * len(attributes)


def split_by_group(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, validation) by the project's fixed group split (``training.splits``)."""
    train = [e for e in examples if not is_validation(e.group)]
    validation = [e for e in examples if is_validation(e.group)]
    return train, validation
