"""Words written around a filter, and what the model makes of them: ``python -m eval.bench_disguise``.

Commenters who know a filter reads their words write them so it cannot: spelled out ("i d i o t"), with digits
for letters ("1d10t"), drawn out ("idiiiiot"), with letters of another script that look the same ("іdіot", a
Cyrillic і) or in styled letters ("𝐢𝐝𝐢𝐨𝐭"). The model reads every comment through ``analyzer._letters``, which
reads such words as the ones they show. This benchmark disguises a third of the words of four letters or more
(at random, the same words in every way) in balanced samples of three outlets' labelled comments, and measures
the toxicity ROC-AUC of the comments as written, disguised and read as written (the model's input without
``plain_letters``), and disguised and read as the model reads them; with a paired row-bootstrap interval of the
difference the reading makes.

Writes ``reports/benchmarks/disguise.json`` and ``disguise.md``. The disguises are this benchmark's own, written
to the rules' measure: a measure of what the rules undo, not of every disguise a commenter finds.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from sklearn.metrics import roc_auc_score

from analyzer import load_model, model
from eval.bench_speed import OUT_DIR, invoked_command, log_to_stderr, write_results
from eval.gate import OUTLET_SAMPLE, SHARED, outlet_sample
from training import corpora

#: Labelled comments of three outlets, the gate's rows of each (``eval.gate.outlet_sample``: loader, attribute
#: scored, half positive or not): news sites' comments no training stage drew from, Wikipedia talk and news and
#: forum insults of rows never trained on.
OUTLETS = (("civil_comments_spans", "toxicity", True), ("jigsaw", "toxicity", False), ("impermium", "insult", False))
SEED, SHARE, BOOTSTRAP = 13, 1 / 3, 1000

_DIGITS = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і", "x": "х", "y": "у"}


def _spelled_out(word: str, rng: random.Random) -> str:
    return " ".join(word)


def _with_digits(word: str, rng: random.Random) -> str:
    inner = [i for i in range(1, len(word) - 1) if word[i].lower() in _DIGITS]
    chosen = {i for i in inner if rng.random() < 0.5} or set(inner[:1])
    return "".join(_DIGITS[c.lower()] if i in chosen else c for i, c in enumerate(word))


def _drawn_out(word: str, rng: random.Random) -> str:
    where = rng.randrange(1, len(word))
    return word[:where] + word[where] * rng.randint(3, 6) + word[where + 1:]


def _look_alike(word: str, rng: random.Random) -> str:
    return "".join(_CYRILLIC.get(c, c) for c in word)


def _styled(word: str, rng: random.Random) -> str:
    # mathematical bold: 𝐚 is U+1D41A, 𝐀 U+1D400
    return "".join(chr(0x1D41A + ord(c) - ord("a")) if "a" <= c <= "z" else
                   chr(0x1D400 + ord(c) - ord("A")) if "A" <= c <= "Z" else c for c in word)


DISGUISES: dict[str, Callable[[str, random.Random], str]] = {
    "spelled out": _spelled_out, "digits for letters": _with_digits, "drawn out": _drawn_out,
    "look-alike letters": _look_alike, "styled letters": _styled,
}
_LONG_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def disguised(text: str, disguise: Callable[[str, random.Random], str], seed: int) -> str:
    """The text with about a third of its words of four letters or more disguised; which words depends on the
    seed alone, so every disguise hides the same words."""
    choose, shape = random.Random(seed), random.Random(seed + 1)
    return _LONG_WORD.sub(lambda m: disguise(m.group(), shape) if choose.random() < SHARE else m.group(), text)


def _as_written(text: str, vocabulary: object = None) -> str:
    return text


def scores(scorer: model.Model, texts: Sequence[str], attribute: str, read_as_written: bool) -> np.ndarray:
    """Each text's ``attribute`` score; ``read_as_written``: the model's input without ``plain_letters``."""
    reading = mock.patch.object(model, "plain_letters", _as_written) if read_as_written else contextlib.nullcontext()
    with reading:
        return np.array([p.toxicity[attribute] for p in scorer.predict(list(texts), batch_size=64)])


def paired_interval(labels: np.ndarray, before: np.ndarray, after: np.ndarray, seed: int) -> tuple[float, float]:
    """95% row-bootstrap interval of ROC-AUC(after) - ROC-AUC(before) on the same rows."""
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, len(labels), len(labels))
        if labels[rows].all() or not labels[rows].any():
            continue
        differences.append(roc_auc_score(labels[rows], after[rows]) - roc_auc_score(labels[rows], before[rows]))
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(low), float(high)


def measure(data: Path, log: Callable[[str], None]) -> dict[str, Any]:
    scorer = load_model()
    attributes = list(scorer.attributes)
    results: dict[str, Any] = {}
    for loader, attribute, balanced in OUTLETS:
        examples = outlet_sample(getattr(corpora, loader)(data, attributes), balanced)
        texts = [e.text for e in examples]
        labels = np.array([e.toxicity[attributes.index(attribute)] >= 0.5 for e in examples])
        plain = scores(scorer, texts, attribute, read_as_written=False)
        outlet: dict[str, Any] = {"rows": len(texts), "positive": int(labels.sum()), "attribute": attribute,
                                  "plain_auc": roc_auc_score(labels, plain),
                                  "plain_positive_mean": float(plain[labels].mean()), "disguises": {}}
        for name, disguise in DISGUISES.items():
            hidden = [disguised(text, disguise, SEED + i) for i, text in enumerate(texts)]
            as_written = scores(scorer, hidden, attribute, read_as_written=True)
            read = scores(scorer, hidden, attribute, read_as_written=False)
            low, high = paired_interval(labels, as_written, read, SEED)
            outlet["disguises"][name] = {
                "as_written_auc": roc_auc_score(labels, as_written), "read_auc": roc_auc_score(labels, read),
                "gain_interval": [low, high],
                "as_written_positive_mean": float(as_written[labels].mean()),
                "read_positive_mean": float(read[labels].mean()),
                "texts_changed": sum(h != t for h, t in zip(hidden, texts)),
            }
            log(f"{loader} {name}: AUC {outlet['disguises'][name]['as_written_auc']:.3f} → "
                f"{outlet['disguises'][name]['read_auc']:.3f} (plain {outlet['plain_auc']:.3f})")
        results[loader] = outlet
    return results


def markdown(results: dict[str, Any], command: str) -> str:
    lines = ["# Disguised words", "", f"Reproduce: `{command}` (CPU, the shipped model, int8).", "",
             f"A third of the words of four letters or more, chosen at random, disguised in balanced samples of "
             f"{OUTLET_SAMPLE} labelled comments per outlet (the gate's rows); ROC-AUC of the comments plain, disguised and "
             "read as written, and disguised and read as the model reads them (`analyzer._letters`), with a 95% "
             "paired row-bootstrap interval of what that reading gains; and the mean score of the positive rows.", ""]
    for loader, outlet in results.items():
        lines += [f"## {loader} ({outlet['attribute']}; {outlet['rows']} rows, {outlet['positive']} positive)", "",
                  f"Plain: ROC-AUC {outlet['plain_auc']:.3f}, positives' mean score {outlet['plain_positive_mean']:.3f}.",
                  "", "| disguise | ROC-AUC read as written | ROC-AUC as the model reads it | gain, 95% interval "
                  "| positives' mean, as written → read |", "|---|---|---|---|---|"]
        for name, row in outlet["disguises"].items():
            low, high = row["gain_interval"]
            lines.append(f"| {name} | {row['as_written_auc']:.3f} | {row['read_auc']:.3f} | "
                         f"{row['read_auc'] - row['as_written_auc']:+.3f} [{low:+.3f}, {high:+.3f}] | "
                         f"{row['as_written_positive_mean']:.3f} → {row['read_positive_mean']:.3f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_disguise", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder with data/ (default: beside the project)")
    parser.add_argument("--output", type=Path, default=OUT_DIR, help="where the report goes (default: %(default)s)")
    args = parser.parse_args(argv)
    results = measure(args.shared / "data", log_to_stderr)
    report = markdown(results, invoked_command("eval.bench_disguise", argv))
    write_results(args.output, "disguise", results, report)
    log_to_stderr(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
