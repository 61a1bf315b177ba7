"""Real reader comments under news articles, for the scale benchmarks (``bench_ray``, ``bench_gpu``).

Read from ``../shared`` at run time, never copied into the project; a benchmark that needs them says so
and stops when the folder is absent. C3 (12,000 Globe and Mail comments, kept under their own articles)
then Civil Comments' 16,100 news-site comments (in articles of 40): 28,100 comments. A larger input
repeats them under new ids, which the reports say.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from analyzer.records import Article, Comment
from eval.gate import SHARED

C3_FILE = "data/c3_constructive_comments/C3_anonymized.csv"
CIVIL_FILE = "data/civil_comments_toxic_spans/comments.csv"
#: Civil Comments come without articles: this many to an invented article.
CIVIL_PER_ARTICLE = 40


def load_news_comments(shared: Path = SHARED) -> list[tuple[str, str]]:
    """(article key, text) of every comment, in file order; raises FileNotFoundError without ``shared``."""
    import pandas as pd

    c3 = pd.read_csv(shared / C3_FILE, usecols=["article_id", "comment_text"])
    civil = pd.read_csv(shared / CIVIL_FILE, usecols=["comment_text"])
    comments = [(f"c3-{a}", str(t)) for a, t in zip(c3["article_id"], c3["comment_text"])]
    comments += [(f"civil-{i // CIVIL_PER_ARTICLE}", str(t)) for i, t in enumerate(civil["comment_text"])]
    return comments


def write_news_dump(path: Path, n_comments: int, comments: list[tuple[str, str]]) -> dict[str, float]:
    """A split JSONL of the first ``n_comments`` (repeated under new ids past the end); returns length statistics.

    Consecutive comments of one article key become one article, written as soon as it is complete.
    """
    words: list[int] = []
    with path.open("w", encoding="utf-8") as stream:
        article: Article | None = None
        for number in range(n_comments):
            key, text = comments[number % len(comments)]
            key = f"{key}-r{number // len(comments)}"  # a repeat is a new article
            if article is None or article.id != key:
                if article is not None:
                    stream.write(json.dumps(article.to_dict()) + "\n")
                article = Article(id=key, source_file="news-comments", format="plaintext")
            article.comments.append(Comment(id=f"n{number}", text=text, position=len(article.comments)))
            words.append(len(text.split()))
        if article is not None:
            stream.write(json.dumps(article.to_dict()) + "\n")
    counts = np.array(words)
    return {
        "comments": n_comments,
        "distinct_comments": min(n_comments, len(comments)),
        "median_words": float(np.median(counts)),
        "mean_words": round(float(counts.mean()), 1),
        "p90_words": float(np.percentile(counts, 90)),
        "p99_words": float(np.percentile(counts, 99)),
    }
