"""The evaluation gate: quality may not slide silently below pinned floors.

``python -m eval.gate`` measures a few numbers on fixed, small slices of the validation data in
``../shared`` (scored live with the shipped model, so CI fits in a couple of minutes on two CPU
cores) and compares each with its floor in ``eval/floors/floors.toml``:

* ``c3_validation_toxicity_roc_auc``: ROC-AUC of ``toxicity`` on a fixed-seed sample of the C3
  validation articles (``analyzer.splits.is_validation``), positive = crowd toxicity level ≥ 2;
* ``vast_zero_shot_stance_macro_f1``: stance macro-F1 on a fixed-seed sample of the VAST dev rows
  whose topic was never seen in training (``seen? == 0``);
* ``nk_check_stance_macro_f1``: stance macro-F1 on the hand-labelled ``check`` threads of the
  in-domain NK-talks comments (``training/labels/nk_talks_stance.csv``), target "US-North Korea
  nuclear talks", each comment with its post title as context;
* ``pstance_val_stance_f_avg``: F_avg (mean F1 of favor and against) on a fixed-seed sample of P-Stance's
  validation tweets: implicit stance toward three politicians, a distribution unlike VAST's;
* ``impermium_insult_roc_auc`` / ``jigsaw_toxicity_roc_auc`` / ``jigsaw_obscene_roc_auc``: ROC-AUC of
  ``insult`` on a fixed-seed sample of the Impermium comments (news, blog and forum comments; positive =
  insults a participant) and of ``toxicity`` and ``obscene`` on one of the Jigsaw subset (Wikipedia talk):
  rows the recipe never draws (``outlet_sample``; ``training.recipe.without_gate_rows``). Up to model 0.7.0
  no training run drew from these outlets at all; since 0.8.0 their other rows are trained on;
* ``civil_comments_untouched_toxicity_roc_auc`` / ``davidson_untouched_toxicity_roc_auc`` /
  ``cat_wikipedia_untouched_toxicity_roc_auc`` / ``toxigen_untouched_toxicity_roc_auc``: ROC-AUC of ``toxicity``
  on a fixed-seed sample, half toxic as far as the outlet allows, of outlets that no stage of the model's training
  drew from (Civil Comments news-site comments, Davidson's tweets, CAT's Wikipedia talk, ToxiGen's statements):
  how the score carries to an outlet nobody trained on. The model must say so (``training.toxicity_outlets``,
  written by ``training.recipe``): on a model that drew from one of them, or does not record what it drew from,
  the check does not apply (``NotApplicable``: a pinned floor fails, ``--update-floors`` pins none). The shipped
  0.9.0 never drew from Civil Comments, CAT or ToxiGen (their floors are pinned) and drew from Davidson (no floor);
* ``dragnet_splitter_comment_f1`` / ``dragnet_splitter_body_f1``: comment and body bag-of-words
  F1 (``eval.bench_splitter``'s scorer) of the plain-text splitter on a fixed sample of Dragnet
  pages. In-sample for the shipped line model, which was fitted on these pages: a regression guard;
  the benchmark itself reports cross-validated numbers.

Each floor carries the fingerprint (sha256) of the data files *and* of the slice definition it was
measured on. A check is skipped, not failed, when ``../shared`` is absent or the fingerprint changed
("data changed": re-pin with ``--update-floors``). It fails when the metric is below its floor.

Moving floors. ``python -m eval.gate --update-floors`` re-measures and pins each floor a little
below the measured value (``MARGIN``). Raising a floor is an ordinary commit. Lowering one is
refused unless ``--allow-lower --reason "why"`` is given; the reason is recorded in the floors file
and must also go into the commit message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
FLOORS_FILE = Path(__file__).resolve().parent / "floors" / "floors.toml"

#: A new floor sits this far below the measured value (then rounded down to 3 decimals): room for
#: float noise across machines and thread counts, not for real regressions.
MARGIN = 0.02
SAMPLE_SEED = 13

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


# --- what is measured --------------------------------------------------------------------------


class GateContext:
    """What a check measures with: the data folder, the model and the splitter (pluggable for tests)."""

    def __init__(self, shared: Path = SHARED, model: Any = None, splitter: Callable | None = None):
        self.shared = shared
        self._model = model
        #: (page lines, page id) → (body text, comment text); None: the shipped plain-text splitter.
        self.splitter = splitter
        #: Results shared by several checks (the splitter run feeds both of its checks).
        self.cache: dict[str, Any] = {}

    @cached_property
    def model(self):
        if self._model is None:
            from analyzer.model import load_model

            # The floors were measured on the float network; what int8 costs against it: eval/bench_speed.py.
            self._model = load_model(backend="torch")
        return self._model


@dataclass(frozen=True)
class DataFile:
    """A file a check reads: under ../shared ("shared") or inside the checkout ("project")."""

    root: str
    path: str

    def resolve(self, context: GateContext) -> Path:
        return (context.shared if self.root == "shared" else PROJECT_ROOT) / self.path


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    files: tuple[DataFile, ...]
    #: Everything that decides which rows are measured (sample size, seed, filters): part of the
    #: fingerprint, so changing the slice counts as "data changed" instead of moving the number.
    slice: str
    measure: Callable[[GateContext], float]
    #: What the gate says of the check while no floor is pinned for it.
    unpinned: str = "no floor pinned (run --update-floors)"


def c3_validation_rows(context: GateContext, sample: int | None = None):
    """C3's validation articles as a toxicity LabeledSet (positive = crowd level >= 2)."""
    from analyzer.config import EvalOptions
    from analyzer.evaluation import load_labeled, subsample

    options = EvalOptions(
        text_column="comment_text", label_column="crowd_toxicity_level", group_column="article_id",
        positive_threshold=2.0,
    )
    rows = load_labeled([C3.files[0].resolve(context)], "toxicity", options, keep_validation=True)
    return subsample(rows, sample, SAMPLE_SEED)


