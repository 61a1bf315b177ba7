"""The report stage: files written, one PDF page per article plus the summary, odd inputs survive,
and the shares it shows are the model's mean probabilities with bootstrap intervals.

Scores tables here are invented: ``eval.bench_report.write_scores`` builds one with its two sidecars
in the shape ``score`` writes (see ``analyzer.records``), with a few knobs for the cases that break
layouts. (The report's timing lives in that benchmark: ``python -m eval.bench_report``.)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analyzer.records import scores_sidecars
from analyzer.report import build_report
from analyzer.report import text as report_text
from analyzer.report.build import SHARES_FILE, write_shares
from analyzer.report.data import load
from analyzer.report.estimates import SHARE_COLUMNS, bootstrap_means, estimate_article, interval_text
from analyzer.report.pages import FIRST_PAGE_ROWS, captured_phrase, summary_page_count, summary_pages
from analyzer.report.text import plain, safe_filename, wrap
from eval.bench_report import ATTRIBUTES, write_scores


def pdf_page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


ODD_TITLES = [
    "<b>Council</b> &amp; the budget: what $5 million buys (and $10m doesn't)",
    "A" * 400,
    "Einwohnerversammlungsprotokollzusammenfassung " * 8,
    "市议会通过新的自行车道计划，居民意见分歧 🚲🚲",
    "مجلس المدينة يوافق على خطة جديدة",
    "עיריית העיר מאשרת תוכנית חדשה",
    "Emoji only 😀🔥💬 \u200f mixed",
]


#: One report holds every awkward case, drawn once for the module: drawing is the slow part.
AWKWARD_ARTICLES = [
    {"id": "a1", "title": "Bike lanes approved", "comments": 30, "declared": 42},
    {"id": "a2", "title": "Nobody commented here", "comments": 0, "declared": 8},
    {"id": "a3", "title": "Flat comment section", "comments": 12, "times": False, "authors": False,
     "threads": False},
    {"id": "weird/id with spaces?", "title": None, "comments": 3},
    *({"id": f"t{n}", "title": title, "comments": 4} for n, title in enumerate(ODD_TITLES)),
]


@pytest.fixture(scope="module")
def awkward_report(tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("awkward")
    return folder, build_report(write_scores(folder, AWKWARD_ARTICLES), folder / "out")


def test_report_writes_pdf_summary_and_one_png_per_article(awkward_report):
    folder, paths = awkward_report
    pdf, summary, shares, *pngs = paths
    assert pdf == folder / "out" / "report.pdf" and summary == folder / "out" / "summary.png"
    assert shares == folder / "out" / SHARES_FILE
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in [pdf, summary, *pngs])
    assert [p.parent for p in pngs] == [folder / "out" / "articles"] * len(AWKWARD_ARTICLES)
    assert len({p.name for p in pngs}) == len(AWKWARD_ARTICLES)
    assert pdf_page_count(pdf) == 1 + len(AWKWARD_ARTICLES)


def test_empty_and_flat_articles_say_what_is_missing(awkward_report):
    pages = PdfReader(awkward_report[1][0]).pages
    empty, flat = pages[2].extract_text(), pages[3].extract_text()
    assert "0 of 8 captured" in empty and "no scored comments" in empty
    for missing in ("no times in this source", "no authors in this source", "no thread structure in this source"):
        assert missing in flat
    assert "no times" not in pages[1].extract_text()


def test_odd_titles_are_cleaned_and_shortened(awkward_report):
    pages = PdfReader(awkward_report[1][0]).pages
    html_title = pages[5].extract_text()
    assert "Council & the budget: what $5 million buys" in html_title and "<b>" not in html_title
    assert "A" * 400 not in pages[6].extract_text() and "…" in pages[6].extract_text()


def test_an_untitled_article_is_headed_by_its_id(awkward_report):
    # Several untitled pages (a comment table has no titles) must still be told apart.
    untitled = PdfReader(awkward_report[1][0]).pages[4].extract_text()
    assert "Article weird/id with spaces? (untitled)" in untitled


def test_a_reused_page_draws_exactly_like_a_fresh_one(awkward_report):
    """The article page is redrawn per article; nothing of the previous article may remain."""
    import matplotlib
    from matplotlib.image import imread

    from analyzer.report import style
    from analyzer.report.pages import ArticlePage

    folder = awkward_report[0]
    data = load(folder / "scores.csv")
    full, empty, flat = data.articles[:3]
    with matplotlib.rc_context(style.rc_params()):
        ArticlePage(data.attributes, data.run).draw(full).savefig(folder / "fresh.png", dpi=50)
        reused = ArticlePage(data.attributes, data.run)
        for article in (flat, empty, full):
            reused.draw(article)
        reused.figure.savefig(folder / "reused.png", dpi=50)
    assert (imread(folder / "fresh.png") == imread(folder / "reused.png")).all()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_report_reads_jsonl_and_parquet(tmp_path, suffix):
    scores = write_scores(tmp_path, [{"id": "x", "title": "T", "comments": 5}], suffix=suffix)
    data = load(scores)
    assert data.attributes == ("toxicity", *ATTRIBUTES)
    assert data.run.threshold == 0.6 and data.run.model_name == "test-model"
    assert len(data.articles[0].comments) == 5 and data.articles[0].declared is None


def test_without_sidecars_derives_articles_and_says_unknown(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a", "comments": 6}, {"id": "b", "comments": 2}], sidecars=False)
    data = load(scores)
    assert [a.id for a in data.articles] == ["a", "b"]
    assert data.run.model_name == "unknown" and not data.run.threshold_known
    assert data.articles[0].target == "the new bike lanes"  # the most common target in the table
    assert captured_phrase(data.articles[1]).startswith("2 captured")
    assert pdf_page_count(build_report(scores, tmp_path / "out")[0]) == 3


def test_flat_metadata_is_read_too(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a", "comments": 2}])
    scores_sidecars(scores)[1].write_text(json.dumps({"model_name": "flat", "model_version": "2",
                                                      "toxicity_threshold": 0.7}), encoding="utf-8")
    run = load(scores).run
    assert (run.model_name, run.model_version, run.threshold, run.threshold_known) == ("flat", "2", 0.7, True)
    assert run.target_method == "unknown"


def test_spam_is_counted_but_left_out_of_the_charts_and_shares(tmp_path):
    # spam is no reader's position: the table keeps its row and scores, the report counts it apart
    scores = write_scores(tmp_path, [{"id": "a", "comments": 9, "declared": 9}])
    table = pd.read_csv(scores)
    table.loc[:2, ["status", "stance_favor", "stance_against", "stance_none"]] = ["spam", 0.0, 0.0, 1.0]
    table.to_csv(scores, index=False)
    [article] = load(scores).articles
    assert (article.found, article.spam, len(article.comments)) == (9, 3, 6)
    assert set(article.comments["status"]) == {"published"}
    assert captured_phrase(article) == "9 of 9 captured; 3 spam not analysed"
    assert article.estimates.stance_n == 6


def test_articles_only_in_sidecar_are_reported_with_zero_comments(tmp_path):
    scores = write_scores(tmp_path, [{"id": "full", "comments": 5}, {"id": "empty", "comments": 0, "declared": 3}])
    empty = load(scores).articles[1]
    assert empty.id == "empty" and empty.comments.empty
    assert captured_phrase(empty) == "0 of 3 captured"


def test_articles_without_comments_get_a_row_in_the_shares_table_but_no_page(tmp_path):
    # a blog's export: every post, most without a comment; a page declaring comments it lacks keeps its page
    posts = [{"id": "p1", "comments": 5}, {"id": "p2", "comments": 0}, {"id": "p3", "comments": 0, "declared": 3},
             {"id": "p4", "comments": 0}, {"id": "p5", "comments": 2}]
    scores = write_scores(tmp_path, posts)
    pdf, _, shares, *pngs = build_report(scores, tmp_path / "out")
    assert [p.stem for p in pngs] == ["p1", "p3", "p5"] and pdf_page_count(pdf) == 1 + 3
    assert list(pd.read_csv(shares)["article_id"]) == ["p1", "p2", "p3", "p4", "p5"]
    summary = PdfReader(pdf).pages[0].extract_text()
    assert "5 articles, 7 comments captured" in summary
    assert "without comments: 2 (no page; a row each in article_shares.csv)" in summary


def test_articles_from_several_dumps_get_a_pdf_per_dump_beside_the_whole_report(tmp_path):
    posts = [{"id": "a1", "comments": 4, "source": "feeds/harbour.xml"}, {"id": "b1", "comments": 3, "source": "hn.json"},
             {"id": "a2", "comments": 2, "source": "feeds/harbour.xml"}, {"id": "a3", "comments": 0,
                                                                         "source": "feeds/harbour.xml"}]
    scores = write_scores(tmp_path, posts)
    meta_path = scores_sidecars(scores)[1]
    meta = json.loads(meta_path.read_text())
    meta.setdefault("counts", {})["other_languages"] = {"da": 1}  # the run's count: no dump's own
    meta_path.write_text(json.dumps(meta))
    paths = build_report(scores, tmp_path / "out")
    dumps = [p for p in paths if p.parent.name == "dumps"]
    assert [p.name for p in dumps] == ["harbour.xml.pdf", "hn.json.pdf"]
    assert pdf_page_count(paths[0]) == 1 + 3
    harbour = PdfReader(dumps[0]).pages
    assert len(harbour) == 1 + 2  # its summary, then a1 and a2 (a3 has no comments)
    summary = harbour[0].extract_text()
    assert "3 articles, 6 comments captured; 1 in other languages left unscored in the whole run (da 1)" in summary
    assert "Inputs: harbour.xml" in summary
    assert "9 comments captured; 1 in other languages left unscored (da 1)" in PdfReader(paths[0]).pages[0].extract_text()
    assert harbour[1].extract_text() == PdfReader(paths[0]).pages[1].extract_text()  # a1's page as in the whole
    assert harbour[2].extract_text() == PdfReader(paths[0]).pages[3].extract_text()  # a2's
    assert len(PdfReader(dumps[1]).pages) == 1 + 1
    # one dump: report.pdf is its PDF, no folder of one
    (tmp_path / "one").mkdir()
    single = build_report(write_scores(tmp_path / "one", posts[:1]), tmp_path / "out-one")
    assert not any(p.parent.name == "dumps" for p in single) and not (tmp_path / "out-one" / "dumps").exists()


def _with_sidecar_fields(scores: Path, fields: dict[str, dict]) -> None:
    """Change some article records of the articles sidecar (by id) as another run would have written them."""
    articles_path = scores_sidecars(scores)[0]
    records = [json.loads(line) for line in articles_path.read_text(encoding="utf-8").splitlines()]
    articles_path.write_text("".join(json.dumps({**r, **fields.get(r["id"], {})}) + "\n" for r in records),
                             encoding="utf-8")


def test_summary_header_names_the_dump_files_and_the_targets_used(tmp_path):
    # `run` scores its own split (articles.jsonl): the header names the dumps the articles came from
    scores = write_scores(tmp_path, [{"id": f"a{n}", "comments": 2} for n in range(6)])
    meta_path = scores_sidecars(scores)[1]
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "inputs": ["out/articles.jsonl"]}))
    _with_sidecar_fields(scores, {f"a{n}": {"source_file": f"dumps/export-{n // 2}.xml"} for n in range(6)})
    summary = PdfReader(build_report(scores, tmp_path / "one")[0]).pages[0].extract_text()
    assert "Inputs: export-0.xml, export-1.xml, export-2.xml" in summary and "articles.jsonl" not in summary
    assert "Stance target: “the new bike lanes” for every article (from --target)" in summary

    _with_sidecar_fields(scores, {
        **{f"a{n}": {"source_file": f"dumps/page-{n}.html", "target": f"title {n}", "target_source": "title"}
           for n in range(4)},
        "a5": {"target": None, "target_source": "none"}})
    summary = PdfReader(build_report(scores, tmp_path / "two")[0]).pages[0].extract_text()
    assert "Inputs: page-0.html, page-1.html, page-2.html and 2 more files" in summary
    assert "Stance target: per article, from the title 4, --target 1, nowhere 1" in summary


def test_max_articles_limits_pages(tmp_path):
    scores = write_scores(tmp_path, [{"id": f"a{n}", "comments": 2} for n in range(5)])
    paths = build_report(scores, tmp_path / "out", max_articles=2)
    assert len(paths) == 5 and pdf_page_count(paths[0]) == 3
    assert len(pd.read_csv(paths[2])) == 2


def test_summary_continues_on_more_pages_when_many_articles():
    assert summary_page_count(1) == 1
    assert summary_page_count(200) > 1


def _first_summary_page_axes(folder: Path, article_count: int):
    folder.mkdir()
    scores = write_scores(folder, [{"id": f"a{n}", "comments": 2 + n % 3} for n in range(article_count)])
    _header, toxic_bars, _stance_bars, table = summary_pages(load(scores))[0].axes
    return toxic_bars.get_position(), table.get_position()


def test_summary_bars_grow_with_the_articles_and_the_table_follows_them(tmp_path):
    few_bars, few_table = _first_summary_page_axes(tmp_path / "few", 3)
    many_bars, many_table = _first_summary_page_axes(tmp_path / "many", FIRST_PAGE_ROWS + 5)
    # A few articles: a short panel and the table right under it, not below room for 15 bars.
    assert few_bars.height < many_bars.height / 2
    assert few_table.y1 > many_table.y1 + 0.1
    for bars, table in ((few_bars, few_table), (many_bars, many_table)):
        assert table.y1 < bars.y0  # the table starts below the bars
    assert many_table.y0 >= 0  # a full first page of rows still fits on the page


def test_attributes_are_the_numeric_columns_between_kind_and_stance(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a", "comments": 3}])
    table = pd.read_csv(scores)
    table.insert(table.columns.get_loc("kind") + 1, "profanity", 0.1)
    table.to_csv(scores, index=False)
    assert load(scores).attributes == ("toxicity", "profanity", *ATTRIBUTES)


def test_bad_table_names_the_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("article_id,text\na,hello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="scores.csv"):
        build_report(path, tmp_path / "out")


def test_text_helpers_make_titles_safe(monkeypatch):
    assert plain("<i>Tom</i> &amp; Jerry") == "Tom & Jerry"
    assert plain("x < y and y > z") == "x < y and y > z"
    wrapped = wrap("word " * 100, 40, 2)
    assert len(wrapped.splitlines()) == 2 and wrapped.endswith("…")
    # As on a machine with a CJK font: without one, plain() turns the characters into narrow □.
    monkeypatch.setattr(report_text, "displayable", lambda text: text)
    cjk = wrap("中" * 100, 40, 3).splitlines()
    assert len(cjk) == 3 and all(len(line) <= 21 for line in cjk)  # wide characters count twice
    assert safe_filename("a/b c") != safe_filename("a_b_c") and "/" not in safe_filename("a/b c")
    assert safe_filename("plain-id_1") == "plain-id_1"


def test_cli_writes_the_files(tmp_path):
    from analyzer.cli import main

    scores = write_scores(tmp_path, [{"id": "a", "title": "T", "comments": 4}])
    assert main(["report", str(scores), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report.pdf").is_file() and (tmp_path / "out" / "articles" / "a.png").is_file()
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "out")]) == 1


def test_a_scores_table_that_cannot_be_read_is_refused_naming_the_file_and_row(tmp_path, capsys):
    from analyzer.cli import main

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["report", str(empty), "-o", str(tmp_path / "out")]) == 1
    assert f"error: {empty}: not a readable scores table" in capsys.readouterr().err
    # a hand-edited table: a toxicity that is no number would have counted as unscored, moving every share
    edited = tmp_path / "edited.csv"
    edited.write_text("article_id,comment_id,toxicity\na,1,0.2\na,2,\na,3,high\nb,4,n/a\n")
    assert main(["report", str(edited), "-o", str(tmp_path / "out")]) == 1
    assert (f"error: {edited}: toxicity is not a number in 2 row(s), the first data row 3 ('high')"
            in capsys.readouterr().err)


def test_pages_rendered_in_workers_are_joined_in_order(tmp_path, monkeypatch):
    from analyzer.report import build as report_build

    monkeypatch.setattr(report_build, "ARTICLES_PER_WORKER", 1)
    monkeypatch.setattr(report_build.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    specs = [{"id": "first", "title": "Zebra crossing moved", "comments": 3},
             {"id": "second", "title": "Library hours cut", "comments": 3}]
    pdf = build_report(write_scores(tmp_path, specs), tmp_path / "out")[0]
    pages = PdfReader(pdf).pages
    assert len(pages) == 3
    assert "Zebra crossing moved" in pages[1].extract_text() and "Library hours cut" in pages[2].extract_text()




# --- shares from probabilities ----------------------------------------------------------------


def _set_stance(scores: Path, article_id: str, favor: float, against: float, none: float) -> None:
    """Give every comment of an article the same stance probabilities (and the argmax label)."""
    table = pd.read_csv(scores)
    rows = table["article_id"] == article_id
    label = max(zip((favor, against, none), ("favor", "against", "none")))[1]
    table.loc[rows, ["stance", "stance_favor", "stance_against", "stance_none"]] = [label, favor, against, none]
    table.to_csv(scores, index=False)


def test_stance_share_is_the_mean_probability_not_the_argmax_count(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a", "title": "T", "comments": 20}])
    _set_stance(scores, "a", 0.6, 0.3, 0.1)
    estimates = load(scores).articles[0].estimates
    favor, against, none = (estimates.stance[s] for s in ("favor", "against", "none"))
    assert favor.count_share == 1.0 and favor.count == 20  # argmax: every comment is "favor"
    assert (favor.mean, against.mean, none.mean) == pytest.approx((0.6, 0.3, 0.1))
    assert against.count == 0 and none.count == 0
    # Identical comments: resampling cannot move the mean.
    assert (favor.low, favor.high) == pytest.approx((0.6, 0.6))


def test_toxic_share_is_the_mean_probability_next_to_the_count_above_the_threshold():
    comments = pd.DataFrame({"toxicity": [0.05, 0.1, 0.15, 0.9], "_stance": ["none"] * 4})
    toxic = estimate_article(comments, threshold=0.5).toxic
    assert toxic.mean == pytest.approx(0.3) and toxic.count == 1 and toxic.count_share == 0.25
    assert toxic.low <= toxic.mean <= toxic.high and toxic.n == 4


def test_interval_contains_the_estimate_and_shrinks_with_more_comments():
    def width(n: int) -> float:
        values = np.tile([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], (n // 3, 1))
        mean, low, high = bootstrap_means(values)
        assert np.all(low <= mean) and np.all(mean <= high) and np.all(low < high)
        assert mean == pytest.approx(values.mean(axis=0))
        return float((high - low)[0])

    few, some, many = width(6), width(30), width(300)
    assert few > some > many > 0
    assert few > 0.3 and many < 0.1  # six comments say little; three hundred pin the share down


def test_intervals_are_deterministic_and_do_not_depend_on_other_articles(tmp_path):
    values = np.random.default_rng(7).dirichlet([1, 1, 1], size=40)
    first, second = bootstrap_means(values), bootstrap_means(values)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    for name in ("one", "other"):
        (tmp_path / name).mkdir()
    one = write_scores(tmp_path / "one", [{"id": "x", "comments": 12}], sidecars=False)
    other = write_scores(tmp_path / "other", [{"id": "y", "comments": 9}], sidecars=False)
    both = tmp_path / "both.csv"
    pd.concat([pd.read_csv(other), pd.read_csv(one)]).to_csv(both, index=False)
    alone, beside = load(one).articles[0], load(both).articles[1]
    assert beside.id == "x" and alone.estimates == beside.estimates
    write_shares(load(one), tmp_path / "a.csv")
    write_shares(load(one), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_no_or_one_comment_has_no_interval():
    empty = estimate_article(pd.DataFrame(columns=["toxicity", "_stance"]), threshold=0.5)
    assert empty.toxic.n == 0 and math.isnan(empty.toxic.mean) and interval_text(empty.toxic) == "–"
    single = estimate_article(pd.DataFrame({"toxicity": [0.3], "stance_favor": [0.2], "stance_against": [0.1],
                                            "stance_none": [0.7], "_stance": ["none"]}), threshold=0.5)
    assert single.stance["none"].mean == pytest.approx(0.7) and not single.stance["none"].has_interval
    assert interval_text(single.stance["none"]) == "70%"
    assert interval_text(single.toxic) == "30%"


def test_interval_text_reads_like_the_charts():
    values = np.array([0.2, 0.4, 0.6] * 10)
    _, low, high = bootstrap_means(values)
    share = estimate_article(pd.DataFrame({"toxicity": values}), threshold=0.5).toxic
    assert interval_text(share) == f"40% [{100 * low[0]:.0f}–{100 * high[0]:.0f}%]"


def test_article_shares_csv_has_one_row_per_article_with_argmax_and_probability_shares(awkward_report):
    folder, paths = awkward_report
    table = pd.read_csv(paths[2], dtype={"article_id": str})
    assert tuple(table.columns) == SHARE_COLUMNS
    assert table["article_id"].tolist() == [a["id"] for a in AWKWARD_ARTICLES]
    assert table["comments_scored"].tolist() == [a["comments"] for a in AWKWARD_ARTICLES]
    full = table.iloc[0]  # 30 comments, 10 per stance, probabilities 0.7 / 0.15 / 0.15
    for stance in ("favor", "against", "none"):
        assert full[f"{stance}_argmax_count"] == 10 and full[f"{stance}_argmax_share"] == pytest.approx(1 / 3, abs=1e-4)
        assert full[f"{stance}_mean_prob"] == pytest.approx((0.7 + 0.15 + 0.15) / 3, abs=1e-4)
        assert full[f"{stance}_mean_prob_low"] < full[f"{stance}_mean_prob"] < full[f"{stance}_mean_prob_high"]
    scores = pd.read_csv(folder / "scores.csv")
    first = scores[scores["article_id"] == "a1"]
    assert full["toxicity_threshold"] == 0.6
    assert full["toxic_above_count"] == (first["toxicity"] >= 0.6).sum()
    assert full["toxic_mean_prob"] == pytest.approx(first["toxicity"].mean(), abs=1e-4)
    assert full["toxic_mean_prob_low"] <= full["toxic_mean_prob"] <= full["toxic_mean_prob_high"]
    empty = table.iloc[1]  # no comments: counts 0, shares empty
    assert empty["comments_scored"] == 0 and empty["toxic_above_count"] == 0
    assert empty[[c for c in SHARE_COLUMNS if "share" in c or "prob" in c]].isna().all()
    stance_means = table[[f"{s}_mean_prob" for s in ("favor", "against", "none")]].sum(axis=1)
    assert stance_means[table["stance_scored"] > 0].round(3).eq(1.0).all()


def test_pages_show_the_shares_with_intervals_and_argmax_counts(awkward_report):
    pages = PdfReader(awkward_report[1][0]).pages
    summary, article = pages[0].extract_text(), pages[1].extract_text()
    assert "mean probability" in summary and "95% bootstrap interval" in summary
    shares = load(awkward_report[0] / "scores.csv").articles[0].estimates
    favor, toxic = interval_text(shares.stance["favor"]), interval_text(shares.toxic)
    assert favor in summary and toxic in summary
    assert f"{favor} · argmax 10" in article
    assert f"expected share {toxic}" in article and "12 of 30 (40%) at or above" in article
    assert "no stance scores" in pages[2].extract_text()  # no comments: no data, as before


def test_a_run_that_read_each_comment_to_a_cut_says_so_on_its_pages(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a1", "title": "Bike lanes approved", "comments": 12}])
    meta_path = scores_sidecars(scores)[1]
    meta = json.loads(meta_path.read_text())
    meta["model"]["max_tokens"] = 128  # as `score --max-tokens 128` records it
    meta_path.write_text(json.dumps(meta))
    pages = PdfReader(build_report(scores, tmp_path / "out")[0]).pages
    summary, article = (page.extract_text() for page in pages[:2])
    assert "Model: test-model (version 0.0.1) · read to 128 tokens · toxicity threshold 0.60" in summary
    assert "Read first 128 tokens of each comment" in article


def test_comments_left_unscored_are_counted_on_the_pages(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a1", "title": "Bike lanes approved", "comments": 30}])
    table = pd.read_csv(scores)
    score_columns = [c for c in table.columns if c == "toxicity" or c in ATTRIBUTES or c.startswith("stance")]
    table.loc[table.index[:3], score_columns] = None  # as `score` leaves a comment in another language
    table.to_csv(scores, index=False)
    meta_path = scores_sidecars(scores)[1]
    meta = json.loads(meta_path.read_text())
    meta.setdefault("counts", {})["other_languages"] = {"de": 2, "fr": 1}
    meta_path.write_text(json.dumps(meta))
    pages = PdfReader(build_report(scores, tmp_path / "out")[0]).pages
    assert "30 comments captured; 3 in other languages left unscored (de 2, fr 1)" in pages[0].extract_text()
    assert "27 of 30; the rest unscored" in pages[1].extract_text()


def test_an_article_whose_comments_were_all_left_unscored_draws_no_attribute_bars(tmp_path):
    scores = write_scores(tmp_path, [{"id": "a1", "title": "Bike lanes approved", "comments": 4}])
    table = pd.read_csv(scores)
    score_columns = [c for c in table.columns if c == "toxicity" or c in ATTRIBUTES or c.startswith("stance")]
    table[score_columns] = None  # every comment in a language the model does not read
    table.to_csv(scores, index=False)
    page = PdfReader(build_report(scores, tmp_path / "out")[0]).pages[1].extract_text()
    assert "nan" not in page and page.count("no scored comments") == 2  # toxicity and attributes panels


@pytest.mark.parametrize(
    ("scores", "threshold"),
    [
        ([0.03] * 10 + [0.2, 0.52], 0.19),  # the sample report's first article: no room on either side
        ([0.01] * 9 + [0.04, 0.15, 0.52], 0.19),
        ([0.02] * 10 + [0.9, 0.95], 0.19),  # the interval straddles the threshold
        ([0.6] * 12, 0.19),  # everything far right of the threshold
        ([0.01] * 12, 0.5),  # everything far left
    ],
)
def test_the_mean_marker_label_stays_inside_the_panel_and_off_the_whiskers(scores, threshold):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    from analyzer.report import charts, style
    from analyzer.report.pages import _COLUMN_LEFT, _COLUMN_WIDTH, _PANEL_HEIGHT, _PANEL_TOP, _rect

    comments = pd.DataFrame({"toxicity": scores, "_stance": ["none"] * len(scores)})
    for label in ("favor", "against", "none"):
        comments[f"stance_{label}"] = 1.0 if label == "none" else 0.0
    estimates = estimate_article(comments, threshold)
    figure = Figure(figsize=style.A4_PORTRAIT)
    ax = figure.add_axes(_rect(_COLUMN_LEFT[0], _PANEL_TOP, _COLUMN_WIDTH, _PANEL_HEIGHT))
    charts.toxicity_histogram(ax, comments, estimates)
    renderer = FigureCanvasAgg(figure).get_renderer()
    label = next(t for t in ax.texts if t.get_text() == charts.MARKER_LABEL).get_window_extent(renderer)
    panel = ax.get_window_extent(renderer)
    assert panel.x0 <= label.x0 and label.x1 <= panel.x1 and label.y1 <= panel.y1
    # the whiskers' span at the marker's height, in pixels: the label is beside it or above it
    toxic, marker_y = estimates.toxic, next(line for line in ax.lines if line.get_marker() == "D").get_ydata()[0]
    (left, middle), (right, _) = blended_transform_factory(ax.transData, ax.transAxes).transform(
        [(toxic.low, marker_y), (toxic.high, marker_y)]
    )
    assert label.x1 <= left or label.x0 >= right or label.y0 > middle + 3
