"""The report stage: files written, one PDF page per article plus the summary, odd inputs survive.

Scores tables here are invented: ``write_scores`` builds one with its two sidecars in the shape
``score`` writes (see ``analyzer.records``), with a few knobs for the cases that break layouts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from analyzer.records import SCORE_ID_COLUMNS, STANCE_COLUMNS, scores_sidecars
from analyzer.report import build_report
from analyzer.report import text as report_text
from analyzer.report.data import load
from analyzer.report.pages import FIRST_PAGE_ROWS, captured_phrase, summary_page_count, summary_pages
from analyzer.report.text import plain, safe_filename, wrap

ATTRIBUTES = ("severe_toxicity", "insult", "obscene", "threat", "identity_attack")
PHRASES = (
    "I think the council got this one right",
    "This is nonsense and you know it",
    "Has anyone read the actual report?",
    "What a ridiculous idea, typical of these people",
    "Thanks for covering this, more please",
)


def _comment_rows(article_id: str, count: int, *, times: bool, authors: bool, threads: bool, seed: int):
    rows = []
    for n in range(count):
        toxicity = ((n * 37 + seed * 11) % 100) / 100
        stance = ("favor", "against", "none")[(n + seed) % 3]
        row = {
            "article_id": article_id,
            "comment_id": f"{article_id}-c{n}",
            "parent_id": f"{article_id}-c{n - 1}" if threads and n % 3 else None,
            "depth": (n % 3 if threads else None),
            "author": f"reader{n % 4}" if authors else None,
            "time": f"2024-03-0{1 + n % 3}T{8 + n % 12:02d}:15:00+00:00" if times else None,
            "text": f"{PHRASES[n % len(PHRASES)]} (#{n})",
            "target": "the new bike lanes",
            "status": "published",
            "kind": "comment",
            "toxicity": toxicity,
            **{a: toxicity * (0.3 + 0.1 * i) for i, a in enumerate(ATTRIBUTES)},
            "stance": stance,
            "stance_favor": 0.7 if stance == "favor" else 0.15,
            "stance_against": 0.7 if stance == "against" else 0.15,
            "stance_none": 0.7 if stance == "none" else 0.15,
        }
        rows.append(row)
    return rows


def write_scores(
    folder: Path,
    articles: list[dict],
    *,
    suffix: str = ".csv",
    sidecars: bool = True,
) -> Path:
    """Write ``scores<suffix>`` and (optionally) its sidecars for ``articles``.

    Each article dict: ``id``, ``title``, ``comments`` (count) and optional ``declared``,
    ``times``/``authors``/``threads`` (default True).
    """
    rows, records = [], []
    for seed, spec in enumerate(articles):
        rows += _comment_rows(spec["id"], spec["comments"], times=spec.get("times", True),
                              authors=spec.get("authors", True), threads=spec.get("threads", True), seed=seed)
        records.append({
            "id": spec["id"], "title": spec.get("title"), "url": f"https://news.example/{seed}",
            "date": "2024-03-01", "source_file": "dump.xml", "format": "wxr",
            "declared_comment_count": spec.get("declared"), "missing_comment_count": None,
            "found_comment_count": spec["comments"], "target": "the new bike lanes", "target_source": "option",
        })
    columns = [*SCORE_ID_COLUMNS, "toxicity", *ATTRIBUTES, *STANCE_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    path = folder / f"scores{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        table.to_parquet(path, index=False)
    if sidecars:
        articles_path, meta_path = scores_sidecars(path)
        articles_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        meta_path.write_text(json.dumps({
            "model": {"name": "test-model", "version": "0.0.1", "toxicity_threshold": 0.6,
                      "attributes": ["toxicity", *ATTRIBUTES]},
            "target_method": "--target 'the new bike lanes'",
            "created_at": "2024-03-04T10:00:00+00:00", "inputs": ["dump.xml"],
        }), encoding="utf-8")
    return path


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
    pdf, summary, *pngs = paths
    assert pdf == folder / "out" / "report.pdf" and summary == folder / "out" / "summary.png"
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in paths)
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


def test_articles_only_in_sidecar_are_reported_with_zero_comments(tmp_path):
    scores = write_scores(tmp_path, [{"id": "full", "comments": 5}, {"id": "empty", "comments": 0, "declared": 3}])
    empty = load(scores).articles[1]
    assert empty.id == "empty" and empty.comments.empty
    assert captured_phrase(empty) == "0 of 3 captured"


def test_max_articles_limits_pages(tmp_path):
    scores = write_scores(tmp_path, [{"id": f"a{n}", "comments": 2} for n in range(5)])
    paths = build_report(scores, tmp_path / "out", max_articles=2)
    assert len(paths) == 4 and pdf_page_count(paths[0]) == 3


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


@pytest.mark.slow  # about a minute of CPU: 100 dashboards drawn twice (PNG and PDF)
def test_timing_for_100_small_articles(tmp_path, capsys):
    specs = [{"id": f"a{n:03}", "title": f"Article number {n}", "comments": 5 + n % 20} for n in range(100)]
    scores = write_scores(tmp_path, specs)
    started = time.perf_counter()
    paths = build_report(scores, tmp_path / "out")
    elapsed = time.perf_counter() - started
    assert pdf_page_count(paths[0]) == summary_page_count(100) + 100
    with capsys.disabled():
        print(f"\nreport: 100 articles in {elapsed:.1f} s")
