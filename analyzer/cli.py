"""The command line: parse, call the public API, set the exit code. No logic lives here.

Exit codes: 0 all went through; 1 some input was bad (named on stderr, the rest still processed);
2 the command line itself was wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analyzer.config import ReadOptions

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
    )


def _rejects_path_for(output: str) -> Path | None:
    """Rejects go beside the output ("out.jsonl" → "out.rejects.jsonl"); to stderr's neighbour when stdout."""
    if output == "-":
        return Path("rejects.jsonl")
    path = Path(output)
    return path.with_name(path.name.split(".")[0] + ".rejects.jsonl")


# --- split -----------------------------------------------------------------------------------


def _add_split_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("split", help="dump files → articles with comment threads (JSONL)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="dump files in any supported format")
    parser.add_argument("-o", "--output", required=True, help="output JSONL, or - for stdout")
    _add_read_options(parser)
    parser.set_defaults(handler=_cmd_split)


def _cmd_split(args: argparse.Namespace) -> int:
    from analyzer.records import write_articles, write_jsonl
    from analyzer.splitting import articles_of, rejects_of, split

    outcomes = list(split(args.inputs, args.fmt, read_options_from(args)))
    for outcome in outcomes:
        print(outcome.summary(), file=sys.stderr)
    write_articles(articles_of(outcomes), args.output)
    rejects = rejects_of(outcomes)
    if rejects:
        rejects_path = _rejects_path_for(args.output)
        write_jsonl((r.to_dict() for r in rejects), rejects_path)
        print(f"{len(rejects)} rejected item(s) with reasons in {rejects_path}", file=sys.stderr)
    return EXIT_BAD_INPUT if any(o.error for o in outcomes) else EXIT_OK


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comment-analyzer",
        description="Split reader-comment dumps, score toxicity and stance, and report on them.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in _PARSERS:
        add(subparsers)
    return parser


_PARSERS = [_add_split_parser, _add_formats_parser]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
