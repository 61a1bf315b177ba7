"""Defaults in one place: every option the CLI and the public API share has its home here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How readers interpret tabular input (CSV / JSONL / JSON arrays / Parquet) and text encodings.

    Each ``*_column`` names the field holding that part of a comment; ``None`` means "guess from
    the usual names" (see ``analyzer.readers.tabular``).
    """

    text_column: str | None = None
    article_column: str | None = None
    id_column: str | None = None
    parent_column: str | None = None
    author_column: str | None = None
    time_column: str | None = None
    title_column: str | None = None
    target_column: str | None = None
    #: The encoding of a file whose bytes are not UTF-8 (nor valid in the encoding it declares). None: the one its
    #: bytes suggest, cp1252 unless they read as another script (``readers._common.legacy_encoding``).
    fallback_encoding: str | None = None


#: Where ``python -m analyzer run`` and the README's first command write their output.
DEFAULT_REPORTS_DIR = "reports"


# --- score / run -------------------------------------------------------------------------------


#: The ways to run a model: float in torch, float in ONNX Runtime (torch's scores to ~1e-5), int8 in
#: ONNX Runtime (``analyzer._onnx``); ``ScoreOptions.backend`` "auto" picks one for the device.
BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass(frozen=True, kw_only=True)
class FloatRecheck:
    """Where the int8 backend scores a comment again with the float network: where int8's rounding could
    move a decision the report counts. int8's scores differ from float's by about 0.007 on average but
    by up to 0.26 on a few comments, so a label near a decision line flips now and then, and on a set
    with few favor comments three flips moved macro-F1 by 0.013 (``reports/experiments.md``).

    Each band is the 95th percentile of how far int8 moved that quantity from float on the int8 graph's
    own calibration text (``analyzer/data``), rounded up."""

    #: Stance: the top two calibrated probabilities are closer than this (a comment with a target).
    stance_margin: float = 0.04
    #: Toxicity: the calibrated ``toxicity`` is within this many logits of the model's threshold.
    toxicity_logit_band: float = 0.05


#: Where ``score`` and ``run`` score: "local" in this process, "ray" on a pool of Ray actors
#: (``analyzer._ray``; the ``ray`` extra), with the same chunks, rows, order and scores.
ENGINES = ("local", "ray")


@dataclass(frozen=True, kw_only=True)
class LanguageCheck:
    """Which comments are confidently in a language the model does not read (``analyzer._language``): they
    keep their row with blank scores and a reject naming the language, since an English model's scores of
    German or French text are noise, not a measurement.

    Measured with py3langid (``python -m eval.language_check``, ``reports/eval/language-check/report.md``)
    on 42,000 comments of nine English sources in ../shared: it leaves 0–0.3% of each source unscored
    (Impermium 1.0%), nearly all of them really written in another language (Spanish, Italian, Swedish,
    Polish, Russian, Korean …). The mistakes seen were a few mixed comments: an English sentence around a
    quote, or transliterated words, in another language. English slang and dialect, which the identifier
    ranks as Nigerian Pidgin with English a close second, are scored. It catches 80 of 82 German reader
    comments; the two it misses are a few words long."""

    #: ISO 639-1 codes of the languages the model reads.
    languages: tuple[str, ...] = ("en",)
    #: A comment is in another language when the identifier gives the model's languages together at most this ...
    max_own_probability: float = 0.001
    #: ... and the comment has at least this many words: a word or two says little about a language.
    min_words: int = 3


