"""Write the report: ``report.pdf`` (summary first, then one page per article), ``summary.png``,
``article_shares.csv`` (per-article shares with their intervals, see ``estimates``) and
``articles/<safe-article-id>.png``; when the articles come from several dump files, also one PDF per dump,
``dumps/<dump file name>.pdf``: its own summary, then its articles' pages.

Article pages are rendered in chunks, each into its own PDF, which are then joined in order.
Chunks run in worker processes when there are enough articles to pay for starting them:
matplotlib draws on one core, and a dump can have hundreds of articles.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from pypdf import PageObject, PdfReader, PdfWriter

from analyzer._tables import spreadsheet_safe
from analyzer.report import data as report_data
from analyzer.report import style
from analyzer.report.data import SHARES_FILE, ArticleScores, RunInfo
from analyzer.report.estimates import table_rows
from analyzer.report.pages import ArticlePage, summary_pages
from analyzer.report.text import safe_filename

#: Below this many articles per worker, starting a process costs more than it saves.
ARTICLES_PER_WORKER = 12
MAX_WORKERS = 8


def _unique_names(ids: list[str]) -> list[str]:
    """File stems per article, unique even on case-insensitive file systems."""
    seen: set[str] = set()
    names = []
    for article_id in ids:
        name = safe_filename(article_id)
        candidate, number = name, 2
        while candidate.lower() in seen:
            candidate, number = f"{name}-{number}", number + 1
        seen.add(candidate.lower())
        names.append(candidate)
    return names


@contextlib.contextmanager
def _report_style() -> Iterator[None]:
    """The report's rcParams; and quiet about CJK fallback fonts having no bold face (logged per title)."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with matplotlib.rc_context(style.rc_params()):
            yield
    finally:
        logger.setLevel(level)


def _render_articles(
    articles: list[ArticleScores], attributes: tuple[str, ...], run: RunInfo, pngs: list[Path], pdf_path: Path
) -> None:
    """One chunk: a PNG per article and one PDF with their pages (runs in a worker process too)."""
    with _report_style(), PdfPages(pdf_path) as pdf:
        page = ArticlePage(attributes, run)
        for article, png_path in zip(articles, pngs):
            figure = page.draw(article)
            figure.savefig(png_path, dpi=style.PNG_DPI)
            pdf.savefig(figure)


def _render_summary(report: report_data.ReportData, pdf_path: Path, png_path: Path | None = None) -> None:
    """The summary pages as a PDF, and the first as a PNG when ``png_path`` is given."""
    with _report_style(), PdfPages(pdf_path) as pdf:
        for number, figure in enumerate(summary_pages(report)):
            if number == 0 and png_path is not None:
                figure.savefig(png_path, dpi=style.PNG_DPI)
            pdf.savefig(figure)


def _worker_count(articles: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, articles // ARTICLES_PER_WORKER))


def _chunks(count: int, parts: int) -> list[range]:
    size = math.ceil(count / parts) if count else 1
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _run(jobs: list[tuple]) -> None:
    """Render the chunks, in worker processes when there is more than one."""
    if len(jobs) > 1:
        # "spawn": a fresh interpreter per worker, safe even when the caller has loaded torch
        # (forking a process with live threads can deadlock).
        try:
            with ProcessPoolExecutor(len(jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
                for finished in [pool.submit(_render_articles, *job) for job in jobs]:
                    finished.result()
            return
        except BrokenProcessPool:
            # Workers could not start (e.g. a caller's __main__ read from stdin cannot be
            # re-imported); drawing everything here is slower but gives the same files.
            pass
    for job in jobs:
        _render_articles(*job)


def build_report(scores_path: str | Path, out_dir: str | Path, *, max_articles: int | None = None) -> list[Path]:
    """Render the report for a scores table (and its sidecars, when present) into ``out_dir``.

    Returns the written paths: the PDF, the summary PNG, the shares table (CSV), then one PNG per
    article in report order.
    Raises ``ValueError`` (naming the file) when the table cannot be read as scores.
    """
    report = report_data.load(scores_path, max_articles)
    out = Path(out_dir)
    (out / "articles").mkdir(parents=True, exist_ok=True)
    pdf_path, summary_path, shares_path = out / "report.pdf", out / "summary.png", out / SHARES_FILE
    write_shares(report, shares_path)
    article_pngs = [out / "articles" / f"{name}.png" for name in _unique_names([a.id for a in report.articles])]
    with tempfile.TemporaryDirectory(prefix="analyzer-report-") as scratch:
        summary_pdf = Path(scratch) / "summary.pdf"
        _render_summary(report, summary_pdf, summary_path)
        chunks = _chunks(len(report.articles), _worker_count(len(report.articles)))
        chunk_pdfs = [Path(scratch) / f"articles-{n}.pdf" for n in range(len(chunks))]
        jobs = [
            ([report.articles[i] for i in chunk], report.attributes, report.run, [article_pngs[i] for i in chunk], pdf)
            for chunk, pdf in zip(chunks, chunk_pdfs)
        ]
        _run(jobs)
        _join_pdf(pdf_path, [summary_pdf, *chunk_pdfs])
        dump_pdfs = _dump_reports(report, out / "dumps", chunk_pdfs, Path(scratch)) if len(report.sources) > 1 else []
    return [pdf_path, summary_path, shares_path, *article_pngs, *dump_pdfs]


def _join_pdf(path: Path, parts: list[Path], pages: list[PageObject] | None = None) -> None:
    """The parts' pages, then ``pages``, as one PDF at ``path``."""
    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    for page in pages or []:
        writer.add_page(page)
    writer.add_metadata({"/Title": "Reader comments: toxicity and stance"})
    with path.open("wb") as stream:
        writer.write(stream)


def _dump_reports(report: report_data.ReportData, folder: Path, chunk_pdfs: list[Path], scratch: Path) -> list[Path]:
    """One PDF per dump file: a summary of its articles (rendered anew), then their pages as drawn for
    ``report.pdf`` (article i of the report is page i of the chunks, in order)."""
    folder.mkdir(exist_ok=True)
    pages = [page for part in chunk_pdfs for page in PdfReader(part).pages]
    index = {id(article): number for number, article in enumerate(report.articles)}
    sources = report.sources
    names = _unique_names([Path(source).name if source else "unknown source" for source in sources])
    paths = []
    for source, name in zip(sources, names):
        part = report.of_source(source)
        summary_pdf = scratch / f"summary-{len(paths)}.pdf"
        _render_summary(part, summary_pdf)
        paths.append(folder / f"{name}.pdf")
        _join_pdf(paths[-1], [summary_pdf], [pages[index[id(article)]] for article in part.articles])
    return paths


def write_shares(report: report_data.ReportData, path: Path) -> None:
    """``article_shares.csv``: one row per article, argmax and probability-based shares side by side."""
    table = table_rows([(a.id, a.title, a.estimates) for a in report.listed])
    spreadsheet_safe(table).to_csv(path, index=False, float_format="%.4f")
