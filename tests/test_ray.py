"""The Ray engine (`score` / `run --engine ray`): on a small local Ray cluster and the tiny model, the
same rows, in the same order, with the same scores as a local run, for one and two actors; a resumed
run scores only the parts an interrupted one did not finish. Without Ray, a clear message.

Ray is an optional extra: the cluster tests skip when it is not installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analyzer.model
import analyzer.scoring
from analyzer._ray import INSTALL_HINT, _finished, _write_result
from analyzer.cli import main
from analyzer.config import ScoreOptions
from analyzer.model import build_tiny_model
from analyzer.records import Article, Comment, ray_parts_path_for, scores_sidecars
from analyzer.scoring import Pending, score, score_columns

#: 23 comments in chunks of 5: five parts, the last one shorter.
CHUNK = 5
SCORES = ["toxicity", "severe_toxicity", "insult", "inflammatory", "identity_attack",
          "stance_favor", "stance_against", "stance_none"]


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def model():
    """The CPU default backend (int8 in ONNX Runtime) on a tiny model that reads context."""
    return build_tiny_model(seed=11, context_tokens=16).use_backend("onnx-int8", threads=1)


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """Three threads with replies, an empty comment (a blank row) and lengths from one word to a few hundred."""
    words = "the council plan for bike lanes will cost the shops on main street a fortune idiots".split()
    articles = []
    for a, count in enumerate((9, 8, 6)):
        comments = [
            Comment(id=f"a{a}c{i}", text=" ".join(words[: 1 + (7 * i + 3 * a) % len(words)] * (1 + 20 * (i == 4))),
                    position=i, parent_id=f"a{a}c{i - 1}" if i % 3 else None)
            for i in range(count)
        ]
        articles.append(Article(id=f"a{a}", source_file="invented", format="plaintext",
                                title=f"Council votes on bike lanes, part {a}", comments=comments))
    articles[1].comments[2].text = ""
    path = tmp_path / "split.jsonl"
    path.write_text("".join(json.dumps(a.to_dict()) + "\n" for a in articles), encoding="utf-8")
    return path


def _score(dump: Path, out: Path, model, resume: bool = False, **options) -> analyzer.scoring.ScoreSummary:
    return score([dump], out, model=model, options=ScoreOptions(chunk_size=CHUNK, **options), resume=resume)


def _assert_same_table(ray_table: Path, local_table: Path) -> None:
    ray, local = pd.read_csv(ray_table), pd.read_csv(local_table)
    assert list(ray.columns) == list(local.columns)
    assert list(ray["comment_id"]) == list(local["comment_id"])  # the same rows in the same order
    pd.testing.assert_frame_equal(ray.drop(columns=SCORES), local.drop(columns=SCORES))
    assert np.allclose(ray[SCORES], local[SCORES], atol=1e-5, rtol=0, equal_nan=True)


def test_two_actors_through_the_cli_give_the_local_table(cluster, model, dump, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(analyzer.model, "load_model", lambda *args, **kwargs: model)
    local, ray = tmp_path / "local.csv", tmp_path / "ray.csv"
    _score(dump, local, model)
    code = main(["score", str(dump), "-o", str(ray), "--chunk-size", str(CHUNK), "--no-progress",
                 "--engine", "ray", "--concurrency", "2"])

    assert code == 0, capsys.readouterr().err
    _assert_same_table(ray, local)
    meta = json.loads(scores_sidecars(ray)[1].read_text())
    assert meta["engine"] == {"name": "ray", "workers": 2, "gpus_per_worker": 0.0, "cpus_per_worker": 1}
    assert meta["model"]["backend"] == "onnx-int8" and meta["counts"]["unscored"] == 1
    assert meta["model"]["float_recheck"] == {"stance_margin": 0.04, "toxicity_logit_band": 0.05}
    assert not ray_parts_path_for(ray).exists()  # the parts go when the tables are written


def test_a_resumed_one_actor_run_scores_only_the_unfinished_part(cluster, model, dump, tmp_path, monkeypatch):
    local, ray = tmp_path / "local.csv", tmp_path / "ray.csv"
    _score(dump, local, model)

    def killed(*args, **kwargs):
        raise RuntimeError("killed after scoring, before the tables")

    monkeypatch.setattr(analyzer.scoring, "write_table", killed)
    with pytest.raises(RuntimeError, match="killed"):
        _score(dump, ray, model, engine="ray", concurrency=1)
    monkeypatch.undo()
    results = sorted(ray_parts_path_for(ray).glob("result-*.parquet"))
    ids = list(pd.read_csv(local)["comment_id"])
    # one result part per chunk of the local run, holding exactly that chunk's comments in its order
    assert [list(pd.read_parquet(path)["comment_id"]) for path in results] == [
        ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)
    ]
    results[2].unlink()  # as if killed while the third part was scored; it holds the empty comment

    summary = _score(dump, ray, model, engine="ray", concurrency=1, resume=True)
    assert (summary.scored_now, summary.resumed, summary.unscored) == (4, 18, 1)
    _assert_same_table(ray, local)


def test_a_result_part_is_kept_only_for_the_same_header_and_comments(tmp_path):
    header = {"model": "tiny", "backend": "onnx-int8"}
    chunk = [Pending({"article_id": "a", "comment_id": str(i)}, "text", None, None) for i in range(3)]
    rows = [{**p.row, "toxicity": 0.5} for p in chunk]
    path = tmp_path / "result-000000.parquet"
    _write_result(path, rows, score_columns(["toxicity"]), header)

    assert _finished(path, header, chunk)
    assert not _finished(path, {**header, "backend": "torch"}, chunk)  # another backend
    assert not _finished(path, header, chunk[:2])  # other comments (a changed input)
    path.write_bytes(path.read_bytes()[:40])  # a damaged file
    assert not _finished(path, header, chunk)
    assert not _finished(tmp_path / "missing.parquet", header, chunk)


def test_without_ray_the_engine_says_how_to_install_it(dump, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    monkeypatch.setattr(analyzer.model, "load_model", lambda *args, **kwargs: build_tiny_model())
    out = tmp_path / "scores.csv"

    code = main(["score", str(dump), "-o", str(out), "--engine", "ray", "--no-progress"])
    assert code == 1 and INSTALL_HINT in capsys.readouterr().err
    assert not out.exists() and not ray_parts_path_for(out).exists()
    with pytest.raises(analyzer.scoring.ScoreError, match="comment-analyzer\\[ray\\]"):
        _score(dump, out, build_tiny_model(), engine="ray")


def test_an_actor_rebuilds_the_drivers_int8_recheck_and_token_cut():
    # An actor's model must score as the driver's does: int8 alone stays alone, other bands travel, and it
    # reads as much of each comment as the driver (--max-tokens).
    from analyzer._ray import _ModelRecipe
    from analyzer.config import FloatRecheck

    for bands, cut in ((None, None), (FloatRecheck(stance_margin=0.1, toxicity_logit_band=0.2), 32)):
        driver = build_tiny_model(seed=11).use_backend("onnx-int8", threads=1, float_recheck=bands).read_at_most(cut)
        actor = _ModelRecipe.of(driver, "onnx-int8", "cpu", 1).build()
        assert actor.float_recheck == bands and actor.max_tokens == cut
