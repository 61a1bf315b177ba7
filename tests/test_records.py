import json

import pytest

from analyzer.records import Article, Comment, read_articles, status_counts, write_articles


def _article() -> Article:
    return Article(
        id="a1",
        source_file="dump.txt",
        format="plaintext",
        title="Talks resume",
        declared_comment_count=3,
        comments=[
            Comment(id="c1", text="First.", position=0, depth=0, author="ann"),
            Comment(id="c2", text="Reply.", position=1, parent_id="c1", depth=1, status="pending"),
        ],
    )


def test_round_trip_through_jsonl(tmp_path):
    path = tmp_path / "out.jsonl"
    assert write_articles([_article(), _article()], path) == 2
    back = list(read_articles(path))
    assert back == [_article(), _article()]
    assert json.loads(path.read_text().splitlines()[0])["comments"][1]["parent_id"] == "c1"


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown comment status"):
        Comment(id="x", text="t", position=0, status="hidden")


def test_status_counts_lists_every_status():
    assert status_counts(_article().comments) == {"published": 1, "pending": 1, "spam": 0, "deleted": 0}


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(_article().to_dict()) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"bad.jsonl: line 2"):
        list(read_articles(path))


def test_times_are_iso8601_and_relative_times_are_unknown():
    from analyzer.readers._common import to_iso8601

    assert to_iso8601("October 5, 2019 at 3:42 pm") == "2019-10-05T15:42:00"
    assert to_iso8601(1570000000) == "2019-10-02T07:06:40+00:00"
    assert to_iso8601("5 years ago") is None
    assert to_iso8601("") is None