def vast_zero_shot_rows(context: GateContext, sample: int | None = None):
    """VAST dev's zero-shot rows (topics unseen in training) as a stance LabeledSet."""
    from analyzer.config import EvalOptions
    from analyzer.evaluation import NAMED_LABEL_MAPS, load_labeled, subsample

    options = EvalOptions(
        text_column="Tweet", label_column="Stance", target_column="Target",
        label_map=NAMED_LABEL_MAPS["vast"], where=(("seen?", "0"),),
    )
    return subsample(load_labeled([VAST.files[0].resolve(context)], "stance", options), sample, SAMPLE_SEED)


def _c3_auc(context: GateContext) -> float:
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.metrics import roc_auc

    rows = c3_validation_rows(context, C3_SAMPLE)
    return roc_auc(rows.labels, model_scores(context.model, rows))


def _vast_macro_f1(context: GateContext) -> float:
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.metrics import macro_f1

    rows = vast_zero_shot_rows(context, VAST_SAMPLE)
    return macro_f1(rows.labels, model_scores(context.model, rows))


def stance_rows(examples: Sequence[Any]) -> Any:
    """Training-code examples as a stance LabeledSet (contexts included), so gate and training agree on them."""
    from analyzer.evaluation import LabeledSet
    from analyzer.model import STANCE_LABELS

    return LabeledSet(
        "stance",
        texts=[e.text for e in examples],
        labels=[STANCE_LABELS[e.stance] for e in examples],
        targets=[e.target for e in examples],
        contexts=[e.context or "" for e in examples],
    )


def nk_check_rows(context: GateContext):
    """The NK-talks ``check`` rows, each with its post title as context (as a dump is scored)."""
    from analyzer.model import TOXICITY_ATTRIBUTES
    from training.corpora import nk_talks

    _, check = nk_talks(context.shared / "data", NK.files[1].resolve(context), TOXICITY_ATTRIBUTES)
    return stance_rows(check)


def _nk_macro_f1(context: GateContext) -> float:
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.metrics import macro_f1

    rows = nk_check_rows(context)
    return macro_f1(rows.labels, model_scores(context.model, rows))


def pstance_validation_rows(context: GateContext, sample: int | None = None):
    """P-Stance validation tweets (implicit favor / against toward three politicians)."""
    from analyzer.evaluation import subsample
    from analyzer.model import TOXICITY_ATTRIBUTES
    from training.stance_sources import pstance

    return subsample(stance_rows(pstance(context.shared / "data", TOXICITY_ATTRIBUTES)[1]), sample, SAMPLE_SEED)


def _pstance_f_avg(context: GateContext) -> float:
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.metrics import f_avg

    rows = pstance_validation_rows(context, PSTANCE_SAMPLE)
    return f_avg(rows.labels, model_scores(context.model, rows))


