"""The shared split: stable across processes, about uniform, whole groups at a time."""

from __future__ import annotations

import os
import subprocess
import sys

from analyzer.splits import is_validation, stable_bucket


def test_buckets_do_not_depend_on_the_process_hash_seed() -> None:
    keys = [f"article-{i}" for i in range(50)]
    code = f"from analyzer.splits import stable_bucket; print([stable_bucket(k, 7) for k in {keys!r}])"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert runs == {str([stable_bucket(k, 7) for k in keys]) + "\n"}


def test_buckets_are_about_uniform_and_validation_is_bucket_zero() -> None:
    keys = range(10_000)
    shares = [sum(stable_bucket(k, 5) == b for k in keys) / 10_000 for b in range(5)]
    assert all(0.18 < share < 0.22 for share in shares)
    assert all(is_validation(str(k)) == (stable_bucket(k, 5) == 0) for k in keys)
