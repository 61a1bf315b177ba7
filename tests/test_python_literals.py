"""Python literals written where JSON was meant (analyzer/readers/_python_literals.py)."""

from __future__ import annotations

from pathlib import Path

from analyzer.readers import read_file

NOTE = "JSON repaired: Python literals (single quotes, None, True, False) read as the JSON they stand for"


def test_lines_a_scraper_printed_as_python_dicts_are_read_as_json_lines(tmp_path: Path) -> None:
    # print(comment) instead of json.dumps(comment): every line had been a reject ("not valid JSON")
    path = tmp_path / "comments.jsonl"
    path.write_text(
        "{'id': 't1_a', 'author': 'ann', 'body': \"It's a bad deal.\", 'created_utc': 1551300000.0, 'parent_id': 't3_p',"
        " 'edited': False, 'gilded': None, 'awards': ('gold',)}\n"
        "{'id': 't1_b', 'author': 'bo', 'body': 'He said \"no\".', 'created_utc': 1551300100.0, 'parent_id': 't1_a',"
        " 'edited': 1551300200.0, 'gilded': None, 'awards': ()}\n"
        "{'id': 't1_c', 'author': 'cy', 'body': 'cut short\n"
        "{'id': 't1_d', 'author': 'di', 'body': __import__('os').getcwd(), 'parent_id': 't3_p'}\n"
        "{'id': 't1_e', 'author': 'ed', 'body': 'Deep ' , 'x': " + "[" * 500 + "]" * 500 + "}\n")
    result = read_file(path)
    [article] = result.articles
    assert [(c.id, c.parent_id, c.author, c.text, c.extra.get("awards")) for c in article.comments] == [
        ("t1_a", None, "ann", "It's a bad deal.", ["gold"]), ("t1_b", "a", "bo", 'He said "no".', [])]
    # a line that is no literal (cut short; a call, which literal_eval never runs; nested past any comment's
    # depth) is rejected by its own number, as a broken JSON line is
    assert [(r.location.split(",")[0], r.reason.split(":")[0]) for r in result.rejects] == [
        ("file", "JSON repaired"), ("line 3", "not valid JSON"), ("line 4", "not valid JSON"),
        ("line 5", "not valid JSON")]
    assert result.rejects[0].reason == NOTE


def test_a_python_list_of_dicts_is_read_as_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text(repr([{"id": 1, "author": "ann", "text": "It's fine.", "flagged": True},
                          {"id": 2, "author": "bo", "text": "Too much.", "flagged": None}]))
    result = read_file(path)
    assert [(c.id, c.author, c.text) for a in result.articles for c in a.comments] == [
        ("1", "ann", "It's fine."), ("2", "bo", "Too much.")]
    assert [r.reason for r in result.rejects] == [NOTE]


def test_an_invented_scrapers_printed_dicts_keep_their_stories_and_threads(fixtures: Path) -> None:
    result = read_file(fixtures / "tabular/printed_dicts.jsonl")
    assert [(a.id, [(c.id, c.parent_id, c.author) for c in a.comments]) for a in result.articles] == [
        ("Ferry fares to rise in April", [("c1", None, "Maren"), ("c2", "c1", "Tobias"), ("c3", None, "Ines")]),
        ("New cycle lane opens on Quay Road", [("c4", None, "Jonas")])]
    assert result.articles[0].comments[1].text == 'Fuel went up for them too, to be "fair".'
    assert [r.reason for r in result.rejects] == [NOTE]