def outlet_sample(examples: list, balanced: bool = False) -> list:
    """The rows of an outlet the gate measures: a fixed-seed sample that the recipe never draws from
    (``training.recipe.without_gate_rows``); ``balanced``: half toxic as far as the outlet allows."""
    from training import corpora

    return corpora.sample(examples, OUTLET_SAMPLE, SAMPLE_SEED, balance_on_toxicity=balanced)


def outlet_auc(context: GateContext, loader: str, attribute: str, balanced: bool = False) -> float:
    """ROC-AUC of ``attribute`` on the gate's rows of an outlet (``outlet_sample``)."""
    import numpy as np

    from analyzer.evaluation.metrics import roc_auc
    from analyzer.model import TOXICITY_ATTRIBUTES
    from training import corpora

    examples = outlet_sample(getattr(corpora, loader)(context.shared / "data", TOXICITY_ATTRIBUTES), balanced)
    column = TOXICITY_ATTRIBUTES.index(attribute)
    predictions = context.model.predict([e.text for e in examples], batch_size=32)
    scores = np.array([p.toxicity[attribute] for p in predictions])
    return roc_auc(np.array([e.toxicity[column] >= 0.5 for e in examples]), scores)


class NotApplicable(Exception):
    """The check does not measure what it says on this model (e.g. an "untouched" outlet it was trained on)."""


def untouched_outlet_auc(context: GateContext, loader: str) -> float:
    """``toxicity`` ROC-AUC (``outlet_auc``, half toxic) on an outlet that no stage of the model's training drew
    from, as the model's ``training.toxicity_outlets`` records (``training.recipe.drawn_outlets``). A model that
    drew from it, or does not say, is refused (``NotApplicable``): the number would no longer measure carrying to
    an unseen outlet. With a floor pinned that fails the gate; ``--update-floors`` pins nothing for it."""
    drawn = context.model.config.training.get("toxicity_outlets")
    if drawn is None:
        raise NotApplicable("the model does not record the toxicity outlets its training drew from")
    if loader in drawn:
        raise NotApplicable(f"the model's training drew from {loader}; this floor is for an outlet it never saw")
    return outlet_auc(context, loader, "toxicity", balanced=True)


C3_SAMPLE, VAST_SAMPLE, PSTANCE_SAMPLE, OUTLET_SAMPLE = 500, 300, 400, 400
C3 = Check(
    "c3_validation_toxicity_roc_auc",
    "toxicity ROC-AUC, C3 validation articles, positive = crowd level >= 2",
    (DataFile("shared", "data/c3_constructive_comments/C3_anonymized.csv"),),
    f"validation articles; sample {C3_SAMPLE} seed {SAMPLE_SEED}; label crowd_toxicity_level >= 2",
    _c3_auc,
)
VAST = Check(
    "vast_zero_shot_stance_macro_f1",
    "stance macro-F1, VAST dev zero-shot topics",
    (DataFile("shared", "data/vast_stance_train_dev/vast_dev.csv"),),
    f"seen?=0; sample {VAST_SAMPLE} seed {SAMPLE_SEED}; labels 0 against 1 favor 2 none",
    _vast_macro_f1,
)
NK = Check(
    "nk_check_stance_macro_f1",
    'stance macro-F1, NK-talks hand-labelled check threads, target "US-North Korea nuclear talks"',
    (
        DataFile("shared", "data/nk_talks_reddit_comments_unlabeled/comments.csv"),
        DataFile("project", "training/labels/nk_talks_stance.csv"),
    ),
    "split == check; all rows; post title as context",
    _nk_macro_f1,
)
PSTANCE = Check(
    "pstance_val_stance_f_avg",
    "stance F_avg (mean F1 of favor and against), P-Stance validation tweets: implicit political stance",
    tuple(DataFile("shared", f"data/pstance_political_train_val/raw_val_{who}.csv") for who in ("bernie", "biden", "trump")),
    f"validation rows of the three targets; sample {PSTANCE_SAMPLE} seed {SAMPLE_SEED}; tweets cleaned as in training",
    _pstance_f_avg,
)


