import json
import warnings

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


@pytest.mark.parametrize(
    ("written", "time"),
    [
        ("05.01.2024 10:00", "2024-01-05T10:00:00"),  # dots: day first, as everywhere they are written
        ("5.1.24 um 10:00 Uhr", "2024-01-05T10:00:00"),
        ("01/05/2024", "2024-01-05T00:00:00"),  # slashes stay month first
        ("5. Januar 2024 um 10:00", "2024-01-05T10:00:00"),  # it had been 5 May, the day taken from today
        ("12 mars 2023 à 14h05", "2023-03-12T14:05:00"),
        ("3 de enero de 2024 a las 9:15", "2024-01-03T09:15:00"),
        ("17 maggio 2022 alle 08:30", "2022-05-17T08:30:00"),
        ("5 mei 2021 om 10:12", "2021-05-05T10:12:00"),
        ("March 2023", None),  # no day: no time, rather than one made of today's
        ("Posted on Friday", None),
        ("10:42 AM", None),
        # a zone abbreviation gives its offset; one that names several zones (CST) gives none, and no warning
        ("Aug 8, 2012 5:24 PM PDT", "2012-08-08T17:24:00-07:00"),
        ("Posted by Bob at 10:00 AM EST on March 3, 2021", "2021-03-03T10:00:00-05:00"),
        ("5. Januar 2024 um 10:00 MEZ", "2024-01-05T10:00:00+01:00"),
        ("Feb 28, 2019 10:00 KST", "2019-02-28T10:00:00+09:00"),
        ("Aug 8, 2012 5:24 PM CST", "2012-08-08T17:24:00"),
    ],
)
def test_times_in_other_languages_and_orders_are_read_or_left_unknown(written, time):
    from analyzer.readers._common import to_iso8601

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert to_iso8601(written) == time


def test_epoch_milliseconds_are_read_as_such_and_a_compact_date_stays_a_date():
    from analyzer.readers._common import to_iso8601

    # JavaScript writes epoch milliseconds; as seconds they were past the year 9999, and no time at all
    assert to_iso8601(1570000000000) == to_iso8601("1570000000000") == "2019-10-02T07:06:40+00:00"
    assert to_iso8601(1570000000.5) == "2019-10-02T07:06:40.500000+00:00"
    assert to_iso8601("201910020706") == "2019-10-02T07:06:00"  # twelve digits: a date and time written together
    assert to_iso8601(1e16) is None  # microseconds are not guessed
