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


def test_gate_check_changes_measure_each_backend_as_the_gate_does(monkeypatch):
    # Each backend's model goes into the gate's own measure; a check whose data is absent, or that does not
    # apply to this model, is named with its reason, not dropped.
    from eval import bench_speed, gate

    measured = gate.Check("measured", "a check with data", (), "slice", lambda context: context.model["value"])
    absent = gate.Check("absent", "a check without data", (gate.DataFile("project", "no/such/file.csv"),), "slice",
                        lambda context: 1.0)

    def trained_on(context):
        raise gate.NotApplicable("the model's training drew from davidson")

    refused = gate.Check("refused", "an outlet the model trained on", (), "slice", trained_on)
    monkeypatch.setattr(gate, "model_checks", lambda: [measured, absent, refused])
    changes = bench_speed.gate_check_changes({"torch": {"value": 0.75}, "onnx-int8": {"value": 0.7431}})
    assert changes["measured"] == {"description": "a check with data", "float": 0.75, "int8": 0.7431, "change": -0.0069}
    # int8 without its float recheck, where measured, beside the int8 the model runs
    changes = bench_speed.gate_check_changes({"torch": {"value": 0.75}, "onnx-int8": {"value": 0.7495},
                                              bench_speed.INT8_ALONE: {"value": 0.7431}})
    assert changes["measured"] == {"description": "a check with data", "float": 0.75, "int8": 0.7495, "change": -0.0005,
                                   "int8_alone": 0.7431, "change_alone": -0.0069}
    assert changes["absent"] == {"description": "a check without data", "skipped": "data absent"}
    assert changes["refused"] == {"description": "an outlet the model trained on",
                                  "skipped": "the model's training drew from davidson"}


def test_a_pipeline_reports_its_median_run_and_the_range_and_a_failure_is_not_hidden():
    from eval.bench_speed import median_run

    runs = [{"pipeline": "p", "seconds": s, "comments_per_s": round(300 / s, 1)} for s in (3.3, 2.6, 2.9)]
    median = median_run(runs)
    assert median["seconds"] == 2.9 and median["comments_per_s_range"] == [90.9, 115.4]
    assert median_run(runs[:2])["seconds"] == 2.6  # an even count takes the faster of the middle two
    assert median_run([*runs, {"pipeline": "p", "error": "killed"}]) == {"pipeline": "p", "error": "killed"}


def test_the_real_comments_input_keeps_each_comment_under_its_posts_title(tmp_path):
    import pandas as pd
    import pytest

    from analyzer.readers import read_file
    from eval.bench_speed import REAL_COMMENTS, write_real_dump
    from eval.gate import SHARED

    if not (SHARED / REAL_COMMENTS).is_file():
        pytest.skip("../shared is absent")
    dump = tmp_path / "real.jsonl"
    stats = write_real_dump(dump, 50, seed=3)
    articles = read_file(dump).articles
    assert stats["comments"] == sum(len(article.comments) for article in articles) == 50
    assert stats["articles"] == len(articles)
    source = pd.read_csv(SHARED / REAL_COMMENTS)
    titles = dict(zip(source["text"], source["post_title"]))
    assert all(titles[comment.text] == article.title for article in articles for comment in article.comments)


def test_the_news_site_input_is_scored_from_its_own_export_with_one_fixed_target(tmp_path):
    # The export goes through `score` as it is (its reader, its reply threads), every comment counted.
    import pytest

    from analyzer.readers import read_file
    from eval.bench_speed import NEWS_SITE_COMMENTS, NEWS_SITE_TARGET, measure, news_site_input
    from eval.gate import SHARED

    stats = news_site_input()
    if stats is None:
        pytest.skip("../shared is absent")
    articles = read_file(SHARED / NEWS_SITE_COMMENTS).articles
    assert stats["comments"] == sum(len(article.comments) for article in articles) > 0
    assert 0 < stats["replies"] < stats["comments"]  # a thread: some comments answer others
    assert all(not article.title for article in articles)  # why a fixed target stands in for titles
    result = measure("tiny", SHARED / NEWS_SITE_COMMENTS, threads=1, batch_size=8, model_dir=None, target=NEWS_SITE_TARGET)
    assert result["comments"] == stats["comments"]
    assert result["stance_targets"] == {"option": stats["comments"]}


def test_the_max_tokens_summary_gives_each_cuts_speed_up_and_its_worst_change():
    from eval.bench_max_tokens import _summary_lines

    results = {
        "speed_news_site": [{"pipeline": "minilm-onnx-int8", "comments_per_s": 50.0},
                            {"pipeline": "minilm-onnx-int8-max192", "comments_per_s": 60.0},
                            {"pipeline": "minilm-onnx-int8-max128", "comments_per_s": 80.0}],
        "quality": {
            "full_sets": {"c3": {"cuts": {"192": {"change": 0.002}, "128": {"change": -0.004}}},
                          "vast": {"skipped": "absent"}},
            "gate_checks": {"insult": {"values": {"whole": 0.93, "192": 0.931, "128": 0.92}},
                            "absent": {"skipped": "data absent"}},
        },
    }
    lines = _summary_lines(results)
    assert lines[2] == ("- N = 192: 1.20× the default's rate on the news site's export; the largest change over the "
                        "quality checks above: +0.0010 (insult).")
    assert lines[3].startswith("- N = 128: 1.60×") and lines[3].endswith("-0.0100 (insult).")