IMPERMIUM = Check(
    "impermium_insult_roc_auc",
    "insult ROC-AUC, Impermium news/blog/forum comments (rows never trained on), positive = insults a participant",
    (DataFile("shared", "data/impermium_insults_train/train.csv"),),
    f"all rows; sample {OUTLET_SAMPLE} seed {SAMPLE_SEED} (training.corpora.sample); escapes decoded",
    lambda context: outlet_auc(context, "impermium", "insult"),
)
JIGSAW = Check(
    "jigsaw_toxicity_roc_auc",
    "toxicity ROC-AUC, Jigsaw Wikipedia-talk subset (rows never trained on), positive = toxic",
    (DataFile("shared", "data/jigsaw_toxic_wikipedia_subset/jigsaw_toxic_subset.parquet"),),
    f"all rows; sample {OUTLET_SAMPLE} seed {SAMPLE_SEED} (training.corpora.sample)",
    lambda context: outlet_auc(context, "jigsaw", "toxicity"),
)
JIGSAW_OBSCENE = Check(
    "jigsaw_obscene_roc_auc",
    "obscene ROC-AUC, Jigsaw Wikipedia-talk subset (rows never trained on), positive = obscene",
    JIGSAW.files,
    JIGSAW.slice,
    lambda context: outlet_auc(context, "jigsaw", "obscene"),
)


def untouched_check(name: str, loader: str, description: str, files: tuple[DataFile, ...]) -> Check:
    """A check of ``toxicity`` ROC-AUC on an outlet (``training.corpora`` loader) no training stage drew from."""
    return Check(
        name,
        f"toxicity ROC-AUC, {description}",
        files,
        f"all rows; sample {OUTLET_SAMPLE} seed {SAMPLE_SEED}, half toxic as far as the outlet allows "
        "(training.corpora.sample); no training stage drew from the outlet",
        lambda context: untouched_outlet_auc(context, loader),
        "no floor pinned: --update-floors pins one only for a model whose training never drew from the outlet "
        "(training.toxicity_outlets)",
    )


CIVIL = untouched_check(
    "civil_comments_untouched_toxicity_roc_auc", "civil_comments_spans",
    "Civil Comments toxic-spans comments (news sites; no training stage drew from them), "
    "positive = most annotators did not say not toxic",
    tuple(DataFile("shared", f"data/civil_comments_toxic_spans/{name}.csv") for name in ("comments", "annotations")),
)
DAVIDSON = untouched_check(
    "davidson_untouched_toxicity_roc_auc", "davidson",
    "Davidson tweets (no training stage drew from them), positive = most coders said hate or offensive",
    (DataFile("shared", "data/davidson_hate_offensive/labeled_data.csv"),),
)
CAT = untouched_check(
    "cat_wikipedia_untouched_toxicity_roc_auc", "cat_wikipedia",
    "CAT Wikipedia-talk comments (no training stage drew from them; 151 toxic of 10,000, all 151 "
    "measured), positive = toxic by majority",
    (DataFile("shared", "data/cat_wikipedia_context_toxicity/gc.csv"),),
)
TOXIGEN = untouched_check(
    "toxigen_untouched_toxicity_roc_auc", "toxigen",
    "ToxiGen statements about groups (implicit, slur-free; no training stage drew from them), positive = hateful",
    (DataFile("shared", "data/toxigen_statements/toxigen_prompt_statements.csv"),),
)


def model_checks() -> list[Check]:
    """The checks that measure the scoring model (the others measure the plain-text splitter)."""
    return [C3, VAST, NK, PSTANCE, IMPERMIUM, JIGSAW, JIGSAW_OBSCENE, CIVIL, DAVIDSON, CAT, TOXIGEN]


def default_checks() -> list[Check]:
    return [*model_checks(), SPLITTER_COMMENTS, SPLITTER_BODY]


def shipped_plaintext_splitter(lines: list[str], page_id: str) -> tuple[str, str]:
    """The plain-text reader with the shipped line model: one page's lines → (body, comments)."""
    from analyzer.readers._linemodel import load_default
    from eval.bench_splitter import plaintext_parts

    return plaintext_parts(lines, page_id, load_default())


def _splitter_summary(context: GateContext) -> dict:
    """bench_splitter's scores of the splitter on a fixed page sample; computed once per context."""
    if "splitter" not in context.cache:
        import numpy as np

        from eval.bench_splitter import Overlap, PageResult, summarise
        from training.train_linemodel import load_dragnet

        pages = load_dragnet(SPLITTER_COMMENTS.files[0].resolve(context))
        chosen = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(pages), DRAGNET_SAMPLE, replace=False))
        splitter = context.splitter or shipped_plaintext_splitter
        results = []
        for page in (pages[i] for i in chosen):
            body, comments = splitter(page.lines, page.page_id)
            results.append(
                PageResult(page.page_id, Overlap.of(body, page.gold_body), Overlap.of(comments, page.gold_comments))
            )
        context.cache["splitter"] = summarise(results)
    return context.cache["splitter"]


