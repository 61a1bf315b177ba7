"""Read a scores table and its sidecars into what the report pages draw.

The table is written by ``score`` (CSV, JSONL or Parquet; see ``analyzer.records``). The
sidecars add articles with no comments and the model's metadata; without them the report derives
what it can from the table and says "unknown" for the rest.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer._tables import from_spreadsheet
from analyzer.records import INTEGER_ID_COLUMNS, SCORE_ID_COLUMNS, STANCE_COLUMNS, scores_sidecars
from analyzer.report.estimates import ArticleEstimates, CalibrationSpread, estimate_article
from analyzer.report.style import STANCE_ORDER

UNKNOWN = "unknown"
#: Used when the metadata sidecar is missing: the usual cut-off for "toxic" in the literature.
FALLBACK_THRESHOLD = 0.5
#: One row per article: shares by argmax and by probability, with intervals.
SHARES_FILE = "article_shares.csv"
#: Read as text from CSV, so that ids like "007" and comments like "NA" survive as written.
_TEXT_COLUMNS = tuple(c for c in SCORE_ID_COLUMNS if c not in INTEGER_ID_COLUMNS)


@dataclass(frozen=True)
class RunInfo:
    """What the metadata sidecar says about the scoring run (``UNKNOWN`` where it is silent)."""

    model_name: str = UNKNOWN
    model_version: str = UNKNOWN
    threshold: float = FALLBACK_THRESHOLD
    threshold_known: bool = False
    target_method: str = UNKNOWN
    created_at: str = UNKNOWN
    inputs: tuple[str, ...] = ()
    #: Which calibration made the toxicity probabilities, in words (``calibration_phrase``).
    calibration: str = UNKNOWN
    #: Its bootstrap refits, when it kept them: the toxic shares' intervals then include them.
    spread: CalibrationSpread | None = None
    #: Comments left unscored as written in a language the model does not read, by language code.
    other_languages: dict[str, int] = field(default_factory=dict)
    #: ``score --max-tokens``: the model read each comment's first this-many tokens only (None: all of it).
    max_tokens: int | None = None


@dataclass
class ArticleScores:
    """One article's record fields and its scored comments (one row each, ``kind == comment`` only, spam left out).

    ``found`` counts every row the table has for the article, pingbacks and spam included;
    ``other_kinds`` how many of them are not comments and ``spam`` how many are spam, which so stay out of the
    charts and shares: neither is a reader's position.
    """

    id: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    source_file: str | None = None
    format: str | None = None
    declared: int | None = None
    missing: int | None = None
    target: str | None = None
    #: Where the target came from ("option", "title", "targets_file", "row"), when ``score`` says.
    target_source: str | None = None
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)
    found: int = 0
    other_kinds: int = 0
    spam: int = 0
    #: Probability-based stance and toxic shares with their intervals (see ``estimates``), set by ``load``.
    estimates: ArticleEstimates = field(default_factory=lambda: estimate_article(pd.DataFrame(), FALLBACK_THRESHOLD))


@dataclass
class ReportData:
    run: RunInfo
    attributes: tuple[str, ...]
    #: Every article chosen, in sidecar order: ``article_shares.csv`` has a row for each.
    listed: list[ArticleScores]
    total_articles: int
    #: Articles per dump file before ``--max-articles`` chose (None: articles no dump file is known for).
    totals_by_source: dict[str | None, int] = field(default_factory=dict)
    #: False for one dump's part of a run (``of_source``): the run's own counts are then the whole run's.
    whole_run: bool = True

    def of_source(self, source: str | None) -> ReportData:
        """The report of one dump file's articles."""
        listed = [a for a in self.listed if a.source_file == source]
        return replace(self, listed=listed, total_articles=self.totals_by_source.get(source, len(listed)),
                       totals_by_source={source: self.totals_by_source.get(source, len(listed))}, whole_run=False)

    @property
    def sources(self) -> list[str | None]:
        """The dump files the listed articles came from, in report order."""
        return list(dict.fromkeys(a.source_file for a in self.listed))

    @property
    def articles(self) -> list[ArticleScores]:
        """The articles with a page and a summary row: those with comments, or whose source says it had some.
        A blog's export lists every post, most often without a comment; a page of empty charts for each
        would bury the rest."""
        return [a for a in self.listed if a.found or a.declared]

    @property
    def without_comments(self) -> int:
        return len(self.listed) - len(self.articles)