@dataclass(frozen=True, kw_only=True)
class ScoreOptions:
    """How ``score`` feeds comments to the model and where it gets each comment's stance target."""

    #: Comments scored and appended to the part file at a time: memory stays flat however big the dump.
    chunk_size: int = 2000
    #: Windows per forward pass. Batches are length-sorted; on this project's 2-core CPU, with the
    #: benchmark's comment mix, 16 / 32 / 64 gave 33 / 31 / 29 comments per CPU-second in float, and
    #: 8 / 16 / 32 / 64 gave 115 / 117 / 110 / 103 comments/s in int8: less padding per batch.
    batch_size: int = 16
    #: "auto": ONNX Runtime int8 on CPU (~2× torch's speed, comments near a decision line scored again
    #: in float: ``FloatRecheck``; what it costs against float on every gate check:
    #: reports/benchmarks/speed.md), torch on a GPU. "onnx" runs the
    #: float model in ONNX Runtime (torch's scores to ~1e-5), "torch" in torch.
    backend: str = "auto"
    #: Longer comments are scored on their first this-many characters (the model windows those);
    #: the full text still goes into the table. About 3,500 words, some 25 windows of 256 tokens.
    max_scored_chars: int = 20_000
    #: A text with more than this share of control or undecodable characters is not text: rejected.
    max_junk_share: float = 0.2
    #: A title-derived target keeps at most this many words.
    target_max_words: int = 8
    #: Comments confidently in another language are left unscored; None scores every comment.
    language_check: LanguageCheck | None = LanguageCheck()
    #: "local" or "ray" (``ENGINES``). Ray scores the same chunks of ``chunk_size`` comments with the same
    #: code, one chunk per actor call, so its table equals a local run's whatever the number of actors.
    engine: str = "local"
    #: Ray: the cluster to join ("auto", "HOST:PORT", "ray://…"); None: $RAY_ADDRESS, else a local cluster
    #: started for the run and stopped after it.
    ray_address: str | None = None
    #: Ray: scoring actors, each loading the model once; None: as many as the cluster's GPUs (with GPU
    #: actors) or CPUs (``worker_cpus`` each) fit.
    concurrency: int | None = None
    #: Ray: GPUs per actor; None: 1 when the cluster has GPUs, else 0 (CPU actors). A GPU actor runs
    #: torch, as "auto" does on a GPU.
    num_gpus: float | None = None
    #: Ray: CPUs each actor reserves, and its torch / ONNX Runtime threads.
    worker_cpus: int = 1

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")


# --- eval -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EvalOptions:
    """How ``eval`` reads a labeled file and which rows and numbers it reports.

    Column names mean the same as ``train``'s options; ``None`` guesses from the usual names
    (see ``analyzer.evaluation.loading``).
    """

    text_column: str | None = None
    label_column: str | None = None
    target_column: str | None = None
    group_column: str | None = None
    #: Stance: the column holding what each row answers (an article title, a parent comment's opening).
    context_column: str | None = None
    #: Graded toxicity labels: a row is positive when its label is >= this (C3 crowd level: 2).
    positive_threshold: float | None = None
    #: Graded toxicity labels: also report ROC-AUC with the positives at label >= each of these cut-offs
    #: (the headline stays at ``positive_threshold``): where does the ranking fail, borderline or clear cases?
    cutoffs: tuple[float, ...] = ()
    #: Raw label → favor/against/none (stance) or 0/1 (toxicity), e.g. VAST's {"0": "against", ...}.
    label_map: dict[str, str] | None = None
    #: One target phrase for every row (stance on a file without a target column).
    target: str | None = None
    #: "all", or "validation": only rows whose group is in the fixed validation split
    #: (``analyzer.splits.is_validation``); baseline training rows then exclude those groups.
    split: str = "all"
    #: Keep only rows where column == value (e.g. VAST's zero-shot rows: ("seen?", "0")).
    where: tuple[tuple[str, str], ...] = ()
    #: Evaluate a fixed-seed random subset of this many rows (None: all rows).
    sample: int | None = None
    seed: int = 0
    bootstrap_resamples: int = 1000
    #: "group": each bootstrap draw takes a whole group (article) with all its rows, as the rows of one
    #: article are not independent; "row": single rows. Rows without a group column are always drawn singly.
    bootstrap_unit: str = "group"
    confidence: float = 0.95
    calibration_bins: int = 10
    batch_size: int = 32

    def __post_init__(self) -> None:
        if self.cutoffs and self.positive_threshold is None:
            raise ValueError("cutoffs (--cutoffs) need graded labels: set positive_threshold (--positive-threshold) too")


#: ``eval`` writes reports/eval/<name>/ unless given -o.
EVAL_REPORTS_DIR = "reports/eval"
