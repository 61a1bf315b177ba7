"""Do the stance head's relatedness features make lexical overlap the decision? ``python -m eval.relatedness``

The stance head of checkpoints with ``stance_features = "cls+mean+relatedness"`` reads, besides [CLS] and the
mean of all tokens, the product of the target's and the comment's normalised token means and their
cosine (``analyzer.model.ToxicityStanceNet.heads``). The worry (issue: stance in context) is that the
cosine turns "none" into "shares few words with the target", which on a news page, where every comment
is about the article, is wrong.

Permutation importance answers it without retraining. Each held-out stance set (``eval.stance_sets``) is
scored three times by the float network, changing only the relatedness part of the stance head's input:

* **as is**;
* **shuffled**: each window gets the relatedness features of another window in its batch (windows are
  batched by length, so the donor is a comment of similar length on its own target): the head sees a
  plausible but unrelated relatedness;
* **constant**: every window gets the same mean relatedness (measured on the set in the first pass): the
  head gets no relatedness information at all.

If the decisions lean on relatedness, macro-F1 falls and the share of "none" moves when it is taken away.
Intervals: 95% paired bootstrap over rows of (variant − as is). Writes ``reports/eval/relatedness/``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from analyzer.evaluation import subsample
from analyzer.evaluation.metrics import bootstrap_ci, f_avg, macro_f1
from analyzer.model import Model, load_model
from eval.bench_speed import invoked_command, log_to_stderr, write_report_folder
from eval.stance_sets import SETS, labeled_set
from training.recipe import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / "reports" / "eval" / "relatedness"
ROWS = 600
SEED = 13
VARIANTS = ("as is", "shuffled", "constant")
#: The sets measured (the bare NK rows and Perspectrum add little here and cost CPU time).
MEASURED = ("vast-zero-shot", "nk-check", "pstance-val", "ukp-val", "wtwt-heldout-merger")


@contextmanager
def relatedness_replaced(model: Model, how: str, constant: torch.Tensor | None, seen: list[torch.Tensor]) -> Iterator[None]:
    """While inside, the stance head's relatedness inputs are replaced as ``how`` says ("as is" records them)."""
    width = model.net.encoder.config.hidden_size + 1  # the product vector and the cosine, last in the input
    generator = torch.Generator().manual_seed(SEED)

    def hook(_module: torch.nn.Module, inputs: tuple[torch.Tensor]) -> tuple[torch.Tensor]:
        features = inputs[0].clone()
        if how == "as is":
            seen.append(features[:, -width:].detach().clone())
        elif how == "shuffled":
            features[:, -width:] = features[torch.randperm(len(features), generator=generator), -width:]
        else:
            features[:, -width:] = constant
        return (features,)

    handle = model.net.stance_head.register_forward_pre_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def predictions(model: Model, rows: Any, batch_size: int) -> list[str]:
    _, stance = model.logits(rows.texts, rows.targets, contexts=rows.contexts, batch_size=batch_size)
    return [model.config.stance_labels[i] for i in stance.argmax(dim=-1).tolist()]


def none_share(_gold: Sequence[str], predicted: Sequence[str]) -> float:
    return float(np.mean([p == "none" for p in predicted]))


METRICS: dict[str, Callable[[Sequence[str], Sequence[str]], float]] = {
    "macro_f1": macro_f1, "f_avg": f_avg, "none_share": none_share,
}


def paired(metric: Callable, gold: list[str], base: list[str], other: list[str], resamples: int) -> dict[str, float]:
    """``metric(other) − metric(base)`` with its paired bootstrap interval over rows."""
    def difference(g, b, o):
        return metric(list(g), list(o)) - metric(list(g), list(b))

    return asdict(bootstrap_ci(difference, np.array(gold), np.array(base), np.array(other), n_resamples=resamples, seed=SEED))


