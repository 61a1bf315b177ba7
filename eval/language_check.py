"""How often the language check leaves a comment unscored: ``python -m eval.language_check``.

    python -m eval.language_check [--rows N] [--seed S] [--out DIR]

``score`` leaves a comment unscored when it is confidently in a language the model does not read
(``analyzer.config.LanguageCheck``). This measures both sides of that rule on real text in ../shared:

* **English sources** (the eight toxicity outlets and the NK-talks Reddit comments): the share of their
  comments the check takes for another language, with its 95% interval (Clopper–Pearson), and which
  languages it named. These sources are English but not spotless: Impermium and Davidson hold comments
  in Spanish, Dutch, Vietnamese and more, so a share above zero is not by itself a mistake.
* **German reader comments** (the saved zeit.de and netzpolitik.org pages under ../shared/formats): the
  share it catches.

Beside the shipped rule, a simpler one for comparison: the top language's own probability at least 0.9.
Writes ``report.md`` and ``metrics.json`` (counts and language codes only: no text of the sources).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scipy.stats import binomtest

from analyzer._language import foreign_language, other_language_candidate
from analyzer._letters import known_words, plain_letters
from analyzer.config import EVAL_REPORTS_DIR, LanguageCheck
from analyzer.model import load_tokenizer
from analyzer.splitting import split
from eval.bench_speed import invoked_command, write_report_folder
from eval.gate import SHARED
from eval.transfer import TOXICITY_SOURCES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = PROJECT_ROOT / EVAL_REPORTS_DIR / "language-check"
NK_REDDIT_COMMENTS = "nk_talks_reddit_comments_unlabeled/comments.csv"
#: Saved pages in ../shared/formats whose reader comments are German.
GERMAN_PAGES = ("html_other/zeit.de.zugverkehr.html", "html_wordpress/netzpolitik.org.abmahnungen.html")
#: The simpler rule compared: the top language (not the model's) at least this probable.
TOP_PROBABILITY_RULE = 0.9


def _nk_reddit(data: Path) -> list[str]:
    import pandas as pd

    return pd.read_csv(data / NK_REDDIT_COMMENTS)["text"].dropna().astype(str).tolist()


def english_sources(data: Path) -> dict[str, Callable[[], list[str]]]:
    """Each English source's comment texts, loaded when asked for."""
    sources: dict[str, Callable[[], list[str]]] = {
        name: (lambda load=load: [e.text for part in load(data) for e in part]) for name, load in TOXICITY_SOURCES.items()
    }
    sources["nk_talks_reddit"] = lambda: _nk_reddit(data)
    return sources


def german_comments(formats: Path) -> list[str]:
    return [c.text for outcome in split([formats / page for page in GERMAN_PAGES])
            for article in outcome.result.articles for c in article.comments if c.text]


def top_language_rule(text: str, check: LanguageCheck) -> str | None:
    """The comparison rule: the top language is not the model's and has at least TOP_PROBABILITY_RULE."""
    candidate = other_language_candidate(text, check)
    return candidate[0].code if candidate and candidate[0].probability >= TOP_PROBABILITY_RULE else None


def measure(texts: Sequence[str], check: LanguageCheck) -> dict[str, Any]:
    """How many of ``texts`` each rule leaves unscored, with the languages named and an interval; each text judged
    as ``score`` judges it, as the model reads it (``analyzer._letters``)."""
    shipped: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    vocabulary = known_words(load_tokenizer())
    began = time.perf_counter()
    for text in (plain_letters(text, vocabulary) for text in texts):
        if found := foreign_language(text, check):
            shipped[found.code] += 1
        if code := top_language_rule(text, check):
            compared[code] += 1
    seconds = time.perf_counter() - began
    n = len(texts)
    flagged = sum(shipped.values())
    interval = binomtest(flagged, n).proportion_ci(0.95) if n else None
    return {
        "comments": n,
        "unscored": flagged,
        "share": flagged / n if n else None,
        "interval": [interval.low, interval.high] if interval else None,
        "languages": dict(shipped.most_common()),
        "top_language_rule": sum(compared.values()),
        "top_language_rule_languages": dict(compared.most_common()),
        "ms_per_comment": 1000 * seconds / n if n else None,
    }


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.2f}%"


def render_markdown(results: dict[str, Any], command: str) -> str:
    check = results["check"]
    lines = [
        "# The language check: which comments are left unscored",
        "",
        f"Reproduce: `{command}` (reads ../shared; counts and language codes only). Rule (`analyzer.config."
        f"LanguageCheck`): the model reads {', '.join(check['languages'])}; a comment of at least "
        f"{check['min_words']} words is left unscored when the identifier (py3langid) gives those languages "
        f"together at most {check['max_own_probability']}. Compared: the top language's own probability at "
        f"least {TOP_PROBABILITY_RULE}.",
        "",
        "## English sources: comments taken for another language",
        "",
        f"Up to {results['rows']} comments per source, a fixed-seed sample ({results['seed']}). Some of these "
        "sources hold comments really written in other languages (read the language column), so the share is "
        "an upper bound on the check's mistakes.",
        "",
        "| source | comments | left unscored [95% interval] | languages named | top-language rule |",
        "|---|---:|---|---|---:|",
    ]
    for name, entry in results["english"].items():
        low, high = entry["interval"]
        named = ", ".join(f"{code} {n}" for code, n in entry["languages"].items()) or "–"
        lines.append(f"| {name} | {entry['comments']:,} | {entry['unscored']} ({_percent(entry['share'])}) "
                     f"[{_percent(low)}, {_percent(high)}] | {named} | {entry['top_language_rule']} |")
    german = results["german"]
    lines += [
        "",
        "## German reader comments: caught",
        "",
        f"{german['unscored']} of {german['comments']} ({_percent(german['share'])}) left unscored as another "
        f"language ({', '.join(f'{c} {n}' for c, n in german['languages'].items())}); the top-language rule "
        f"{german['top_language_rule']}. Pages: {', '.join(GERMAN_PAGES)}.",
        "",
        f"The check costs about {results['ms_per_comment']:.2f} ms per comment on this machine (scoring one "
        "takes 10 ms or more).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.language_check", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=6000, help="comments sampled per English source")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    data, formats = SHARED / "data", SHARED / "formats"
    if not data.is_dir() or not formats.is_dir():
        print(f"needs ../shared (looked in {SHARED})", file=sys.stderr)
        return 1
    check = LanguageCheck()
    english = {}
    for name, load in english_sources(data).items():
        texts = [t for t in load() if t.strip()]
        texts = random.Random(args.seed).sample(texts, min(args.rows, len(texts)))
        english[name] = measure(texts, check)
        print(f"{name}: {english[name]['unscored']} of {english[name]['comments']}", file=sys.stderr)
    german = measure(german_comments(formats), check)
    timed = [e for e in english.values() if e["comments"]]
    results = {
        "check": {"languages": list(check.languages), "max_own_probability": check.max_own_probability,
                  "min_words": check.min_words},
        "rows": args.rows, "seed": args.seed, "english": english, "german": german,
        "ms_per_comment": sum(e["ms_per_comment"] * e["comments"] for e in timed) / sum(e["comments"] for e in timed),
    }
    markdown = render_markdown(results, invoked_command("eval.language_check", argv))
    print(f"wrote {write_report_folder(args.out, results, markdown)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