def read_table(path: Path) -> pd.DataFrame:
    """The scores table, by suffix; ids and text stay strings (no "NA" → NaN surprises in text). ValueError
    naming the file when it cannot be read as one."""
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if ".csv" in suffixes:
            present = set(pd.read_csv(path, nrows=0).columns)
            dtypes = {c: str for c in _TEXT_COLUMNS if c in present}
            return from_spreadsheet(pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""]))
        if ".jsonl" in suffixes or ".json" in suffixes:
            return pd.read_json(path, lines=".jsonl" in suffixes, dtype=False)
        if ".parquet" in suffixes or ".pq" in suffixes:
            return pd.read_parquet(path)
    except ValueError as error:  # pandas' and pyarrow's parse errors (an empty file, a broken row) are ValueErrors
        raise ValueError(f"{path}: not a readable scores table: {error}") from None
    raise ValueError(f"{path}: unknown scores table type; expected .csv, .jsonl or .parquet")


def attribute_columns(table: pd.DataFrame) -> tuple[str, ...]:
    """Numeric columns between ``kind`` and ``stance``: ``toxicity`` and the model's attributes."""
    columns = list(table.columns)
    start = columns.index("kind") + 1 if "kind" in columns else 0
    end = columns.index("stance") if "stance" in columns else len(columns)
    known = set(SCORE_ID_COLUMNS) | set(STANCE_COLUMNS)
    found = [
        c for c in columns[start:end] if c not in known and pd.api.types.is_numeric_dtype(table[c])
    ]
    return tuple(sorted(found, key=lambda c: c != "toxicity"))  # toxicity first, others in table order


def _normalise(table: pd.DataFrame, path: Path, threshold: float) -> pd.DataFrame:
    """Add the derived columns every chart uses: ``_time``, ``_depth``, ``_stance``, ``_toxic``."""
    if "article_id" not in table.columns or "toxicity" not in table.columns:
        raise ValueError(f"{path}: a scores table needs the columns article_id and toxicity")
    table = table.copy()
    table["article_id"] = table["article_id"].astype(str)
    table["toxicity"] = _numbers(table["toxicity"], path, "toxicity")
    times = table["time"] if "time" in table.columns else pd.Series(None, index=table.index, dtype=object)
    table["_time"] = pd.to_datetime(times, utc=True, errors="coerce", format="ISO8601")
    depths = table["depth"] if "depth" in table.columns else pd.Series(None, index=table.index, dtype=float)
    table["_depth"] = pd.to_numeric(depths, errors="coerce")
    table["_stance"] = _stance_labels(table)
    table["_toxic"] = table["toxicity"] >= threshold
    if "author" not in table.columns:
        table["author"] = None
    if "text" not in table.columns:
        table["text"] = ""
    return table


def _numbers(column: pd.Series, path: Path, name: str) -> pd.Series:
    """A score column as numbers; blank cells (unscored comments) are NaN, any other text is an error naming
    its first row, since counting it as unscored would change every share without a word."""
    numbers = pd.to_numeric(column, errors="coerce")
    wrong = numbers.isna() & column.notna()
    if wrong.any():
        first = int(wrong.to_numpy().argmax())
        raise ValueError(f"{path}: {name} is not a number in {int(wrong.sum())} row(s), the first data row "
                         f"{first + 1} ({column.iloc[first]!r})")
    return numbers


def _stance_labels(table: pd.DataFrame) -> pd.Series:
    """favor / against / none per row; from the probabilities when the label column is absent."""
    if "stance" in table.columns:
        labels = table["stance"].astype("string").str.strip().str.lower()
        return labels.where(labels.isin(STANCE_ORDER))
    probability_columns = [f"stance_{s}" for s in STANCE_ORDER]
    if all(c in table.columns for c in probability_columns):
        probabilities = table[probability_columns].apply(pd.to_numeric, errors="coerce")
        best = probabilities.idxmax(axis=1, skipna=True).str.removeprefix("stance_")
        return best.where(probabilities.notna().any(axis=1))
    return pd.Series(pd.NA, index=table.index, dtype="string")


