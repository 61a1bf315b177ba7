"""eval.stance_sets: every set scored by the model and the compared checkpoints on the same rows."""

from __future__ import annotations

import json


from analyzer.config import EvalOptions
from analyzer.finetune.examples import Example, no_toxicity
from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES, build_tiny_model
from eval import stance_sets


def invented(n: int, with_context: bool) -> list[Example]:
    return [
        Example(f"comment number {i} on the plan", "the plan", no_toxicity(TOXICITY_ATTRIBUTES), i % 3, f"thread{i % 4}",
                "invented", context="Council approves the plan" if with_context else None)
        for i in range(n)
    ]


def test_each_set_gets_intervals_and_the_paired_difference(monkeypatch, tmp_path):
    monkeypatch.setattr(stance_sets, "SETS", {
        "titled": ("invented threads with titles", lambda data: invented(30, True), True),
        "bare": ("the same without", lambda data: invented(30, True), False),
        "empty": ("a source that is absent", lambda data: [], False),
    })
    logged: list[str] = []
    model, other = build_tiny_model(seed=1, context_tokens=16), build_tiny_model(seed=2)
    results = stance_sets.measure(model, [other], tmp_path, EvalOptions(bootstrap_resamples=30), logged.append)

    assert list(results) == ["titled", "bare"] and any("empty" in line for line in logged)
    titled, bare = results["titled"], results["bare"]
    assert titled.data.contexts == ["Council approves the plan"] * 30 and bare.data.contexts is None
    assert titled.data.labels[:3] == list(STANCE_LABELS)
    interval = titled.intervals["macro_f1"]
    assert interval.low <= interval.estimate <= interval.high
    (compared,) = titled.baselines
    # both tiny models are "tiny 0.0.0": the compared one's label says it is the other
    assert compared.name == "tiny 0.0.0 #2" and compared.model_minus_baseline.resamples == 30

    markdown = stance_sets.render_markdown(results, "python -m eval.stance_sets")
    assert "| titled (invented threads with titles) | 30 |" in markdown
    assert "Predicted share of \"none\"" in markdown
    saved = json.loads(json.dumps(stance_sets.to_json(results)))
    assert saved["bare"]["rows"] == 30 and "tiny 0.0.0 #2" in saved["bare"]["compared"]


def test_without_shared_data_it_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(stance_sets, "SHARED", tmp_path / "nowhere")
    assert stance_sets.main([]) == 1
    assert "absent" in capsys.readouterr().err