DRAGNET_SAMPLE = 200
_DRAGNET_FILES = (DataFile("shared", "data/dragnet_comments_train/dragnet_train.tar.gz"),)
# The shipped line model was fitted on all Dragnet training pages, so these are in-sample numbers:
# they guard the splitter against regressions; eval/bench_splitter.py reports the cross-validated ones.
_DRAGNET_SLICE = f"plain-text task; sample {DRAGNET_SAMPLE} pages seed {SAMPLE_SEED}; bag-of-words micro F1"
SPLITTER_COMMENTS = Check(
    "dragnet_splitter_comment_f1",
    "plain-text splitter, comment bag-of-words F1 (micro), Dragnet pages (in-sample)",
    _DRAGNET_FILES,
    _DRAGNET_SLICE,
    lambda context: _splitter_summary(context)["comments_f1"],
)
SPLITTER_BODY = Check(
    "dragnet_splitter_body_f1",
    "plain-text splitter, body bag-of-words F1 (micro), Dragnet pages (in-sample)",
    _DRAGNET_FILES,
    _DRAGNET_SLICE,
    lambda context: _splitter_summary(context)["body_f1"],
)


# --- fingerprints and floors -------------------------------------------------------------------


def fingerprint(check: Check, context: GateContext) -> str | None:
    """sha256 over the check's files and slice definition; None when a file is missing."""
    digest = hashlib.sha256(check.slice.encode("utf-8"))
    for data_file in check.files:
        path = data_file.resolve(context)
        if not path.is_file():
            return None
        digest.update(f"\n{data_file.root}:{data_file.path}:".encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@dataclass
class Floors:
    """The floors file: one pinned entry per check, and the record of every lowering."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    lowered: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Floors:
        if not path.is_file():
            return cls()
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(dict(raw.get("checks", {})), list(raw.get("lowered", [])))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_toml(), encoding="utf-8")

    def to_toml(self) -> str:
        lines = [FLOORS_HEADER]
        for name in sorted(self.checks):
            lines += ["", f"[checks.{name}]"] + [f"{k} = {_toml_value(v)}" for k, v in self.checks[name].items()]
        for entry in self.lowered:
            lines += ["", "[[lowered]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        return "\n".join(lines) + "\n"


FLOORS_HEADER = """\
# Evaluation gate floors, checked by `python -m eval.gate` (and by tests/test_gate.py in CI).
# A check fails when its metric falls below `floor`; it is skipped when its data fingerprint
# (sha256 of the data files and of the slice definition) differs from the one pinned here.
# Re-pin: `python -m eval.gate --update-floors` (raising a floor is an ordinary commit).
# Lowering a floor needs `--allow-lower --reason "..."`: the reason is recorded in [[lowered]]
# below and must be repeated in the commit message."""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def floor_below(measured: float, margin: float = MARGIN) -> float:
    return math.floor((measured - margin) * 1000) / 1000


# --- running the gate --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    check: str
    status: str  # "pass", "fail" or "skip"
    measured: float | None
    floor: float | None
    note: str = ""

    def line(self) -> str:
        measured = "–" if self.measured is None else f"{self.measured:.4f}"
        floor = "–" if self.floor is None else f"{self.floor:.3f}"
        return f"{self.status.upper():5} {self.check:38} {measured:>8} (floor {floor:>5}) {self.note}"


def run_checks(checks: Sequence[Check], floors: Floors, context: GateContext) -> list[Outcome]:
    outcomes = []
    for check in checks:
        pinned = floors.checks.get(check.name)
        now = fingerprint(check, context)
        if now is None:
            outcomes.append(Outcome(check.name, "skip", None, None, "data absent (../shared or labels file missing)"))
        elif pinned is None:
            outcomes.append(Outcome(check.name, "skip", None, None, check.unpinned))
        elif pinned.get("fingerprint") != now:
            outcomes.append(
                Outcome(check.name, "skip", None, pinned["floor"], "data changed: re-pin with --update-floors")
            )
        else:
            outcomes.append(_judge(check, pinned["floor"], context))
    return outcomes


def _judge(check: Check, floor: float, context: GateContext) -> Outcome:
    try:
        measured = float(check.measure(context))
    except Exception as error:  # a crash while measuring is a failure of the gate, with its reason
        return Outcome(check.name, "fail", None, floor, f"could not measure: {type(error).__name__}: {error}")
    if math.isnan(measured) or measured < floor:
        return Outcome(check.name, "fail", measured, floor, "below floor")
    return Outcome(check.name, "pass", measured, floor)


class LoweringRefused(Exception):
    """--update-floors would lower a floor without --allow-lower and a reason."""


def update_floors(
    checks: Sequence[Check],
    floors: Floors,
    context: GateContext,
    *,
    allow_lower: bool = False,
    reason: str | None = None,
    margin: float = MARGIN,
    today: str | None = None,
) -> list[str]:
    """Re-measure ``checks`` and pin new floors into ``floors`` (in memory); returns what changed."""
    if allow_lower and not (reason and reason.strip()):
        raise LoweringRefused("--allow-lower needs --reason \"why\" (it is recorded in the floors file)")
    today = today or dt.date.today().isoformat()
    changes, lowered, pinned = [], [], {}
    for check in checks:
        now = fingerprint(check, context)
        if now is None:
            changes.append(f"{check.name}: data absent, floor unchanged")
            continue
        try:
            measured = float(check.measure(context))
        except NotApplicable as reason:
            changes.append(f"{check.name}: not applicable to this model ({reason}), floor unchanged")
            continue
        new_floor = floor_below(measured, margin)
        old = floors.checks.get(check.name, {}).get("floor")
        if old is not None and new_floor < old:
            lowered.append({"check": check.name, "from": old, "to": new_floor, "reason": reason, "date": today})
        pinned[check.name] = {
            "description": check.description,
            "floor": new_floor,
            "measured": round(measured, 4),
            "fingerprint": now,
            "slice": check.slice,
            "pinned": today,
        }
        changes.append(f"{check.name}: measured {measured:.4f} → floor {new_floor:.3f} (was {old})")
    if lowered and not allow_lower:
        names = ", ".join(f"{e['check']} {e['from']} → {e['to']}" for e in lowered)
        raise LoweringRefused(f"would lower {names}; pass --allow-lower --reason \"why\" to do so deliberately")
    floors.checks.update(pinned)  # only now: a refused update leaves the floors as they were
    floors.lowered.extend(lowered)
    return changes


def main(
    argv: Sequence[str] | None = None,
    *,
    context: GateContext | None = None,
    checks: Sequence[Check] | None = None,
    floors_path: Path = FLOORS_FILE,
) -> int:
    """The command line; ``context`` and ``checks`` let tests plug in a broken model or splitter."""
    parser = argparse.ArgumentParser(prog="python -m eval.gate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="append", metavar="NAME", help="only this check (repeatable)")
    parser.add_argument("--floors", type=Path, default=floors_path, help="the floors file")
    parser.add_argument("--update-floors", action="store_true", help="re-measure and pin floors below the numbers")
    parser.add_argument("--allow-lower", action="store_true", help="with --update-floors: let a floor go down")
    parser.add_argument("--reason", help="why a floor goes down (recorded; repeat it in the commit message)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    args = parser.parse_args(argv)

    context = context or GateContext()
    checks = list(checks) if checks is not None else default_checks()
    if args.list:
        for check in checks:
            print(f"{check.name:38} {check.description}")
        return EXIT_PASS
    if args.check:
        unknown = set(args.check) - {c.name for c in checks}
        if unknown:
            print(f"error: unknown check(s) {sorted(unknown)}; see --list", file=sys.stderr)
            return EXIT_USAGE
        checks = [c for c in checks if c.name in args.check]
    floors = Floors.read(args.floors)

    if args.update_floors:
        try:
            changes = update_floors(checks, floors, context, allow_lower=args.allow_lower, reason=args.reason)
        except LoweringRefused as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        floors.write(args.floors)
        print("\n".join(changes))
        return EXIT_PASS

    outcomes = run_checks(checks, floors, context)
    for outcome in outcomes:
        print(outcome.line())
    failed = [o for o in outcomes if o.status == "fail"]
    print(f"gate: {len(failed)} failed, {sum(o.status == 'pass' for o in outcomes)} passed, "
          f"{sum(o.status == 'skip' for o in outcomes)} skipped")
    return EXIT_FAIL if failed else EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
