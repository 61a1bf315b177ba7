"""``eval.heldout``: the rows the recipe did not train on, and how they are scored and reported."""

from __future__ import annotations

import math
import tomllib

import numpy as np
from sklearn.metrics import roc_auc_score

from analyzer.evaluation.baselines import ToxicityBaseline
from analyzer.finetune.examples import IGNORE_STANCE, Example, toxicity_vector
from analyzer.model import TOXICITY_ATTRIBUTES, build_tiny_model
from eval.heldout import RECIPE, render_markdown, score_source, unused_rows
from training.recipe import PROJECT_ROOT, toxicity_draws


def _example(text: str, **values: float) -> Example:
    return Example(text, None, toxicity_vector(TOXICITY_ATTRIBUTES, **values), IGNORE_STANCE, text, "invented")


def test_unused_rows_never_hold_a_text_drawn_for_training(shared):
    spec = tomllib.loads((PROJECT_ROOT / RECIPE).read_text())["data"]
    unused = unused_rows(PROJECT_ROOT / RECIPE, 300, seed=0)
    draws = toxicity_draws(spec, (PROJECT_ROOT / spec["shared"]).resolve())
    assert set(unused) == set(draws) and "c3" not in unused
    for name, rows in unused.items():
        trained = {e.text for e in draws[name][1]}
        assert 0 < len(rows) <= 300 and not trained & {e.text for e in rows}, name


def test_scores_each_labelled_attribute_and_reports_one_class_as_na(one_torch_thread):
    model = build_tiny_model(seed=3)
    rows = [_example(f"text {i}", toxicity=float(i % 3 == 0), identity_attack=0.0) for i in range(30)]
    rows += [_example(f"plain {i}", toxicity=0.0) for i in range(10)]
    # A stand-in baseline that ranks by the label itself: its AUC must come out as 1.
    toxic_texts = {e.text for e in rows if e.toxicity[0] == 1.0}
    oracle = ToxicityBaseline("oracle", "the label", lambda texts: np.array([t in toxic_texts for t in texts], float))
    result = score_source(model, rows, batch_size=8, resamples=20, seed=0, baseline=oracle)
    assert result["rows"] == 40
    assert result["toxicity"]["rows"] == 40 and result["toxicity"]["positives"] == 10
    # identity_attack: labelled on 30 rows only, none positive, so its AUC is undefined, not 0.5.
    assert result["identity_attack"]["rows"] == 30 and result["identity_attack"]["positives"] == 0
    assert math.isnan(result["identity_attack"]["roc_auc"]["estimate"])
    assert 0.0 <= result["toxicity"]["roc_auc"]["estimate"] <= 1.0
    assert result["baseline_toxicity"]["roc_auc"]["estimate"] == 1.0
    # Flagging at the model's threshold: macro-F1 of both classes, and a best threshold that is at least as good.
    flagging = result["toxicity_flagging"]
    scores = np.array([p.toxicity["toxicity"] for p in model.predict([e.text for e in rows])])
    labels = np.array([e.toxicity[0] for e in rows]) >= 0.5
    flagged = scores >= model.toxicity_threshold
    assert flagging["flagged"] == flagged.sum() and flagging["threshold"] == model.toxicity_threshold
    f1s = [2 * ((flagged == c) & (labels == c)).sum() / ((flagged == c).sum() + (labels == c).sum()) for c in (0, 1)]
    assert math.isclose(flagging["macro_f1"]["estimate"], np.mean(f1s))
    assert flagging["best_macro_f1"] >= flagging["macro_f1"]["estimate"] - 1e-9
    # A source without identity labels has no entry for them.
    assert score_source(model, rows[30:], batch_size=8, resamples=5, seed=0)["identity_attack"] is None
    text = render_markdown({"model": "tiny", "recipe": "r.toml", "rows_per_source": 40, "seed": 0, "resamples": 20,
                            "baseline": "oracle", "baseline_description": "the label", "sources": {"olid": result}},
                           "python -m eval.heldout")
    assert "| olid |" in text and "n/a (0 of 30 positive)" in text and "1.000 [1.000, 1.000] (10 of 40 positive)" in text
    assert f"({flagging['flagged']} flagged); best" in text



def test_a_compared_model_gets_paired_differences_on_the_same_rows(one_torch_thread):
    model, other = build_tiny_model(seed=3), build_tiny_model(seed=4)
    rows = [_example(f"text {i} " + "word " * (i % 5), toxicity=float(i % 3 == 0)) for i in range(45)]
    result = score_source(model, rows, batch_size=8, resamples=50, seed=0, compared=other)
    texts = [e.text for e in rows]
    labels = np.array([e.toxicity[0] for e in rows]) >= 0.5
    auc = {name: roc_auc_score(labels, [p.toxicity["toxicity"] for p in m.predict(texts)])
           for name, m in (("model", model), ("other", other))}
    difference = result["paired"]["toxicity"]
    assert math.isclose(difference["estimate"], auc["model"] - auc["other"])
    assert difference["low"] <= difference["estimate"] <= difference["high"]
    # against itself every resample differs by exactly 0: the interval is [0, 0], "within noise"
    same = score_source(model, rows, batch_size=8, resamples=20, seed=0, compared=model)["paired"]["toxicity"]
    assert (same["estimate"], same["low"], same["high"]) == (0.0, 0.0, 0.0)
    assert "insult" not in result["paired"]  # no insult labels on these rows: nothing to compare
    text = render_markdown({"model": "tiny", "compared": "tiny 4 (other)", "recipe": "r.toml", "rows_per_source": 45,
                            "seed": 0, "resamples": 50, "baseline": "b", "baseline_description": "d",
                            "sources": {"olid": result, "davidson": {**result, "paired": {"toxicity": same}}}},
                           "python -m eval.heldout --compare other")
    assert "Paired against **tiny 4 (other)**" in text
    assert f"| olid | {difference['estimate']:+.3f} [" in text and "| davidson | +0.000 [+0.000, +0.000] (within noise)" in text
