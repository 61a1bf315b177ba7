"""What ``python -m analyzer train`` runs: fine-tune a checkpoint on labeled rows.

``arguments`` (the one dataclass of knobs, and the file's columns), ``data`` (labeled files →
examples), ``trainer`` (the loop, calibration, outputs), ``card`` (the generated model card) and
``from_files`` (the whole job for a user's files). Names that need torch load on first use, so the
CLI can read the defaults without it.
"""

from __future__ import annotations

import importlib
from typing import Any

from analyzer.finetune.arguments import Columns, TrainingArguments

_LAZY = {"finetune": "analyzer.finetune.from_files", "DataError": "analyzer.finetune.data"}

__all__ = ["Columns", "DataError", "TrainingArguments", "finetune"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'analyzer.finetune' has no attribute {name!r}")
