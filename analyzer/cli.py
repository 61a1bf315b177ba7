"""The command line: parse, call the public API, set the exit code. No logic lives here.

Exit codes: 0 all went through; 1 some input was bad (named on stderr, the rest still processed);
2 the command line itself was wrong.
"""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.config import EvalOptions, FloatRecheck, LanguageCheck, ReadOptions

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input", "how dump files are read (format is detected from content)")
    group.add_argument("--format", dest="fmt", default=None, help="force a reader (see `analyzer formats`)")
    group.add_argument("--text-column", help="tabular input: the column holding the comment text")
    group.add_argument("--article-column", help="tabular input: the column grouping comments into articles")
    group.add_argument("--id-column", help="tabular input: the comment id column")
    group.add_argument("--parent-column", help="tabular input: the parent comment id column")
    group.add_argument("--author-column", help="tabular input: the author column")
    group.add_argument("--time-column", help="tabular input: the time column")
    group.add_argument("--title-column", help="tabular input: the article title column")
    group.add_argument("--encoding", type=_encoding, default=None,
                       help="the encoding of files that are not UTF-8, e.g. cp1250, cp1251, shift_jis (default: "
                            "guessed from their bytes: cp1252 unless they read as another script)")


def _encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {name!r}") from None


def read_options_from(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(
        text_column=args.text_column,
        article_column=args.article_column,
        id_column=args.id_column,
        parent_column=args.parent_column,
        author_column=args.author_column,
        time_column=args.time_column,
        title_column=args.title_column,
        target_column=getattr(args, "target_column", None),
        fallback_encoding=args.encoding,
    )


def _report_rejects(rejects: Sequence[Any], output: str) -> None:
    """Write (or clear) the rejects file beside ``output`` and say where it is."""
    from analyzer.records import rejects_path_for, write_rejects

    if path := write_rejects(rejects, rejects_path_for(output)):
        print(f"{len(rejects)} rejected item(s) with reasons in {path}", file=sys.stderr)


# --- split -----------------------------------------------------------------------------------

_INPUTS_HELP = ("dump files in any supported format (gzip, bzip2, xz or zstandard compressed too), or folders or zip "
                "archives of them")


def _add_split_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("split", help="dump files → articles with comment threads (JSONL)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=_INPUTS_HELP)
    parser.add_argument("-o", "--output", required=True, help="output JSONL, or - for stdout")
    _add_read_options(parser)
    parser.set_defaults(handler=_cmd_split)


def _cmd_split(args: argparse.Namespace) -> int:
    from analyzer.records import refuse_outputs_over_inputs, rejects_path_for, write_articles
    from analyzer.splitting import articles_of, input_files, rejects_of, split

    try:
        refuse_outputs_over_inputs(input_files(args.inputs), [args.output, rejects_path_for(args.output)])
        outcomes = list(split(args.inputs, args.fmt, read_options_from(args)))
        for outcome in outcomes:
            print(outcome.summary(), file=sys.stderr)
        write_articles(articles_of(outcomes), args.output)
        _report_rejects(rejects_of(outcomes), args.output)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT if any(o.error or o.result.rejects for o in outcomes) else EXIT_OK


# --- formats ---------------------------------------------------------------------------------


def _add_formats_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("formats", help="list the readers and what they read")
    parser.set_defaults(handler=_cmd_formats)


def _cmd_formats(args: argparse.Namespace) -> int:
    from analyzer.readers import readers

    for name, reader in sorted(readers().items()):
        print(f"{name:16} {reader.description}")
    return EXIT_OK


# --- score / run / report / train / eval: each section below belongs to its stage -------------


# --- score / run -------------------------------------------------------------------------------

if TYPE_CHECKING:  # torch loads only when a scoring command runs
    from analyzer.config import ScoreOptions
    from analyzer.model import Model
    from analyzer.targets import TargetPolicy


def _add_backend_option(group: argparse._ArgumentGroup) -> None:
    from analyzer.config import BACKENDS, ScoreOptions

    group.add_argument("--backend", choices=("auto", *BACKENDS), default=ScoreOptions.backend,
                       help="auto (the default everywhere, load_model() included): ONNX Runtime int8 on CPU "
                            "(comments near a decision line scored again in float; what int8 costs on the gate's "
                            "metrics: reports/benchmarks/speed.md), torch on a GPU; onnx: float in ONNX Runtime; "
                            "torch: float in torch")
    group.add_argument("--no-float-recheck", dest="float_recheck", action="store_false",
                       help="int8: do not score the comments near a decision line again in float (about 15%% faster "
                            "on real news comments; a few stance labels and toxic flags then differ from float's)")


def _add_max_tokens_option(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--max-tokens", type=int, metavar="N",
                       help="read each comment's first N tokens only (target and context included; 64 to 256) "
                            "and leave the rest unread: about 1.5x faster on long news comments at N=128, for a "
                            "small loss measured in reports/benchmarks/max-tokens.md (default: every comment whole)")


def _float_recheck(args: argparse.Namespace) -> FloatRecheck | None:
    """The int8 recheck bands ``--no-float-recheck`` leaves on or turns off."""
    return FloatRecheck() if args.float_recheck else None


def _add_scoring_options(parser: argparse.ArgumentParser) -> None:
    from analyzer.config import ScoreOptions

    defaults = ScoreOptions()
    group = parser.add_argument_group("scoring")
    group.add_argument("--model", metavar="DIR", help="a fine-tuned checkpoint folder (default: the shipped model)")
    group.add_argument("--target", help="one stance target for every comment, e.g. \"the new bike lanes\"")
    group.add_argument("--targets", metavar="FILE", help="CSV (article_id,target) or JSON mapping article id → target")
    group.add_argument("--target-column", help="tabular input: a per-row target column (wins over everything)")
    group.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 …")
    group.add_argument("--threads", type=int, help="CPU threads for torch and ONNX Runtime (default: torch's choice)")
    group.add_argument("--batch-size", type=int, default=defaults.batch_size,
                       help="token windows per forward pass")
    group.add_argument("--chunk-size", type=int, default=defaults.chunk_size, help="comments scored per saved chunk")
    _add_backend_option(group)
    _add_max_tokens_option(group)
    group.add_argument("--languages", default=",".join(defaults.language_check.languages), metavar="CODES",
                       help="languages the model reads, comma-separated ISO 639-1 codes (default: %(default)s); "
                            "comments confidently in another are left unscored, with a reject each; "
                            "'any' scores every comment")
    group.add_argument("--resume", action="store_true", help="keep comments already scored by an interrupted run")
    group.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _add_engine_options(parser, defaults)


def _add_engine_options(parser: argparse.ArgumentParser, defaults: ScoreOptions) -> None:
    from analyzer.config import ENGINES

    group = parser.add_argument_group(
        "distributed scoring", "score on a Ray cluster: the same table as a local run (pip install "
        "'comment-analyzer[ray]'); on several machines, write the output to storage they all see")
    group.add_argument("--engine", choices=ENGINES, default=defaults.engine,
                       help="local: in this process; ray: the same chunks on a pool of Ray actors, one model each")
    group.add_argument("--ray-address", metavar="ADDRESS",
                       help="the Ray cluster to join (default: $RAY_ADDRESS, else a local one for this run)")
    group.add_argument("--concurrency", type=int, metavar="N",
                       help="Ray actors (default: as many as the cluster's GPUs or CPUs fit)")
    group.add_argument("--num-gpus", type=float, metavar="G",
                       help="GPUs per Ray actor (default: 1 when the cluster has GPUs, else 0)")
    group.add_argument("--worker-cpus", type=int, default=defaults.worker_cpus, metavar="N",
                       help="CPUs (threads) per Ray actor")


def _language_check(languages: str) -> LanguageCheck | None:
    """``--languages``: "any" (no check) or the comma-separated codes the model reads."""
    codes = tuple(code.strip().lower() for code in languages.split(",") if code.strip())
    return None if codes == ("any",) else LanguageCheck(languages=codes or LanguageCheck().languages)


def _scoring_setup(args: argparse.Namespace) -> tuple[Model, TargetPolicy, ScoreOptions]:
    """Load the model and the target policy; raises ModelError / ValueError with a message for the user."""
    # Idle OpenMP threads sleep instead of spinning (unless the user chose otherwise): on a machine
    # busy with other work, spinning made two-thread scoring several times slower than one thread.
    # Read once when torch loads, which is just below.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from analyzer.config import ScoreOptions
    from analyzer.model import load_model
    from analyzer.targets import TargetPolicy, load_targets_file

    options = ScoreOptions(
        batch_size=args.batch_size, chunk_size=args.chunk_size, backend=args.backend, engine=args.engine,
        ray_address=args.ray_address, concurrency=args.concurrency, num_gpus=args.num_gpus,
        worker_cpus=args.worker_cpus, language_check=_language_check(args.languages),
    )
    by_article = load_targets_file(args.targets) if args.targets else None
    policy = TargetPolicy(
        fixed=args.target, by_article=by_article, max_words=options.target_max_words,
        row_column=args.target_column or "target",
    )
    device = None if args.device == "auto" else args.device
    model = load_model(args.model, device=device, threads=args.threads, backend=options.backend,
                       float_recheck=_float_recheck(args), max_tokens=args.max_tokens)
    return model, policy, options


def _add_score_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("score", help="comments → toxicity and stance scores (CSV / JSONL / Parquet)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="dumps, split JSONL, tables with a text column, or folders of them")
    parser.add_argument("-o", "--output", required=True, help="the scores table: .csv, .jsonl or .parquet")
    _add_read_options(parser)
    _add_scoring_options(parser)
    parser.set_defaults(handler=_cmd_score)


def _call_scoring_stage(args: argparse.Namespace, stage: Callable[..., Any]) -> Any:
    """Load the model and target policy, then call ``score`` or ``run`` with the shared options.

    Returns the stage's summary, or None after printing why the run could not start.
    """
    from analyzer.model import ModelError
    from analyzer.scoring import ScoreError

    try:
        model, policy, options = _scoring_setup(args)
        return stage(
            args.inputs, args.output, model=model, fmt=args.fmt, read_options=read_options_from(args),
            targets=policy, options=options, resume=args.resume, progress=not args.no_progress,
        )
    except (ModelError, ScoreError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def _cmd_score(args: argparse.Namespace) -> int:
    from analyzer.scoring import score

    summary = _call_scoring_stage(args, score)
    if summary is None:
        return EXIT_BAD_INPUT
    print("\n".join(summary.lines()), file=sys.stderr)
    _report_rejects(summary.rejects, args.output)
    return EXIT_BAD_INPUT if summary.errors else EXIT_OK


def _add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    from analyzer.config import DEFAULT_REPORTS_DIR

    parser = subparsers.add_parser("run", help="split → score → report in one go")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=_INPUTS_HELP)
    parser.add_argument("-o", "--output", default=DEFAULT_REPORTS_DIR, metavar="DIR", help="output folder")
    _add_read_options(parser)
    _add_scoring_options(parser)
    parser.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from analyzer.pipeline import run

    result = _call_scoring_stage(args, run)
    if result is None:
        return EXIT_BAD_INPUT
    print("\n".join(result.split_lines + result.score.lines()), file=sys.stderr)
    if result.rejects_path:
        print(f"{len(result.score.rejects)} rejected item(s) with reasons in {result.rejects_path}", file=sys.stderr)
    print(f"articles: {result.articles_path}; scores: {', '.join(map(str, result.tables))}", file=sys.stderr)
    print(_report_line(result.report_files), file=sys.stderr)
    return EXIT_BAD_INPUT if result.had_bad_input else EXIT_OK


# --- report ------------------------------------------------------------------------------------


def _add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="scores table → report.pdf, summary.png and a PNG per article")
    parser.add_argument("scores", metavar="SCORES", help="the table written by `score` (.csv, .jsonl or .parquet)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--max-articles", type=int, metavar="N", help="report only the first N articles")
    parser.set_defaults(handler=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from analyzer.report import build_report

    try:
        paths = build_report(args.scores, args.output, max_articles=args.max_articles)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(_report_line(paths), file=sys.stderr)
    return EXIT_OK


def _report_line(paths: Sequence[Path]) -> str:
    """Where the report went, in one line however many articles it has (a PNG each)."""
    pages = sum(path.parent.name == "articles" for path in paths)
    dumps = sum(path.parent.name == "dumps" for path in paths)
    return (f"report: {paths[0]} ({pages} article page(s)); PNGs and article_shares.csv in {paths[0].parent}"
            + (f"; a PDF for each of the {dumps} dumps in {paths[0].parent / 'dumps'}" if dumps else ""))


# --- eval --------------------------------------------------------------------------------------


def _add_eval_parser(subparsers: argparse._SubParsersAction) -> None:
    defaults = EvalOptions()
    parser = subparsers.add_parser(
        "eval", help="a checkpoint on labeled data → metrics JSON, Markdown report, charts",
        description="Evaluate a checkpoint on labeled rows (CSV / JSONL / Parquet) with bootstrap intervals, "
        "optional baselines and a per-article / per-target breakdown.",
    )
    parser.add_argument("--task", required=True, choices=("toxicity", "stance"))
    parser.add_argument("--data", required=True, nargs="+", metavar="FILE", help="labeled files")
    parser.add_argument("--model", metavar="DIR", help="a checkpoint folder (default: the shipped model)")
    parser.add_argument("-o", "--output", metavar="DIR", help="report folder (default: reports/eval/NAME)")
    parser.add_argument("--name", help="report name (default: first data file's stem + task)")
    columns = parser.add_argument_group("columns and labels (columns guessed from the usual names when not given)")
    columns.add_argument("--text-column")
    columns.add_argument("--label-column")
    columns.add_argument("--target-column", help="stance: the target phrase of each row")
    columns.add_argument("--group-column", help="article (or topic) id: per-group breakdown and --split")
    columns.add_argument("--context-column",
                         help="stance: what each row answers (article title, parent's opening), for models that read it")
    columns.add_argument("--target", help="stance: one target phrase for every row")
    columns.add_argument("--positive-threshold", type=float, metavar="X",
                         help="graded toxicity labels: positive when label >= X (C3 crowd level: 2)")
    columns.add_argument("--cutoffs", type=float, nargs="+", default=[], metavar="X",
                         help="graded toxicity labels: also report ROC-AUC with positives at label >= each X")
    columns.add_argument("--label-map", metavar="MAP",
                         help="'vast' (0=against,1=favor,2=none) or RAW=LABEL,... applied before parsing labels")
    rows = parser.add_argument_group("rows")
    rows.add_argument("--split", choices=("all", "validation"), default=defaults.split,
                      help="validation: only groups in the fixed validation split (analyzer.splits)")
    rows.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                      help="keep rows where COLUMN equals VALUE (repeatable), e.g. 'seen?=0' for VAST zero-shot")
    rows.add_argument("--sample", type=int, metavar="N", help="a fixed-seed random subset of N rows")
    rows.add_argument("--seed", type=int, default=defaults.seed, help="sampling and bootstrap seed")
    rows.add_argument("--bootstrap", type=int, default=defaults.bootstrap_resamples, metavar="N",
                      help="bootstrap resamples for the intervals")
    rows.add_argument("--bootstrap-unit", choices=("group", "row"), default=defaults.bootstrap_unit,
                      help="what one bootstrap draw takes: a whole group (with --group-column) or a single row")
    rows.add_argument("--batch-size", type=int, default=defaults.batch_size)
    rows.add_argument("--threads", type=int, help="CPU threads for torch")
    _add_backend_option(rows)
    _add_max_tokens_option(rows)
    base = parser.add_argument_group("baselines")
    base.add_argument("--baselines", action="store_true",
                      help="also score profanity-check (toxicity) / majority class (stance) and TF-IDF + LR")
    base.add_argument("--baseline-train", nargs="+", default=[], metavar="FILE",
                      help="labeled rows the TF-IDF + LR baseline (and the majority class) learn from")
    base.add_argument("--compare", nargs="+", default=[], metavar="DIR",
                      help="other checkpoints scored on the same rows, each with the paired model − checkpoint "
                           "interval ('shipped': the shipped model), e.g. a fine-tune against its start")
    parser.set_defaults(handler=_cmd_eval)


def _cmd_eval(args: argparse.Namespace) -> int:
    import shlex

    from analyzer.config import EVAL_REPORTS_DIR
    from analyzer.model import ModelError, load_model
    from analyzer.evaluation import EvalError, default_name, evaluate, parse_label_map, write_report

    try:
        where = tuple(tuple(item.split("=", 1)) for item in args.where)
        if any(len(pair) != 2 for pair in where):
            raise ValueError(f"--where takes COLUMN=VALUE, got {args.where}")
        options = EvalOptions(
            text_column=args.text_column, label_column=args.label_column, target_column=args.target_column,
            group_column=args.group_column, context_column=args.context_column, positive_threshold=args.positive_threshold, cutoffs=tuple(args.cutoffs),
            label_map=parse_label_map(args.label_map), target=args.target, split=args.split, where=where,
            sample=args.sample, seed=args.seed, bootstrap_resamples=args.bootstrap,
            bootstrap_unit=args.bootstrap_unit, batch_size=args.batch_size,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    name = args.name or default_name(args.task, args.data)
    try:
        compared = [load_model(None if folder == "shipped" else folder, threads=args.threads, backend=args.backend,
                               float_recheck=_float_recheck(args), max_tokens=args.max_tokens)
                    for folder in args.compare]
        result = evaluate(
            load_model(args.model, threads=args.threads, backend=args.backend, float_recheck=_float_recheck(args),
                       max_tokens=args.max_tokens),
            args.task, args.data, options, name=name,
            with_baselines=args.baselines, baseline_train_paths=args.baseline_train, compare_with=compared,
            # The report's "Reproduce" line: the real command line when there is one (not under pytest).
            command="python -m analyzer " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["eval"] else None,
            show_progress_bar=True,
        )
        report = write_report(result, args.output or Path(EVAL_REPORTS_DIR) / name)
    except (EvalError, ModelError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in result.summary_lines():
        print(line, file=sys.stderr)
    print(f"report: {report}", file=sys.stderr)
    return EXIT_BAD_INPUT if result.data.dropped else EXIT_OK


# --- calibrate ---------------------------------------------------------------------------------


def _add_calibrate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="refit the toxicity calibration and threshold on a site's own labeled comments",
        description="Refit a checkpoint's toxicity calibration and default threshold on a random sample of your "
        "outlet's labeled comments (a few hundred are enough): Platt scaling of the attribute, or a mix of every "
        "attribute's score where out-of-fold log loss shows your labels follow one. It writes a calibrated copy that "
        "score / run --model use like any other. The card records the data and the calibration error before and "
        "after, with intervals (analyzer.calibration).",
    )
    parser.add_argument("--data", required=True, nargs="+", metavar="FILE", help="labeled files (CSV / JSONL / Parquet)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the calibrated checkpoint")
    parser.add_argument("--model", metavar="DIR", help="the checkpoint to calibrate (default: the shipped model)")
    columns = parser.add_argument_group("columns and labels (columns guessed from the usual names when not given)")
    columns.add_argument("--text-column")
    columns.add_argument("--label-column", help="0/1 or true/false; graded labels with --positive-threshold")
    columns.add_argument("--positive-threshold", type=float, metavar="X", help="graded labels: positive when label >= X")
    columns.add_argument("--label-map", metavar="MAP", help="RAW=LABEL,... applied before parsing, e.g. 'toxic=1,ok=0'")
    columns.add_argument("--attribute", default="toxicity",
                         help="the attribute the labels are about (default toxicity; its threshold is refitted too)")
    scoring = parser.add_argument_group("scoring")
    scoring.add_argument("--batch-size", type=int, default=EvalOptions.batch_size)
    scoring.add_argument("--threads", type=int, help="CPU threads for torch and ONNX Runtime")
    _add_backend_option(scoring)
    parser.set_defaults(handler=_cmd_calibrate)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    import numpy as np

    from analyzer.calibration import (
        RECOMMENDED_ROWS, CalibrationError, calibrate_model, refuse_overwrite, save_calibrated,
    )
    from analyzer.evaluation import EvalError, parse_label_map
    from analyzer.evaluation.loading import load_labeled
    from analyzer.model import ModelError, load_model

    try:
        options = EvalOptions(text_column=args.text_column, label_column=args.label_column,
                              positive_threshold=args.positive_threshold, label_map=parse_label_map(args.label_map))
        data = load_labeled(args.data, "toxicity", options)
        if len(data) < RECOMMENDED_ROWS:
            print(f"warning: {len(data)} labeled rows; {RECOMMENDED_ROWS} or more give a steadier calibration",
                  file=sys.stderr)
        model = load_model(args.model, threads=args.threads, backend=args.backend, float_recheck=_float_recheck(args))
        refuse_overwrite(model.path, Path(args.out))
        fitted_on = [{"path": s.path, "sha256": s.sha256, "rows": s.rows} for s in data.sources]
        calibrated, fitted = calibrate_model(model, data.texts, np.array(data.labels), attribute=args.attribute,
                                             fitted_on=fitted_on, batch_size=args.batch_size, show_progress_bar=True)
        save_calibrated(model.path, calibrated, fitted, Path(args.out))
    except (EvalError, CalibrationError, ModelError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in [*fitted.summary_lines(), f"saved {args.out}"]:
        print(line, file=sys.stderr)
    for line in data.dropped:
        print(f"dropped: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT if data.dropped else EXIT_OK


# --- train -------------------------------------------------------------------------------------


def _add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    from analyzer.finetune.arguments import Columns, TrainingArguments

    parser = subparsers.add_parser(
        "train", help="fine-tune a checkpoint on labeled rows (CSV / JSONL / Parquet)",
        description="Fine-tune the shipped model (or --init-from) for toxicity or stance. The lower encoder "
        "layers stay frozen and are computed once; the top layers and heads train (minutes on CPU for a few "
        "hundred rows). Validation: --validation FILE, else the fixed group split of analyzer.splits.",
    )
    parser.add_argument("--task", required=True, choices=("toxicity", "stance"))
    parser.add_argument("--data", required=True, nargs="+", metavar="FILE", help="labeled files")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder to write")
    parser.add_argument("--validation", metavar="FILE", help="labeled validation rows (default: group split)")
    parser.add_argument("--init-from", metavar="DIR",
                        help="checkpoint to start from (default: the shipped model; 'base': the bare encoder)")
    columns = parser.add_argument_group("columns")
    columns.add_argument("--text-column", default=Columns.text)
    columns.add_argument("--label-column", default=Columns.label,
                         help="toxicity: 0/1, true/false, toxic/not_toxic or a probability; stance: favor/against/none")
    columns.add_argument("--target-column", help="stance: the target phrase of each row")
    columns.add_argument("--target", help="stance: one target phrase for every row")
    columns.add_argument("--group-column", help="article or topic id: rows of one group stay on one side of the split")
    run = parser.add_argument_group("training (defaults: analyzer.finetune.TrainingArguments)")
    run.add_argument("--epochs", type=float, default=TrainingArguments.epochs)
    run.add_argument("--max-steps", type=int)
    run.add_argument("--batch-size", type=int, default=TrainingArguments.batch_size)
    run.add_argument("--lr", type=float, default=TrainingArguments.learning_rate,
                     help="learning rate of the trained encoder layers")
    run.add_argument("--trainable-layers", type=int, default=TrainingArguments.trainable_layers,
                     help="top encoder layers to train")
    run.add_argument("--seed", type=int, default=TrainingArguments.seed)
    run.add_argument("--resume", action="store_true", help="continue from OUT/resume/ after an interruption")
    run.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    run.add_argument("--name", default=TrainingArguments.model_name, help="model name written into the checkpoint")
    parser.set_defaults(handler=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    from analyzer.model import ModelError
    from analyzer.finetune.arguments import TrainingArguments
    from analyzer.finetune import finetune
    from analyzer.finetune.arguments import Columns
    from analyzer.finetune.data import DataError

    arguments = TrainingArguments(
        output_dir=Path(args.out), task=args.task, init_from=args.init_from, epochs=args.epochs,
        max_steps=args.max_steps, batch_size=args.batch_size, learning_rate=args.lr,
        trainable_layers=args.trainable_layers, seed=args.seed, resume=args.resume, device=args.device,
        model_name=args.name,
    )
    columns = Columns(text=args.text_column, label=args.label_column, target=args.target_column,
                      group=args.group_column)
    try:
        metrics = finetune(arguments, [Path(p) for p in args.data], columns,
                           Path(args.validation) if args.validation else None, target=args.target,
                           log=lambda line: print(line, file=sys.stderr))
    except (DataError, ModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    shown = {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}
    print(f"saved {args.out}; validation {shown}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comment-analyzer",
        description="Split reader-comment dumps, score toxicity and stance, and report on them.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in _PARSERS:
        add(subparsers)
    return parser


_PARSERS = [_add_split_parser, _add_formats_parser, _add_score_parser, _add_run_parser, _add_eval_parser,
            _add_train_parser, _add_calibrate_parser, _add_report_parser]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
