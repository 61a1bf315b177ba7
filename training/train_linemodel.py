"""Train the plain-text reader's line model on the Dragnet training pages.

Each Dragnet gold file is a page's hand-corrected text with one separator line between the body
and the comments (``!@#$%^&*()  COMMENTS``, a few mistyped). Removing that line gives the
unlabeled scrape the reader sees; its position is the comment start to learn (None when nothing
follows it). The archive is read in place, never unpacked into the project.

    python -m training.train_linemodel [--archive PATH] [--output analyzer/data/linemodel.json]
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.readers._common import decode_bytes
from analyzer.readers._linemodel import LineModel

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARCHIVE = PROJECT_ROOT.parent / "shared" / "data" / "dragnet_comments_train" / "dragnet_train.tar.gz"
DEFAULT_OUTPUT = PROJECT_ROOT / "analyzer" / "data" / "linemodel.json"

#: The gold separator: the typed keyboard row "!@#$%^&*()", then COMMENTS. Annotators mistyped both
#: halves ("!@ $%^&*   COMMENTS", "COMMNENTS", "CORRECTED", no word at all), so match the row loosely
#: and require the "@", "%" and "^" no ordinary line ("***", "###") combines.
SEPARATOR = re.compile(r"^\s*(?=[^@]*@)(?=[^%]*%)(?=[^^]*\^)[!@#$%^&*()\s]+[A-Z]*\s*$")


@dataclass
class DragnetPage:
    """One training page: its raw HTML and its gold text cut into body and comments."""

    page_id: str
    html: bytes
    lines: list[str]  # gold text without the separator line: what the plain-text reader gets
    start: int | None  # index in ``lines`` of the first comment line; None: no comments

    @property
    def gold_body(self) -> str:
        return "\n".join(self.lines if self.start is None else self.lines[: self.start])

    @property
    def gold_comments(self) -> str:
        return "" if self.start is None else "\n".join(self.lines[self.start :])


def split_gold(text: str) -> tuple[list[str], int | None]:
    """Remove the separator line; return the remaining lines and the first non-empty line after it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if SEPARATOR.match(line):
            rest = lines[:index] + lines[index + 1 :]
            after = [i for i in range(index, len(rest)) if rest[i].strip()]
            return rest, (after[0] if after else None)
    return lines, None


def load_dragnet(archive: str | Path = DEFAULT_ARCHIVE, limit: int | None = None) -> list[DragnetPage]:
    """The Dragnet training pages in id order (gold and HTML paired), the first ``limit`` of them."""
    gold: dict[str, bytes] = {}
    html: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            path = Path(member.name)
            stream = tar.extractfile(member)
            if stream is None:
                continue
            if path.parent.name == "gold" and path.suffix == ".txt":
                gold[path.stem] = stream.read()
            elif path.parent.name == "html" and path.suffix == ".html":
                html[path.stem] = stream.read()
    pages = []
    for page_id in sorted(gold.keys() & html.keys())[:limit]:
        # A few gold files are UTF-16 with a byte-order mark (their separator included): decode_bytes reads them.
        lines, start = split_gold(decode_bytes(gold[page_id]))
        pages.append(DragnetPage(page_id, html[page_id], lines, start))
    return pages


def train(pages: list[DragnetPage]) -> LineModel:
    return LineModel.fit([page.lines for page in pages], [page.start for page in pages])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE, help="dragnet_train.tar.gz")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON model goes")
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        print(f"{args.archive}: no such file (the Dragnet archive lives in ../shared)", file=sys.stderr)
        return 1
    began = time.perf_counter()
    pages = load_dragnet(args.archive)
    model = train(pages)
    model.save(args.output)
    with_comments = sum(p.start is not None for p in pages)
    print(
        f"trained on {len(pages)} pages ({with_comments} with comments) in {time.perf_counter() - began:.0f}s; "
        f"bias {model.bias:+.2f}, margin {model.margin:.1f} → {args.output}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
