"""Readers for the public corpora in ../shared/data, each turned into ``Example``s.

How each source's labels become the model's attributes (targets in [0, 1]; NaN = not taught):

* C3 (Globe and Mail comments): ``toxicity`` = clip(crowd_toxicity_level − 1, 0, 1) in training (level
  1 → 0, 1.5 → 0.5, ≥ 2 → 1) and, in validation, 1 when level ≥ 2 (the headline positive);
  ``severe_toxicity`` = level ≥ 3 (validation) / clip(level − 2) (training); ``insult`` and
  ``inflammatory`` = share of crowd judgments ticking personal_attack / inflammatory.
* Civil Comments toxic spans: ``toxicity`` = share of annotators who did not mark the comment "not toxic".
* OLID: ``toxicity`` = OFF, ``insult`` = targeted insult (TIN), ``identity_attack`` = target is a group.
* Davidson: ``toxicity`` = share of coders saying hate or offensive, ``identity_attack`` = share saying hate.
* CAT (Wikipedia talk, annotated in context): ``toxicity`` = majority label.
* ToxiGen statements: ``toxicity`` = ``identity_attack`` = hate (implicit, slur-free).
* Impermium insults (news, blog and forum comments): ``insult`` = insults a participant of the conversation;
  ``toxicity`` is not taught (a crude comment that insults nobody is not an insult, but it may be toxic).
* Jigsaw subset (Wikipedia talk, class-balanced): ``toxicity`` = toxic, ``severe_toxicity`` = severe_toxic,
  ``insult`` = insult, ``identity_attack`` = identity_hate, ``obscene`` = obscene, ``threat`` = threat (the one
  source that labels the last two).
* VAST: stance 0 con → against, 1 pro → favor, 2 neutral → none, toward the row's topic (see ``_vast_target``).
* NK-talks hand labels (training/labels/nk_talks_stance.csv): stance toward "US-North Korea nuclear talks", with
  the post title as context.
* The stance sources whose "none" is on the topic: ``training.stance_sources`` (its table maps each label).
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.model import STANCE_LABELS
from analyzer.finetune.examples import IGNORE_STANCE, Example, no_toxicity, toxicity_vector
from analyzer.splits import is_validation, stable_bucket

NK_TARGET = "US-North Korea nuclear talks"
VAST_STANCE = {0: STANCE_LABELS.index("against"), 1: STANCE_LABELS.index("favor"), 2: STANCE_LABELS.index("none")}


def _clip(value: float) -> float:
    return float(min(max(value, 0.0), 1.0))


def _counts(cell: object) -> dict[str, int]:
    """'abusive:3\\npersonal_attack:1' → {'abusive': 3, 'personal_attack': 1}."""
    if not isinstance(cell, str):
        return {}
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"([a-z_]+):(\d+)", cell)}


def c3(data: Path, attributes: Sequence[str]) -> tuple[list[Example], list[Example]]:
    """(train, validation) split by article with ``analyzer.splits.is_validation``."""
    frame = pd.read_csv(data / "c3_constructive_comments" / "C3_anonymized.csv")
    train, validation = [], []
    for row in frame.itertuples(index=False):
        level = float(row.crowd_toxicity_level)
        counts = _counts(row.toxicity_characteristics)
        judges = counts.get("no_toxic", 0) + max([v for k, v in counts.items() if k != "no_toxic"], default=0)
        share = (lambda key: counts.get(key, 0) / judges) if judges else (lambda key: math.nan)
        group = str(row.article_id)
        held_out = is_validation(group)
        values = {
            "toxicity": float(level >= 2) if held_out else _clip(level - 1),
            "severe_toxicity": float(level >= 3) if held_out else _clip(level - 2),
            "insult": share("personal_attack"),
            "inflammatory": share("inflammatory"),
        }
        example = Example(
            text=str(row.comment_text),
            target=None,
            toxicity=toxicity_vector(attributes, **{k: v for k, v in values.items() if k in attributes}),
            stance=IGNORE_STANCE,
            group=group,
            source="c3",
        )
        (validation if held_out else train).append(example)
    return train, validation


def civil_comments_spans(data: Path, attributes: Sequence[str]) -> list[Example]:
    folder = data / "civil_comments_toxic_spans"
    comments = pd.read_csv(folder / "comments.csv")
    annotations = pd.read_csv(folder / "annotations.csv")
    toxic_share = 1.0 - annotations.groupby("comment_id")["not toxic"].mean()
    comments = comments[comments["comment_id"].isin(toxic_share.index)]
    return [
        Example(str(row.comment_text), None, toxicity_vector(attributes, toxicity=float(toxic_share[row.comment_id])),
                IGNORE_STANCE, f"cc-{row.comment_id}", "civil_comments_spans")
        for row in comments.itertuples(index=False)
    ]


def olid(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_csv(data / "olid_offenseval2019_train" / "olid-training-v1.0.tsv", sep="\t")
    examples = []
    for row in frame.itertuples(index=False):
        offensive = row.subtask_a == "OFF"
        values = {"toxicity": float(offensive), "insult": float(row.subtask_b == "TIN"),
                  "identity_attack": float(row.subtask_c == "GRP")}
        examples.append(Example(_clean_tweet(row.tweet), None, toxicity_vector(attributes, **values), IGNORE_STANCE,
                                f"olid-{row.id}", "olid"))
    return examples


def davidson(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_csv(data / "davidson_hate_offensive" / "labeled_data.csv")
    return [
        Example(_clean_tweet(row.tweet), None,
                toxicity_vector(attributes, toxicity=1 - row.neither / row.count, identity_attack=row.hate_speech / row.count),
                IGNORE_STANCE, f"davidson-{row[0]}", "davidson")
        for row in frame.itertuples(index=False)
    ]


def cat_wikipedia(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_csv(data / "cat_wikipedia_context_toxicity" / "gc.csv")
    return [
        Example(str(row.text), None, toxicity_vector(attributes, toxicity=float(row.label)), IGNORE_STANCE,
                f"cat-{row.id}", "cat_wikipedia")
        for row in frame.itertuples(index=False)
    ]


def toxigen(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_csv(data / "toxigen_statements" / "toxigen_prompt_statements.csv")
    return [
        Example(str(row.text), None, toxicity_vector(attributes, toxicity=float(row.label == "hate"),
                                                    identity_attack=float(row.label == "hate")),
                IGNORE_STANCE, f"toxigen-{row.target_group}", "toxigen")
        for row in frame.itertuples(index=False)
    ]


def impermium(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_csv(data / "impermium_insults_train" / "train.csv")
    return [
        Example(_unescape_impermium(str(row.Comment)), None, toxicity_vector(attributes, insult=float(row.Insult)),
                IGNORE_STANCE, f"impermium-{index}", "impermium")
        for index, row in enumerate(frame.itertuples(index=False))
    ]


def _unescape_impermium(cell: str) -> str:
    """The file stores each comment as a quoted Python-escaped string (``\\\\n``, ``\\\\xa0``, ``\\\\u2019``);
    some escapes spell UTF-8 bytes one by one (``\\\\xe2\\\\x80\\\\x99``): each such run is joined back."""
    inner = cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == '"' else cell
    text = inner.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return " ".join(_UTF8_BYTE_RUN.sub(_joined_utf8, text).split())


#: A UTF-8 lead byte and its continuation bytes, each read as one latin-1 character.
_UTF8_BYTE_RUN = re.compile(r"[\xc2-\xf4][\x80-\xbf]+")


def _joined_utf8(run: re.Match) -> str:
    try:
        return run.group().encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return run.group()


JIGSAW_ATTRIBUTES = {"toxicity": "toxic", "severe_toxicity": "severe_toxic", "insult": "insult",
                     "identity_attack": "identity_hate", "obscene": "obscene", "threat": "threat"}


def jigsaw(data: Path, attributes: Sequence[str]) -> list[Example]:
    frame = pd.read_parquet(data / "jigsaw_toxic_wikipedia_subset" / "jigsaw_toxic_subset.parquet")
    return [
        Example(str(row["comment_text"]), None,
                toxicity_vector(attributes, **{a: float(row[c]) for a, c in JIGSAW_ATTRIBUTES.items() if a in attributes}),
                IGNORE_STANCE, f"jigsaw-{row['id']}", "jigsaw")
        for row in frame.to_dict("records")
    ]


def vast(data: Path, attributes: Sequence[str]) -> tuple[list[Example], list[Example]]:
    """(train rows, zero-shot dev rows) of VAST."""
    folder = data / "vast_stance_train_dev"
    train_frame = pd.read_csv(folder / "vast_train.csv")
    train_frame = train_frame[train_frame["post"].fillna("").str.strip() != ""]
    dev = pd.read_csv(folder / "vast_dev.csv")
    dev = dev[dev["seen?"] == 0]
    empty = no_toxicity(attributes)
    train = [Example(str(r.post), _vast_target(r), empty, VAST_STANCE[int(r.label)], f"vast-{r.arc_id}", "vast")
             for r in train_frame.itertuples(index=False)]
    validation = [Example(str(r.Tweet), str(r.Target), empty, VAST_STANCE[int(r.Stance)], f"vast-dev-{i}", "vast_dev")
                  for i, r in enumerate(dev.itertuples(index=False))]
    return train, validation


def _vast_target(row) -> str:
    """The topic a VAST train row's label is about.

    ``topic_str`` is the topic the row was labelled against, in VAST's lemmatised form ("regulation
    corporation"), the form dev and test give as the target. ``new_topic`` is the same topic as a
    natural phrase ("regulation of corporations") — except on the synthetic neutral rows (type 4),
    where it is the post's own topic while the "neutral" label is about ``topic_str``, another
    post's topic: paired with ``new_topic`` those rows would teach "no stance on what the post
    argues". Type 4 rows therefore get ``topic_str``; the others get either form, half each (fixed
    per row), so that both terse and natural targets are learnt.
    """
    if int(row.type_idx) == 4 or stable_bucket(row.new_id, 2):
        return str(row.topic_str)
    return str(row.new_topic)


def vast_topics(data: Path) -> list[str]:
    frame = pd.read_csv(data / "vast_stance_train_dev" / "vast_train.csv", usecols=["new_topic"])
    return sorted(frame["new_topic"].dropna().astype(str).unique())


def nk_talks(data: Path, labels_csv: Path, attributes: Sequence[str]) -> tuple[list[Example], list[Example]]:
    """(train, check) hand-labelled NK-talks comments, each with its post title as context; empty lists
    when the labels file is absent."""
    if not labels_csv.is_file():
        return [], []
    comments = pd.read_csv(data / "nk_talks_reddit_comments_unlabeled" / "comments.csv", dtype=str, keep_default_na=False)
    by_id = {"nk-" + hashlib.sha1(t.encode("utf-8")).hexdigest()[:16]: (t, title)
             for t, title in zip(comments["text"], comments["post_title"])}
    labels = pd.read_csv(labels_csv, dtype=str)
    empty = no_toxicity(attributes)
    split: dict[str, list[Example]] = {"train": [], "check": []}
    for row in labels.itertuples(index=False):
        if row.comment_id in by_id:
            text, title = by_id[row.comment_id]
            split[row.split].append(Example(text, NK_TARGET, empty, STANCE_LABELS.index(row.stance), row.comment_id,
                                            "nk_talks", context=title or None))
    return split["train"], split["check"]


def _clean_tweet(text: str) -> str:
    """Tweets: drop the @USER / @handle and RT noise that news comments never have."""
    text = re.sub(r"(^|\s)(RT\s+)?@\w+:?", " ", str(text))
    return re.sub(r"\s+", " ", text.replace("&amp;", "&")).strip()


def sample(examples: Sequence[Example], n: int | None, seed: int, balance_on_toxicity: bool = False) -> list[Example]:
    """``n`` examples at random (all when n is None or larger); optionally half toxic, half not."""
    rng = random.Random(seed)
    pool = list(examples)
    if n is None or n >= len(pool):
        return pool
    if not balance_on_toxicity:
        return rng.sample(pool, n)
    toxic = [e for e in pool if e.toxicity[0] >= 0.5]
    clean = [e for e in pool if e.toxicity[0] < 0.5]
    k = min(n // 2, len(toxic))
    return rng.sample(toxic, k) + rng.sample(clean, min(n - k, len(clean)))


def with_random_targets(
    examples: Sequence[Example], topics: Sequence[str], rate: float, seed: int, stance: int | None = None
) -> list[Example]:
    """Pair toxicity examples with a random topic phrase (share ``rate``) so toxicity ignores the target.

    ``stance``: the label of a paired example (e.g. "none": a comment about something else takes no
    position on the topic, which is how VAST builds most of its "none" rows); None keeps its own.
    """
    rng = np.random.default_rng(seed)
    out = []
    for example in examples:
        target = topics[rng.integers(len(topics))] if topics and rng.random() < rate else None
        label = stance if target is not None and stance is not None else example.stance
        out.append(Example(example.text, target, example.toxicity, label, example.group, example.source))
    return out


def split_threads(examples: Sequence[Example], share: float) -> tuple[list[Example], list[Example]]:
    """(rest, about ``share`` of the threads) by a stable hash of each example's context (its post title),
    so that no thread is on both sides."""
    chosen = [e for e in examples if e.context and stable_bucket(e.context, 1000) < share * 1000]
    kept = set(map(id, chosen))
    return [e for e in examples if id(e) not in kept], chosen


def with_context_dropout(examples: Sequence[Example], rate: float, copies: int) -> list[Example]:
    """``copies`` of each example, each copy losing its context with probability ``rate`` (fixed per
    example and copy), so that a model trained on them also reads bare comments."""
    return [
        replace(e, context=None) if e.context and stable_bucket(f"{e.group}:{copy}", 1000) < rate * 1000 else e
        for copy in range(copies) for e in examples
    ]