def measure_set(model: Model, rows: Any, batch_size: int, resamples: int) -> dict[str, Any]:
    seen: list[torch.Tensor] = []
    by_variant: dict[str, list[str]] = {}
    with relatedness_replaced(model, "as is", None, seen):
        by_variant["as is"] = predictions(model, rows, batch_size)
    constant = torch.cat(seen).mean(dim=0)
    for how in VARIANTS[1:]:
        with relatedness_replaced(model, how, constant, []):
            by_variant[how] = predictions(model, rows, batch_size)
    gold, base = rows.labels, by_variant["as is"]
    result: dict[str, Any] = {"rows": len(gold), "gold_none_share": none_share(gold, gold)}
    for how, predicted in by_variant.items():
        entry: dict[str, Any] = {name: metric(gold, predicted) for name, metric in METRICS.items()}
        if how != "as is":
            entry["flipped"] = float(np.mean([a != b for a, b in zip(base, predicted)]))
            entry["difference"] = {name: paired(metric, gold, base, predicted, resamples) for name, metric in METRICS.items()}
        result[how] = entry
    return result


def _diff(entry: dict[str, float]) -> str:
    return f"{entry['estimate']:+.3f} [{entry['low']:+.3f}, {entry['high']:+.3f}]"


def render_markdown(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Does relatedness decide the stance? Permutation importance of the stance head's relatedness features",
        "",
        f"Model **{results['model']}** (float network); up to {results['rows']} rows per set (seed {SEED}); 95% paired "
        f"bootstrap intervals of (variant − as is) over rows ({results['resamples']} resamples). See the module "
        "docstring of `eval/relatedness.py` for the variants.",
        "",
        f"Reproduce: `{command}`",
        "",
        "| set | rows | gold none | as is: macro-F1 / F_avg / none | shuffled: Δ macro-F1 | shuffled: Δ none share "
        "| shuffled: flipped | constant: Δ macro-F1 | constant: Δ none share | constant: flipped |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["sets"].items():
        a, s, c = r["as is"], r["shuffled"], r["constant"]
        lines.append(
            f"| {name} | {r['rows']} | {100 * r['gold_none_share']:.0f}% | {a['macro_f1']:.3f} / {a['f_avg']:.3f} / "
            f"{100 * a['none_share']:.0f}% | {_diff(s['difference']['macro_f1'])} | {_diff(s['difference']['none_share'])} "
            f"| {100 * s['flipped']:.1f}% | {_diff(c['difference']['macro_f1'])} | {_diff(c['difference']['none_share'])} "
            f"| {100 * c['flipped']:.1f}% |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.relatedness", description=__doc__.split("\n")[0])
    parser.add_argument("--model", metavar="DIR", help="a checkpoint folder (default: the shipped model)")
    parser.add_argument("--rows", type=int, default=ROWS, help="rows per set (fixed-seed sample)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, default=OUT_DIR, metavar="DIR")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    model = load_model(args.model, threads=args.threads, backend="torch")  # hooks need the torch network
    if not model.net.with_relatedness:
        print(f"{model.name} {model.version} has no relatedness features (stance_features "
              f"{model.config.stance_features!r})", file=sys.stderr)
        return 2
    data = PROJECT_ROOT.parent / "shared" / "data"
    results: dict[str, Any] = {"model": f"{model.name} {model.version}", "rows": args.rows, "resamples": args.bootstrap,
                               "sets": {}}
    for name in MEASURED:
        _, load_rows, with_context = SETS[name]
        try:
            examples = load_rows(data)
        except FileNotFoundError as error:
            print(f"{error.filename}: not found; this evaluation reads ../shared/data", file=sys.stderr)
            return 2
        rows = subsample(labeled_set(examples, with_context), args.rows, SEED)
        log_to_stderr(f"{name}: {len(rows)} rows, 3 passes")
        results["sets"][name] = measure_set(model, rows, args.batch_size, args.bootstrap)
    markdown = render_markdown(results, invoked_command("eval.relatedness", argv))
    write_report_folder(args.output, results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
