"""The speed benchmark's measuring step, on the tiny model (numbers are not checked, only that they exist)."""

from __future__ import annotations

from eval.bench_speed import measure, write_dump


def test_measure_reports_rates_and_cpu_time(tmp_path):
    dump = tmp_path / "dump.jsonl"
    write_dump(dump, 24, seed=1)
    result = measure("tiny", dump, threads=1, batch_size=8, model_dir=None)
    assert result["pipeline"] == "tiny" and result["comments"] == 24
    assert result["seconds"] > 0 and result["cpu_seconds"] > 0
    assert result["comments_per_s"] > 0 and result["comments_per_cpu_s"] > 0


def test_profanity_check_runs_through_the_score_stage(tmp_path):
    # It stands in for a Model in `score`: whatever `score` asks of a model, it must answer.
    import pytest

    pytest.importorskip("profanity_check")
    dump = tmp_path / "dump.jsonl"
    write_dump(dump, 12, seed=2)
    result = measure("profanity-check", dump, threads=1, batch_size=8, model_dir=None)
    assert result["comments"] == 12 and result["comments_per_s"] > 0
