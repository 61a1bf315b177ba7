"""Page layouts: the per-article dashboard and the summary pages, both A4 portrait.

Figures are plain ``matplotlib.figure.Figure`` objects drawn by the Agg and PDF backends, never
through pyplot: no GUI backend is touched and nothing is left open in a global figure registry.
The article page builds its figure and axes once and redraws them for each article, since a dump
can hold hundreds of articles.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import AutoLocator, ScalarFormatter

from analyzer.report import charts, style
from analyzer.report.data import ArticleScores, ReportData, RunInfo
from analyzer.report.text import shorten, wrap

EXCERPTS_PER_ARTICLE = 5
#: Summary table rows on the first page (below the charts) and on each continuation page.
FIRST_PAGE_ROWS = 28
MORE_PAGE_ROWS = 55
#: Articles compared in the summary bars (those with the most comments).
COMPARED_ARTICLES = 15


def captured_phrase(article: ArticleScores) -> str:
    """'2 of 8 captured', plus what the source says it left out and what was not analysed."""
    if article.declared is None:
        phrase = f"{article.found} captured (total not given by the source)"
    elif article.found > article.declared:
        phrase = f"{article.found} captured (the page says {article.declared})"
    else:
        phrase = f"{article.found} of {article.declared} captured"
    if article.missing:
        phrase += f"; {article.missing} left out by the source"
    if article.other_kinds:
        phrase += f"; {article.other_kinds} pingback(s)/trackback(s) not analysed"
    return phrase


#: How ``score``'s target sources read in a header.
_TARGET_SOURCE_NAMES = {"row": "the comment's row", "targets_file": "the targets file", "option": "--target",
                        "title": "the title", "none": "nowhere"}


def model_phrase(run: RunInfo) -> str:
    return f"{run.model_name} (version {run.model_version})"


def threshold_phrase(run: RunInfo) -> str:
    source = "from the scoring run" if run.threshold_known else "assumed: no run metadata"
    return f"{run.threshold:.2f} ({source})"


def _readable_time(value: object) -> str:
    """An ISO-8601 time with a zone as "2024-03-04 10:00 UTC"; anything else (a bare date) as given."""
    try:
        return pd.Timestamp(str(value)).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, TypeError):
        return str(value)


def _known_count(values: pd.Series) -> int:
    return int(values.notna().sum())


def _most_common_stance(stances: pd.Series) -> str:
    """"against (45%)", or "tie: favor, against (40%)" when several stances share the top count."""
    if stances.empty:
        return "–"
    counts = stances.value_counts()
    leaders = [s for s in style.STANCE_ORDER if counts.get(s, 0) == counts.iat[0]]
    share = charts.percent(counts.iat[0], len(stances))
    return f"{leaders[0]} ({share})" if len(leaders) == 1 else f"tie: {', '.join(leaders)} ({share} each)"


def _article_facts(article: ArticleScores, run: RunInfo) -> list[tuple[str, str]]:
    comments = article.comments
    scored = comments["toxicity"].dropna()
    toxic = int(comments["_toxic"].sum())
    facts = [
        ("Comments", f"{article.found} of {article.declared}" if article.declared is not None
         else f"{article.found} (total unknown)"),
        ("Toxic", f"{toxic} ({charts.percent(toxic, len(scored))})"),
        ("Mean / median toxicity", f"{scored.mean():.2f} / {scored.median():.2f}" if len(scored) else "–"),
        ("Most common stance", _most_common_stance(comments["_stance"].dropna())),
        ("With time / author", f"{_known_count(comments['_time'])} / {_known_count(comments['author'])}"),
    ]
    if "status" in comments.columns and len(comments):
        counts = comments["status"].fillna("published").value_counts()
        facts.append(("Status", ", ".join(f"{n} {status}" for status, n in counts.items())))
    facts += [("Model", model_phrase(run)), ("Threshold", threshold_phrase(run))]
    return facts


#: Article page geometry in inches from the page's top-left corner. The layout is fixed rather
#: than constrained: every page has the same panels, and solving a constrained layout costs more
#: than drawing the page. Titles and labels are shortened to fit these boxes (see ``charts``).
_HEADER_TOP, _HEADER_HEIGHT = 0.35, 1.08
_PANEL_TOP, _PANEL_HEIGHT, _PANEL_PITCH = 1.78, 1.3, 2.0  # each row: title, axes, tick labels
_COLUMN_LEFT, _COLUMN_WIDTH = (0.75, 4.95), 2.95
_EXCERPTS_TOP, _EXCERPTS_HEIGHT = 9.78, 1.65
_PAGE_LEFT, _PAGE_WIDTH = 0.6, 7.1


def _rect(left: float, top: float, width: float, height: float) -> tuple[float, float, float, float]:
    """An axes rectangle in figure fractions from inches measured from the top-left corner."""
    page_width, page_height = style.A4_PORTRAIT
    return (left / page_width, 1 - (top + height) / page_height, width / page_width, height / page_height)


def _reset(ax: Axes) -> None:
    """Empty an axes for the next article, keeping its tick objects.

    ``Axes.clear`` would rebuild every tick, a sixth of the time a page takes. This suffices
    because each axes always holds the same kind of panel, which sets its own limits and ticks.
    """
    for artist in [*ax.patches, *ax.lines, *ax.collections, *ax.texts]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_axis_on()
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(AutoLocator())
        axis.set_major_formatter(ScalarFormatter())
    if ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.relim()
    ax.set_autoscale_on(True)
    ax.autoscale_view()


class ArticlePage:
    """One reusable A4 figure: header, eight panels in four rows, and the toxic excerpts."""

    def __init__(self, attributes: tuple[str, ...], run: RunInfo) -> None:
        self.attributes = attributes
        self.run = run
        self.figure = Figure(figsize=style.A4_PORTRAIT)
        self.header = self.figure.add_axes(_rect(_PAGE_LEFT, _HEADER_TOP, _PAGE_WIDTH, _HEADER_HEIGHT))
        self.panels = [
            self.figure.add_axes(_rect(left, _PANEL_TOP + row * _PANEL_PITCH, _COLUMN_WIDTH, _PANEL_HEIGHT))
            for row in range(4)
            for left in _COLUMN_LEFT
        ]
        self.excerpts = self.figure.add_axes(_rect(_PAGE_LEFT, _EXCERPTS_TOP, _PAGE_WIDTH, _EXCERPTS_HEIGHT))

    def draw(self, article: ArticleScores) -> Figure:
        for ax in (self.header, *self.panels, self.excerpts):
            _reset(ax)
        self._draw_header(article)
        comments, threshold = article.comments, self.run.threshold
        (histogram, attributes, shares, by_stance, threads, over_time, authors, glance) = self.panels
        charts.toxicity_histogram(histogram, comments, threshold)
        charts.attribute_bars(attributes, comments, self.attributes, threshold)
        charts.stance_shares(shares, comments)
        charts.stance_by_toxicity(by_stance, comments, threshold)
        charts.thread_depths(threads, comments)
        charts.comments_over_time(over_time, comments)
        charts.commenter_concentration(authors, comments)
        charts.facts(glance, _article_facts(article, self.run))
        charts.toxic_excerpts(self.excerpts, comments, threshold, EXCERPTS_PER_ARTICLE, width=100)
        return self.figure

    def _draw_header(self, article: ArticleScores) -> None:
        ax = self.header
        ax.set_axis_off()
        ax.annotate(wrap(article.title, 56, 2) or "(untitled)", (0, 1), xycoords="axes fraction", va="top",
                    fontsize=style.TITLE_SIZE, weight="bold")
        source = " · ".join(filter(None, [
            _readable_time(article.date) if article.date else "date unknown",
            Path(article.source_file).name if article.source_file else "source unknown",
            article.format,
            article.url,
        ]))
        target = f"“{shorten(article.target, 60)}”" if article.target else "unknown"
        if article.target and article.target_source:
            target += f" (from {_TARGET_SOURCE_NAMES.get(article.target_source, article.target_source)})"
        details = [shorten(source, 105), shorten(f"Stance target: {target}", 105),
                   shorten(f"Comments: {captured_phrase(article)}", 105)]
        ax.annotate("\n".join(details), (0, 0), xycoords="axes fraction", va="bottom",
                    fontsize=style.HEADER_SIZE, color=style.MUTED_TEXT, linespacing=1.4)


# --- summary ---------------------------------------------------------------------------------

_TABLE_COLUMNS = (  # heading, x position (inches from the table's left edge), alignment
    ("#", 0.0, "left"),
    ("Article", 0.35, "left"),
    ("Comments", 4.85, "right"),
    ("Toxic", 5.5, "right"),
    ("Favor", 6.1, "right"),
    ("Against", 6.65, "right"),
    ("None", _PAGE_WIDTH, "right"),
)
#: Latin columns of the article title that fit between "Article" and "Comments".
_TABLE_TITLE_WIDTH = 52
_TABLE_ROW_HEIGHT = 0.19
_SUMMARY_HEADER_HEIGHT = 1.3
_COMPARISON_TOP = 2.05
#: Inches per compared article; the bars never get fewer slots than this, so a few bars stay slim.
_BAR_PITCH, _MIN_BAR_SLOTS = 0.2, 6
#: From the bars' bottom edge to the table: tick labels, the stance legend and a gap.
_COMPARISON_TO_TABLE = 0.7
_TOXIC_BARS_LEFT, _TOXIC_BARS_WIDTH = 2.9, 2.35
_STANCE_BARS_LEFT, _STANCE_BARS_WIDTH = 5.55, 2.15
_MORE_TABLE_TOP = 0.6


def _table_row(number: int, article: ArticleScores) -> tuple[str, ...]:
    comments = article.comments
    scored = comments["toxicity"].notna().sum()
    stances = comments["_stance"].dropna()
    found = f"{article.found}/{article.declared}" if article.declared is not None else str(article.found)
    return (
        str(number),
        shorten(article.title or article.id, _TABLE_TITLE_WIDTH),
        found,
        charts.percent(comments["_toxic"].sum(), scored),
        *(charts.percent(stances.eq(s).sum(), len(stances)) for s in style.STANCE_ORDER),
    )


def _draw_table(figure: Figure, top: float, articles: list[ArticleScores], first_number: int) -> None:
    """The article table as text in one axes whose units are inches (so columns never drift)."""
    height = (len(articles) + 1) * _TABLE_ROW_HEIGHT
    ax = figure.add_axes(_rect(_PAGE_LEFT, top, _PAGE_WIDTH, height))
    ax.set_axis_off()
    ax.set_xlim(0, _PAGE_WIDTH)
    ax.set_ylim(height, 0)  # rows go down the page
    for heading, x, align in _TABLE_COLUMNS:
        ax.text(x, 0, heading, ha=align, va="top", weight="bold")
    for index, article in enumerate(articles):
        top_of_row = (index + 1) * _TABLE_ROW_HEIGHT
        if index % 2 == 0:
            ax.axhspan(top_of_row - 0.03, top_of_row + _TABLE_ROW_HEIGHT - 0.03, color="#F2F2F2", zorder=0)
        for (_, x, align), value in zip(_TABLE_COLUMNS, _table_row(first_number + index, article)):
            ax.text(x, top_of_row, value, ha=align, va="top")


def _draw_comparison(figure: Figure, articles: list[ArticleScores]) -> float:
    """The toxic-share and stance bars of the articles with the most comments; returns the top of the table
    below them. The panel is as tall as its bars need, so a dump of a few articles leaves no empty block."""
    compared = sorted(articles, key=lambda a: len(a.comments), reverse=True)[:COMPARED_ARTICLES]
    slots = max(len(compared), _MIN_BAR_SLOTS)
    height = slots * _BAR_PITCH
    toxic_ax = figure.add_axes(_rect(_TOXIC_BARS_LEFT, _COMPARISON_TOP, _TOXIC_BARS_WIDTH, height))
    stance_ax = figure.add_axes(_rect(_STANCE_BARS_LEFT, _COMPARISON_TOP, _STANCE_BARS_WIDTH, height))
    table_top = _COMPARISON_TOP + height + _COMPARISON_TO_TABLE
    if not any(len(a.comments) for a in compared):
        charts.no_data(toxic_ax, "Toxic share per article", "no comments in any article")
        charts.no_data(stance_ax, "Stance shares", "no comments in any article")
        return table_top
    rows = np.arange(len(compared))
    labels = [f"{shorten(a.title or a.id, 36)} ({len(a.comments)})" for a in compared]
    toxic_shares = [a.comments["_toxic"].mean() if len(a.comments) else 0.0 for a in compared]
    toxic_ax.barh(rows, toxic_shares, color=style.TOXIC_COLOR)
    toxic_ax.set_yticks(rows, labels)
    toxic_ax.set_title(f"Toxic share, top {len(compared)} by comments")
    left = np.zeros(len(compared))
    for stance in style.STANCE_ORDER:
        shares = np.array([
            a.comments["_stance"].eq(stance).sum() / max(1, a.comments["_stance"].notna().sum()) for a in compared
        ])
        stance_ax.barh(rows, shares, left=left, color=style.STANCE_COLORS[stance], label=stance)
        left += shares
    stance_ax.set_yticks(rows, [])
    # Anchored in inches below the axes, so the legend keeps its place whatever the panel's height.
    stance_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.27 / height), ncol=3)
    stance_ax.set_title("Stance shares")
    for ax in (toxic_ax, stance_ax):
        ax.set_ylim(slots - 0.5, -0.5)  # first article on top
        ax.set_xlim(0, 1)
        charts.share_axis(ax.xaxis)
    return table_top


def _summary_header(figure: Figure, data: ReportData, made_at: str) -> None:
    ax = figure.add_axes(_rect(_PAGE_LEFT, _HEADER_TOP, _PAGE_WIDTH, _SUMMARY_HEADER_HEIGHT))
    ax.set_axis_off()
    ax.annotate("Reader comments: toxicity and stance", (0, 1), xycoords="axes fraction", va="top",
                fontsize=style.TITLE_SIZE + 2, weight="bold")
    run = data.run
    comments = sum(a.found for a in data.articles)
    shown = (f"{len(data.articles)} articles" if len(data.articles) == data.total_articles
             else f"{len(data.articles)} of {data.total_articles} articles (limited by --max-articles)")
    lines = [
        f"{shown}, {comments} comments captured",
        f"Model: {model_phrase(run)}   ·   toxicity threshold {threshold_phrase(run)}",
        f"Stance target: {run.target_method}",
        f"Scored {_readable_time(run.created_at)}   ·   report made {made_at}",
        f"Inputs: {', '.join(Path(i).name for i in run.inputs) if run.inputs else 'unknown'}",
    ]
    ax.annotate("\n".join(shorten(line, 105) for line in lines), (0, 0), xycoords="axes fraction", va="bottom",
                fontsize=style.HEADER_SIZE, color=style.MUTED_TEXT, linespacing=1.45)


def summary_page_count(article_count: int) -> int:
    return 1 + math.ceil(max(0, article_count - FIRST_PAGE_ROWS) / MORE_PAGE_ROWS)


def summary_pages(data: ReportData, made_at: str | None = None) -> list[Figure]:
    """The first summary page (header, comparison bars, table start), then table continuation pages."""
    made_at = made_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    first = Figure(figsize=style.A4_PORTRAIT)
    _summary_header(first, data, made_at)
    table_top = _draw_comparison(first, data.articles)
    _draw_table(first, table_top, data.articles[:FIRST_PAGE_ROWS], 1)
    pages = [first]
    for start in range(FIRST_PAGE_ROWS, len(data.articles), MORE_PAGE_ROWS):
        page = Figure(figsize=style.A4_PORTRAIT)
        page.text(_PAGE_LEFT / style.A4_PORTRAIT[0], 1 - 0.35 / style.A4_PORTRAIT[1],
                  f"Articles (continued from {start + 1})", va="top", weight="bold", fontsize=style.PANEL_TITLE_SIZE)
        _draw_table(page, _MORE_TABLE_TOP, data.articles[start:start + MORE_PAGE_ROWS], start + 1)
        pages.append(page)
    return pages