def calibration_phrase(record: dict[str, Any]) -> str:
    """What the scores' toxicity calibration was fitted on, in a few words."""
    kind = record.get("kind")
    if kind == "site":
        files = ", ".join(Path(str(f.get("path", ""))).name for f in record.get("fitted_on", [])) or "labeled rows"
        from analyzer.calibration import MIX

        form = f" ({MIX})" if record.get("form") == MIX else ""
        return f"site{form}: {record.get('rows')} labeled comments of {files} ({str(record.get('created_at', ''))[:10]})"
    if kind == "training":
        return f"as trained ({record.get('rows')} validation comments)"
    return "as shipped (see the model card)"


def _read_run_info(meta_path: Path) -> RunInfo:
    if not meta_path.is_file():
        return RunInfo()
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    # ``score`` nests the model's fields under "model"; flat "model_name" keys are read too.
    model = meta["model"] if isinstance(meta.get("model"), dict) else {}
    threshold = model.get("toxicity_threshold", meta.get("toxicity_threshold"))
    calibration = model.get("calibration") if isinstance(model.get("calibration"), dict) else {}
    inputs = meta.get("inputs") or ()
    counts = meta.get("counts") if isinstance(meta.get("counts"), dict) else {}
    other_languages = counts.get("other_languages") if isinstance(counts.get("other_languages"), dict) else {}
    return RunInfo(
        model_name=str(model.get("name") or meta.get("model_name") or UNKNOWN),
        model_version=str(model.get("version") or meta.get("model_version") or UNKNOWN),
        threshold=float(threshold) if threshold is not None else FALLBACK_THRESHOLD,
        threshold_known=threshold is not None,
        target_method=str(meta.get("target_method") or UNKNOWN),
        created_at=str(meta.get("created_at") or UNKNOWN),
        inputs=tuple(str(i) for i in (inputs if isinstance(inputs, list) else [inputs])),
        calibration=calibration_phrase(calibration),
        spread=CalibrationSpread.from_record(calibration),
        other_languages={str(code): int(n) for code, n in other_languages.items()},
        max_tokens=int(model["max_tokens"]) if isinstance(model.get("max_tokens"), int) else None,
    )


def _read_article_records(articles_path: Path) -> list[dict[str, Any]]:
    if not articles_path.is_file():
        return []
    records = []
    with articles_path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{articles_path}: line {number}: not JSON ({error})") from error
    return records


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not pd.isna(value) else None
    except (TypeError, ValueError):
        return None


def _most_common(values: pd.Series) -> str | None:
    present = values.dropna().astype(str)
    present = present[present.str.strip() != ""]
    return present.mode().iat[0] if not present.empty else None


def _article_from(record: dict[str, Any], rows: pd.DataFrame, run: RunInfo) -> ArticleScores:
    comments = rows[rows["kind"].fillna("comment").eq("comment")] if "kind" in rows.columns else rows
    spam = comments["status"].eq("spam") if "status" in comments.columns else pd.Series(False, index=comments.index)
    target = record.get("target") or (_most_common(rows["target"]) if "target" in rows.columns else None)
    return ArticleScores(
        id=str(record["id"]),
        title=record.get("title"),
        url=record.get("url"),
        date=record.get("date"),
        source_file=record.get("source_file"),
        format=record.get("format"),
        declared=_int_or_none(record.get("declared_comment_count")),
        missing=_int_or_none(record.get("missing_comment_count")),
        target=target,
        target_source=record.get("target_source"),
        comments=comments[~spam],
        found=len(rows),
        other_kinds=len(rows) - len(comments),
        spam=int(spam.sum()),
        estimates=estimate_article(comments[~spam], run.threshold, run.spread),
    )


def load(scores_path: str | Path, max_articles: int | None = None) -> ReportData:
    """Everything the report needs, articles in sidecar order (then any only the table knows)."""
    path = Path(scores_path)
    articles_path, meta_path = scores_sidecars(path)
    run = _read_run_info(meta_path)
    table = _normalise(read_table(path), path, run.threshold)
    records = [r for r in _read_article_records(articles_path) if r.get("id") is not None]
    listed = {str(r["id"]) for r in records}
    records += [{"id": a} for a in table["article_id"].drop_duplicates() if a not in listed]
    groups = dict(iter(table.groupby("article_id", sort=False)))
    empty = table.iloc[0:0]
    chosen = records if max_articles is None else records[:max_articles]
    articles = [_article_from(r, groups.get(str(r["id"]), empty), run) for r in chosen]
    return ReportData(run=run, attributes=attribute_columns(table), listed=articles, total_articles=len(records),
                      totals_by_source=dict(Counter(r.get("source_file") for r in records)))
