"""The report's look in one place: page size, palette, fonts and matplotlib settings.

Colours come from the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness. Stance and toxicity keep the same colour on every page, so a reader learns them
once. Fonts: DejaVu Sans (shipped with matplotlib) covers Latin, Greek, Cyrillic, Hebrew, Arabic
and many symbols; installed CJK fonts are appended as fallbacks when present. Characters that no
available font has are replaced before drawing (see ``displayable``), so a missing glyph never
raises, warns per character, or differs between the PNG and the PDF.
"""

from __future__ import annotations

import functools
from typing import Any

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

#: A4 portrait in inches.
A4_PORTRAIT = (8.27, 11.69)
#: Resolution of the PNG dashboards (the PDF is vector).
PNG_DPI = 110

# Okabe–Ito colours, named.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

#: Fixed across all pages: favor / against / none.
STANCE_COLORS = {"favor": BLUISH_GREEN, "against": VERMILLION, "none": GREY}
STANCE_ORDER = ("favor", "against", "none")
#: Comments at or above the toxicity threshold, and below it.
TOXIC_COLOR = REDDISH_PURPLE
NOT_TOXIC_COLOR = SKY_BLUE
ATTRIBUTE_COLOR = BLUE
THRESHOLD_LINE = {"color": BLACK, "linestyle": "--", "linewidth": 1.0}
#: Whiskers of a 95% interval (``Axes.errorbar`` settings), on every page the same.
INTERVAL = {"fmt": "none", "ecolor": BLACK, "elinewidth": 0.9, "capsize": 2.0, "capthick": 0.9}
MUTED_TEXT = "#555555"

#: Font sizes in points.
TITLE_SIZE = 13
HEADER_SIZE = 8.5
PANEL_TITLE_SIZE = 9
BODY_SIZE = 7.5
SMALL_SIZE = 6.5

#: Tried in order after DejaVu Sans; only those installed are used.
_FALLBACK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans",
)
PRIMARY_FAMILY = "DejaVu Sans"
#: Drawn in place of a character no available font can show.
MISSING_GLYPH = "\N{WHITE SQUARE}"


@functools.cache
def font_families() -> tuple[str, ...]:
    """DejaVu Sans first, then whichever fallback families matplotlib knows on this machine."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return (PRIMARY_FAMILY, *(family for family in _FALLBACK_FAMILIES if family in installed))


@functools.cache
def _covered_codepoints() -> frozenset[int]:
    """Every code point some font in ``font_families()`` has a glyph for (read once per process)."""
    covered: set[int] = set()
    for family in font_families():
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def displayable(text: str) -> str:
    """``text`` with characters no available font can draw replaced by a white square."""
    covered = _covered_codepoints()
    return "".join(ch if ch in "\n\t" or ord(ch) in covered else MISSING_GLYPH for ch in text)


def rc_params() -> dict[str, Any]:
    """matplotlib settings for every report figure (applied with ``matplotlib.rc_context``)."""
    return {
        "font.family": list(font_families()),
        "font.size": BODY_SIZE,
        "axes.titlesize": PANEL_TITLE_SIZE,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        # A fixed title height: the automatic one measures every axis on every draw, which
        # costs more than drawing the panel itself. No panel has ticks on top to dodge.
        "axes.titley": 1.0,
        "axes.titlepad": 5.0,
        "axes.labelsize": BODY_SIZE,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": MUTED_TEXT,
        "xtick.labelsize": SMALL_SIZE,
        "ytick.labelsize": SMALL_SIZE,
        "legend.fontsize": SMALL_SIZE,
        "legend.frameon": False,
        # User text (titles, comments) may contain "$"; it must never be read as mathtext.
        "text.parse_math": False,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        # TrueType (subset) fonts keep PDF text selectable and the files small.
        "pdf.fonttype": 42,
    }
