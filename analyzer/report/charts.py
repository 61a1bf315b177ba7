"""One function per dashboard panel. Each draws into a given Axes, or says why it has nothing to show.

Panels take the article's comment rows (see ``data._normalise`` for the derived ``_time``,
``_depth``, ``_stance`` and ``_toxic`` columns) and never assume a source has times, authors or
threads: a panel without data shows a centred sentence instead of empty axes.
"""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import blended_transform_factory

from analyzer.report import style
from analyzer.report.estimates import ArticleEstimates, interval_text
from analyzer.report.text import shorten, wrap
from analyzer.targets import own_words

#: Depths at and beyond this are pooled into one bar.
DEEPEST_DEPTH_BAR = 4
TOXICITY_BINS = np.linspace(0.0, 1.0, 21)
#: Tick positions on 0–1 axes. Few ticks on every axis: each costs more to draw than a bar.
UNIT_TICKS = [0.0, 0.5, 1.0]
#: What the diamond above the toxicity histogram marks.
MARKER_LABEL = "mean probability"


def count_axis(axis: Axis) -> None:
    """An axis of comment counts: whole numbers, at most five ticks."""
    axis.set_major_locator(MaxNLocator(nbins=4, integer=True))


def share_axis(axis: Axis) -> None:
    """An axis of shares from 0 to 1, shown as percentages."""
    axis.set_ticks(UNIT_TICKS)
    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def text_width(ax: Axes, text: str, fontsize: float) -> float:
    """About how much of the axes' width one line of ``text`` takes (0.6 em a character, a little more than
    the average in the sans-serif font, so that a label judged to fit does)."""
    axes_points = ax.get_position().width * ax.figure.get_figwidth() * 72
    return len(text) * 0.6 * fontsize / axes_points


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def no_data(ax: Axes, title: str, message: str) -> None:
    """A panel with a title and a centred explanation instead of axes."""
    ax.set_title(title)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=style.MUTED_TEXT, style="italic",
            transform=ax.transAxes)


def toxicity_histogram(ax: Axes, comments: pd.DataFrame, estimates: ArticleEstimates) -> None:
    """Toxicity scores per comment, split at the threshold, with the expected toxic share marked above them.

    The expected share is the mean toxicity probability, so it sits on the same 0–1 axis: a diamond
    with whiskers for its 95% interval.
    """
    threshold, toxic = estimates.threshold, estimates.toxic
    scores = comments["toxicity"].dropna()
    if scores.empty:
        no_data(ax, "Toxicity", "no scored comments")
        return
    ax.hist([scores[scores < threshold], scores[scores >= threshold]], bins=TOXICITY_BINS, stacked=True,
            color=[style.NOT_TOXIC_COLOR, style.TOXIC_COLOR])
    ax.axvline(threshold, **style.THRESHOLD_LINE)
    ax.text(threshold, 1.0, f" threshold {threshold:.2f}\n {toxic.count} of {toxic.counted} "
            f"({percent(toxic.count, toxic.counted)}) at or above", transform=ax.get_xaxis_transform(),
            va="top", ha="left" if threshold <= 0.5 else "right", fontsize=style.SMALL_SIZE, linespacing=1.1)
    ax.set_xlim(0, 1)
    ax.set_xticks(UNIT_TICKS)
    # Headroom: the bars end at 60% of the height, the threshold label and the mean marker go above.
    ax.set_ylim(0, ax.get_ylim()[1] / 0.6)
    marker_y = 0.68
    on_axes = blended_transform_factory(ax.transData, ax.transAxes)
    errors = [[toxic.mean - toxic.low], [toxic.high - toxic.mean]] if toxic.has_interval else None
    ax.errorbar([toxic.mean], [marker_y], xerr=errors, transform=on_axes,
                **{**style.INTERVAL, "fmt": "D", "color": style.TOXIC_COLOR, "markersize": 4,
                   "markeredgecolor": style.BLACK, "markeredgewidth": 0.6})
    low, high = (toxic.low, toxic.high) if toxic.has_interval else (toxic.mean, toxic.mean)
    # The label goes beside the whiskers where it fits, the threshold line and the axes' ends counting as
    # walls; where it fits on neither side (a narrow gap by the threshold), above the marker.
    needed = text_width(ax, MARKER_LABEL, style.SMALL_SIZE) + 0.03
    room_right = (threshold if threshold > high else 1.0) - high
    room_left = low - (threshold if threshold < low else 0.0)
    if room_right >= needed:
        x, y, align = high + 0.03, marker_y, "left"
    elif room_left >= needed:
        x, y, align = low - 0.03, marker_y, "right"
    else:
        x, y, align = min(max(toxic.mean, needed / 2), 1 - needed / 2), marker_y + 0.1, "center"
    ax.text(x, y, MARKER_LABEL, transform=on_axes, va="center", ha=align, fontsize=style.SMALL_SIZE,
            color=style.MUTED_TEXT)
    count_axis(ax.yaxis)
    ax.set_xlabel("toxicity score")
    ax.set_ylabel("comments")
    ax.set_title(f"Toxicity: expected share {interval_text(toxic)}")


