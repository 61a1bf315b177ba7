"""The labeled example every training source (public corpus or user file) is turned into."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


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
    #: What the text answers (an article title, a parent's opening), for checkpoints that read context.
    context: str | None = None


def toxicity_vector(attributes: Sequence[str], **values: float) -> tuple[float, ...]:
    """Attribute targets in model order; attributes not given are NaN (not taught)."""
    unknown = set(values) - set(attributes)
    if unknown:
        raise ValueError(f"unknown toxicity attribute(s) {sorted(unknown)}; the model has {list(attributes)}")
    return tuple(float(values[a]) if a in values and values[a] is not None else math.nan for a in attributes)


def no_toxicity(attributes: Sequence[str]) -> tuple[float, ...]:
    return (math.nan,) * len(attributes)

