"""The report stage: per-article PNG dashboards, one PDF per scores table and, when its articles come from
several dump files, one PDF per dump.

``build_report(scores, out_dir)`` reads the table written by ``score`` and its sidecars; the
look (A4 pages, Okabe–Ito colours, fonts) lives in ``style``, the panels in ``charts`` and the
page layouts in ``pages``.
"""

from __future__ import annotations

from analyzer.report.build import build_report

__all__ = ["build_report"]