def attribute_bars(ax: Axes, comments: pd.DataFrame, attributes: tuple[str, ...], threshold: float) -> None:
    """Share of comments at or above the threshold per attribute, with the mean score beside it."""
    title = f"Attributes: share \N{GREATER-THAN OR EQUAL TO} {threshold:.2f}"
    if not attributes:
        no_data(ax, title, "no attribute scores")
        return
    # comments left unscored (another language, empty text, a removal notice) have no scores: they count nowhere
    scores = comments[list(attributes)].apply(pd.to_numeric, errors="coerce").dropna(how="all")
    if scores.empty:
        no_data(ax, title, "no scored comments")
        return
    shares = (scores >= threshold).sum() / scores.notna().sum().clip(lower=1)
    rows = np.arange(len(attributes))
    ax.barh(rows, shares.values, color=[style.TOXIC_COLOR if a == "toxicity" else style.ATTRIBUTE_COLOR
                                        for a in attributes])
    for row, attribute in zip(rows, attributes):
        ax.text(shares[attribute] + 0.01, row, f"{shares[attribute]:.0%} (mean {scores[attribute].mean():.2f})",
                va="center", fontsize=style.SMALL_SIZE)
    ax.set_yticks(rows, [shorten(a.replace("_", " "), 18) for a in attributes])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.35)  # room for the labels right of a 100% bar
    share_axis(ax.xaxis)
    ax.set_title(title)


def stance_shares(ax: Axes, estimates: ArticleEstimates) -> None:
    """Expected share per stance (mean probability) with its 95% interval; the argmax count beside it."""
    n = estimates.stance_n
    if n == 0:
        no_data(ax, "Stance", "no stance scores (no target?)")
        return
    rows = np.arange(len(style.STANCE_ORDER))
    shares = [estimates.stance[s] for s in style.STANCE_ORDER]
    ax.barh(rows, [s.mean for s in shares], color=[style.STANCE_COLORS[s] for s in style.STANCE_ORDER])
    if shares[0].has_interval:
        ax.errorbar([s.mean for s in shares], rows,
                    xerr=[[s.mean - s.low for s in shares], [s.high - s.mean for s in shares]], **style.INTERVAL)
    for row, share in zip(rows, shares):
        end = share.high if share.has_interval else share.mean
        ax.text(end + 0.03, row, f"{interval_text(share)} · argmax {share.count}", va="center",
                fontsize=style.SMALL_SIZE)
    ax.set_yticks(rows, style.STANCE_ORDER)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.75)  # room for a label right of a 100% bar
    ax.spines["bottom"].set_bounds(0, 1)
    share_axis(ax.xaxis)
    ax.set_xlabel("mean probability, 95% interval" if shares[0].has_interval else "mean probability (1 comment)")
    ax.set_title(f"Stance toward the target (n={n})")


