"""Page layouts: the per-article dashboard and the summary pages, both A4 portrait.

Figures are plain ``matplotlib.figure.Figure`` objects drawn by the Agg and PDF backends, never
through pyplot: no GUI backend is touched and nothing is left open in a global figure registry.
The article page builds its figure and axes once and redraws them for each article, since a dump
can hold hundreds of articles.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import AutoLocator, ScalarFormatter

from analyzer.report import charts, style
from analyzer.report.data import SHARES_FILE, ArticleScores, ReportData, RunInfo
from analyzer.report.estimates import interval_text
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
    if article.spam:
        phrase += f"; {article.spam} spam not analysed"
    return phrase


#: Input files named in the summary header; the rest are counted.
_INPUTS_NAMED = 3
#: How ``score``'s target sources read in a header.
_TARGET_SOURCE_NAMES = {"row": "the comment's row", "targets_file": "the targets file", "option": "--target",
                        "title": "the title", "none": "nowhere"}


def targets_phrase(articles: list[ArticleScores], method: str) -> str:
    """What the articles' stance targets were: the one target when all share it, else how many came from
    where (each article's page names its own); the run's method when the sidecar has no targets."""
    if not articles or not any(a.target_source for a in articles):
        return method
    sources = Counter(a.target_source if a.target else "none" for a in articles)
    targets = {a.target for a in articles}
    if len(targets) == 1 and None not in targets and len(sources) == 1:
        [source] = sources
        return f"“{shorten(next(iter(targets)), 60)}” for every article (from {_TARGET_SOURCE_NAMES.get(source, source)})"
    return "per article, from " + ", ".join(
        f"{_TARGET_SOURCE_NAMES.get(source, source)} {count}" for source, count in sources.most_common())


def inputs_phrase(articles: list[ArticleScores], inputs: tuple[str, ...]) -> str:
    """The dump files the articles came from (``run`` scores its own split, so its inputs are that split)."""
    names = list(dict.fromkeys(Path(a.source_file).name for a in articles if a.source_file)) or \
        [Path(i).name for i in inputs]
    if not names:
        return "unknown"
    shown = ", ".join(names[:_INPUTS_NAMED])
    return shown if len(names) <= _INPUTS_NAMED else f"{shown} and {len(names) - _INPUTS_NAMED} more files"


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


def _largest_stance(article: ArticleScores) -> str:
    """"none 64% [55–72%]": the stance with the largest expected share (ties: the first in order)."""
    estimates = article.estimates
    if estimates.stance_n == 0:
        return "–"
    stance = max(style.STANCE_ORDER, key=lambda s: estimates.stance[s].mean)
    return f"{stance} {interval_text(estimates.stance[stance])}"


def _article_facts(article: ArticleScores, run: RunInfo) -> list[tuple[str, str]]:
    comments = article.comments
    scored = comments["toxicity"].dropna()
    toxic = article.estimates.toxic
    facts = [
        ("Comments", f"{article.found} of {article.declared}" if article.declared is not None
         else f"{article.found} (total unknown)"),
        # rows with no score: another language, no text or a removal notice (the reasons are in the rejects file)
        *([("Scored", f"{len(scored)} of {len(comments)}; the rest unscored")]
          if len(scored) < len(comments) else []),
        ("Expected toxic share", f"{interval_text(toxic)} (mean probability)" if toxic.n else "–"),
        (f"At or above {run.threshold:.2f}", f"{toxic.count} of {toxic.counted} "
         f"({charts.percent(toxic.count, toxic.counted)})" if toxic.counted else "–"),
        ("Median toxicity", f"{scored.median():.2f}" if len(scored) else "–"),
        ("Largest stance share", _largest_stance(article)),
        ("With time / author", f"{_known_count(comments['_time'])} / {_known_count(comments['author'])}"),
    ]
    if "status" in comments.columns and len(comments):
        counts = comments["status"].fillna("published").value_counts()
        facts.append(("Status", ", ".join(f"{n} {status}" for status, n in counts.items())))
    # --max-tokens: how much of each comment the model read
    facts += [("Model", model_phrase(run)), *([("Read", f"first {run.max_tokens} tokens of each comment")]
                                              if run.max_tokens else []),
              ("Threshold", threshold_phrase(run)), ("Calibration", run.calibration)]
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
    for container in [*ax.containers]:  # bars and error bars: removes their artists too
        container.remove()
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
        charts.toxicity_histogram(histogram, comments, article.estimates)
        charts.attribute_bars(attributes, comments, self.attributes, threshold)
        charts.stance_shares(shares, article.estimates)
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
        # An untitled article (a comment table without a title column) is named by its id, as its PNG is.
        heading = wrap(article.title, 56, 2) or wrap(f"Article {article.id} (untitled)", 56, 2)
        ax.annotate(heading, (0, 1), xycoords="axes fraction", va="top", fontsize=style.TITLE_SIZE, weight="bold")
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
    ("Comments", 3.5, "right"),
    ("Toxic", 4.4, "right"),
    ("Favor", 5.3, "right"),
    ("Against", 6.2, "right"),
    ("None", _PAGE_WIDTH, "right"),
)
#: Above the share columns: what their numbers are.
_SHARES_HEADING = "Shares: mean probability over the comments [95% bootstrap interval]"
#: Latin columns of the article title that fit between "Article" and "Comments".
_TABLE_TITLE_WIDTH = 44
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
    estimates = article.estimates
    found = f"{article.found}/{article.declared}" if article.declared is not None else str(article.found)
    return (
        str(number),
        shorten(article.title or article.id, _TABLE_TITLE_WIDTH),
        found,
        interval_text(estimates.toxic),
        *(interval_text(estimates.stance[s]) for s in style.STANCE_ORDER),
    )


def _draw_table(figure: Figure, top: float, articles: list[ArticleScores], first_number: int) -> None:
    """The article table as text in one axes whose units are inches (so columns never drift).

    Two heading lines: what the shares are, then the column names."""
    height = (len(articles) + 2) * _TABLE_ROW_HEIGHT
    ax = figure.add_axes(_rect(_PAGE_LEFT, top, _PAGE_WIDTH, height))
    ax.set_axis_off()
    ax.set_xlim(0, _PAGE_WIDTH)
    ax.set_ylim(height, 0)  # rows go down the page
    ax.text(_PAGE_WIDTH, 0, _SHARES_HEADING, ha="right", va="top", style="italic", color=style.MUTED_TEXT)
    for heading, x, align in _TABLE_COLUMNS:
        ax.text(x, _TABLE_ROW_HEIGHT, heading, ha=align, va="top", weight="bold")
    for index, article in enumerate(articles):
        top_of_row = (index + 2) * _TABLE_ROW_HEIGHT
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
    toxic = [a.estimates.toxic for a in compared]
    toxic_ax.barh(rows, [0.0 if t.n == 0 else t.mean for t in toxic], color=style.TOXIC_COLOR)
    _whiskers(toxic_ax, rows, [t.mean for t in toxic], [t.low for t in toxic], [t.high for t in toxic])
    toxic_ax.set_yticks(rows, labels)
    toxic_ax.set_title(f"Expected toxic share, top {len(compared)}")
    # Stacked mean probabilities. They sum to one, so the whiskers at the two inner edges are the
    # intervals of the favor share (first edge) and of the none share (second edge, seen from 100%).
    left = np.zeros(len(compared))
    for stance in style.STANCE_ORDER:
        shares = np.array([0.0 if a.estimates.stance_n == 0 else a.estimates.stance[stance].mean for a in compared])
        stance_ax.barh(rows, shares, left=left, color=style.STANCE_COLORS[stance], label=stance)
        left += shares
    first, last = style.STANCE_ORDER[0], style.STANCE_ORDER[-1]
    favor = [a.estimates.stance[first] for a in compared]
    _whiskers(stance_ax, rows, [s.mean for s in favor], [s.low for s in favor], [s.high for s in favor])
    none = [a.estimates.stance[last] for a in compared]
    edge = left - [0.0 if s.n == 0 else s.mean for s in none]  # where the last class's bar starts
    _whiskers(stance_ax, rows, edge, edge - [s.high - s.mean for s in none], edge + [s.mean - s.low for s in none])
    stance_ax.set_yticks(rows, [])
    # Anchored in inches below the axes, so the legend keeps its place whatever the panel's height.
    interval_key = Line2D([], [], color=style.BLACK, linewidth=style.INTERVAL["elinewidth"], marker="|",
                          markersize=5, label="95% interval")
    handles, names = stance_ax.get_legend_handles_labels()
    stance_ax.legend([*handles, interval_key], [*names, "95% interval"], loc="upper center",
                     bbox_to_anchor=(0.5, -0.27 / height), ncol=4, handlelength=1.2, columnspacing=0.8)
    stance_ax.set_title("Stance (mean probability)")
    for ax in (toxic_ax, stance_ax):
        ax.set_ylim(slots - 0.5, -0.5)  # first article on top
        ax.set_xlim(0, 1)
        charts.share_axis(ax.xaxis)
    return table_top


def _whiskers(ax: Axes, rows: np.ndarray, means: list[float], lows: list[float], highs: list[float]) -> None:
    """95% interval whiskers on horizontal bars; rows without an interval (0 or 1 comment) get none."""
    mean, low, high = (np.asarray(v, dtype=float) for v in (means, lows, highs))
    has = ~np.isnan(low)
    if has.any():
        ax.errorbar(mean[has], rows[has], xerr=[mean[has] - low[has], high[has] - mean[has]], **style.INTERVAL)


def _summary_header(figure: Figure, data: ReportData, made_at: str) -> None:
    ax = figure.add_axes(_rect(_PAGE_LEFT, _HEADER_TOP, _PAGE_WIDTH, _SUMMARY_HEADER_HEIGHT))
    ax.set_axis_off()
    ax.annotate("Reader comments: toxicity and stance", (0, 1), xycoords="axes fraction", va="top",
                fontsize=style.TITLE_SIZE + 2, weight="bold")
    run = data.run
    comments = sum(a.found for a in data.articles)
    shown = (f"{len(data.listed)} articles" if len(data.listed) == data.total_articles
             else f"{len(data.listed)} of {data.total_articles} articles (limited by --max-articles)")
    unread = run.other_languages
    lines = [
        f"{shown}, {comments} comments captured"
        + (f"; {sum(unread.values())} in other languages left unscored{'' if data.whole_run else ' in the whole run'} "
           f"({', '.join(f'{code} {n}' for code, n in unread.items())})" if unread else ""),
        f"Model: {model_phrase(run)}"
        + (f"   ·   read to {run.max_tokens} tokens" if run.max_tokens else "")
        + f"   ·   toxicity threshold {threshold_phrase(run)}",
        f"Toxicity calibration: {run.calibration}"
        + ("" if run.calibration.startswith("site") else "   ·   refit for another outlet: analyzer calibrate"),
        f"Stance target: {targets_phrase(data.listed, run.target_method)}",
        f"Scored {_readable_time(run.created_at)}   ·   report made {made_at}",
        f"Inputs: {inputs_phrase(data.listed, run.inputs)}"
        + (f"   ·   without comments: {data.without_comments} (no page; a row each in {SHARES_FILE})"
           if data.without_comments else ""),
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
