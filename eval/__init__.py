"""Evaluation on labeled data, baselines, benchmarks and the CI evaluation gate (see eval/gate.py)."""