def stance_by_toxicity(ax: Axes, comments: pd.DataFrame, threshold: float) -> None:
    """Each comment's toxicity as a dot in its stance column, with the toxic share below each."""
    title = "Toxicity by stance"
    rows = comments.dropna(subset=["toxicity"])
    rows = rows[rows["_stance"].notna()]
    if rows.empty:
        no_data(ax, title, "no comments with both stance and toxicity")
        return
    jitter = np.random.default_rng(0)  # fixed seed: the same input draws the same page
    labels = []
    for column, stance in enumerate(style.STANCE_ORDER):
        group = rows.loc[rows["_stance"] == stance, "toxicity"]
        xs = column + jitter.uniform(-0.25, 0.25, len(group))
        ax.scatter(xs, group, s=8, alpha=0.6, color=style.STANCE_COLORS[stance], linewidths=0)
        toxic = int((group >= threshold).sum())
        labels.append(f"{stance}\n{percent(toxic, len(group))} toxic ({toxic}/{len(group)})")
    ax.axhline(threshold, **style.THRESHOLD_LINE)
    ax.set_xticks(range(len(style.STANCE_ORDER)), labels)
    ax.set_xlim(-0.5, len(style.STANCE_ORDER) - 0.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_yticks(UNIT_TICKS)
    ax.set_ylabel("toxicity score")
    ax.set_title(title)


def thread_depths(ax: Axes, comments: pd.DataFrame) -> None:
    """Comments per reply depth (top level first), toxic ones stacked on top."""
    depths = comments["_depth"]
    if comments.empty or depths.isna().all():
        no_data(ax, "Threads", "no thread structure in this source" if not comments.empty else "no comments")
        return
    pooled = depths.fillna(0).clip(upper=DEEPEST_DEPTH_BAR).astype(int)
    levels = np.arange(DEEPEST_DEPTH_BAR + 1)
    total = pooled.value_counts().reindex(levels, fill_value=0).to_numpy()
    toxic = pooled[comments["_toxic"]].value_counts().reindex(levels, fill_value=0).to_numpy()
    ax.bar(levels, total - toxic, color=style.NOT_TOXIC_COLOR, width=0.7)
    ax.bar(levels, toxic, bottom=total - toxic, color=style.TOXIC_COLOR, width=0.7)
    names = ["top level", "reply", *(f"depth {d}" for d in range(2, DEEPEST_DEPTH_BAR)), f"{DEEPEST_DEPTH_BAR}+"]
    ax.set_xticks(levels, names)
    count_axis(ax.yaxis)
    ax.set_ylabel("comments")
    top_level = int((pooled == 0).sum())
    ax.set_title(f"Threads: {top_level} top level, {len(pooled) - top_level} replies, "
                 f"deepest {int(depths.max())}")


def comments_over_time(ax: Axes, comments: pd.DataFrame) -> None:
    times = comments["_time"]
    dated = comments[times.notna()]
    if dated.empty:
        no_data(ax, "Comments over time", "no times in this source" if not comments.empty else "no comments")
        return
    numbers = mdates.date2num(dated["_time"].dt.tz_localize(None))
    bins = min(30, max(5, int(math.sqrt(len(numbers))) * 2))
    ax.hist([numbers[~dated["_toxic"].to_numpy()], numbers[dated["_toxic"].to_numpy()]], bins=bins, stacked=True,
            color=[style.NOT_TOXIC_COLOR, style.TOXIC_COLOR])
    locator = mdates.AutoDateLocator(minticks=2, maxticks=6)  # (2, 6) never runs out of intervals
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time (UTC)")
    count_axis(ax.yaxis)
    ax.set_ylabel("comments")
    ax.set_title(f"Comments over time ({len(dated)} of {len(comments)} dated)")


def commenter_concentration(ax: Axes, comments: pd.DataFrame) -> None:
    """A Lorenz-style curve: what share of the comments the most active share of authors wrote."""
    authors = comments["author"].dropna().astype(str)
    authors = authors[authors.str.strip() != ""]
    if authors.empty:
        no_data(ax, "Commenters", "no authors in this source" if not comments.empty else "no comments")
        return
    per_author = authors.value_counts().to_numpy()  # most active first
    author_share = np.arange(0, len(per_author) + 1) / len(per_author)
    comment_share = np.concatenate([[0], np.cumsum(per_author)]) / per_author.sum()
    top = max(1, math.ceil(0.1 * len(per_author)))
    top_share = per_author[:top].sum() / per_author.sum()
    ax.plot(author_share, comment_share, color=style.BLUE)
    ax.plot([0, 1], [0, 1], color=style.GREY, linestyle=":", linewidth=1, label="all equal")
    ax.axvline(top / len(per_author), color=style.ORANGE, linewidth=1, label=f"top {top} author(s)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    share_axis(ax.xaxis)
    share_axis(ax.yaxis)
    ax.set_xlabel("share of authors (most active first)")
    ax.set_ylabel("share of comments")
    ax.legend(loc="lower right")
    ax.set_title(f"Commenters: {len(per_author)} authors; top 10% wrote {top_share:.0%}")


def facts(ax: Axes, lines: list[tuple[str, str]]) -> None:
    """A two-column list of key figures, and the colour key every panel shares."""
    ax.set_axis_off()
    ax.set_title("At a glance")
    pitch = min(0.105, 1.0 / max(len(lines), 1))  # ten rows still end above the colour key
    for row, (label, value) in enumerate(lines):
        y = 1.0 - row * pitch
        ax.text(0.0, y, label, transform=ax.transAxes, va="top", color=style.MUTED_TEXT)
        ax.text(0.42, y, shorten(value, 40), transform=ax.transAxes, va="top")
    key = [Patch(color=style.NOT_TOXIC_COLOR, label="below threshold"),
           Patch(color=style.TOXIC_COLOR, label="toxic (at or above)"),
           Line2D([], [], label="threshold", **style.THRESHOLD_LINE),
           *(Patch(color=style.STANCE_COLORS[s], label=s) for s in style.STANCE_ORDER)]
    ax.legend(handles=key, loc="upper left", bbox_to_anchor=(0.0, -0.02), ncol=3, handlelength=1.2,
              columnspacing=1.0, borderaxespad=0)


def toxic_excerpts(ax: Axes, comments: pd.DataFrame, threshold: float, limit: int, width: int) -> None:
    """The most toxic comments at or above the threshold, shortened, under a content note."""
    ax.set_axis_off()
    ax.set_title("Most toxic comments")
    ax.text(0.0, 1.0, "Content note: reader comments the model scored as most toxic; they may contain offensive "
            "language. Excerpts are shortened.", transform=ax.transAxes, va="top", style="italic",
            color=style.MUTED_TEXT, fontsize=style.SMALL_SIZE)
    worst = comments[comments["toxicity"] >= threshold].nlargest(limit, "toxicity")
    if worst.empty:
        ax.text(0.5, 0.5, f"no comment at or above the threshold {threshold:.2f}", transform=ax.transAxes,
                ha="center", va="center", color=style.MUTED_TEXT, style="italic")
        return
    step = 0.88 / limit
    for row, (_, comment) in enumerate(worst.iterrows()):
        y = 0.88 - row * step
        stance = comment["_stance"] if isinstance(comment["_stance"], str) else "–"
        ax.text(0.0, y, f"{comment['toxicity']:.2f}", transform=ax.transAxes, va="top", weight="bold",
                color=style.TOXIC_COLOR)
        ax.text(0.06, y, stance, transform=ax.transAxes, va="top",
                color=style.STANCE_COLORS.get(stance, style.MUTED_TEXT))
        text = comment["text"]
        # the words that were scored: a reply's quote of what it answers would stand in for its own words
        excerpt = own_words(text)[0] if isinstance(text, str) else text
        ax.text(0.14, y, wrap(excerpt, width, 2) or "(no text)", transform=ax.transAxes, va="top",
                linespacing=1.15)
