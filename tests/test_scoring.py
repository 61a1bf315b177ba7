"""The score stage with a tiny random model: rows, targets, table formats, resume, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analyzer.config import ScoreOptions
from analyzer.model import build_tiny_model
from analyzer.records import SCORE_ID_COLUMNS, STANCE_COLUMNS, Article, Comment, part_path_for, scores_sidecars
from analyzer.scoring import ScoreError, prepare_text, score, score_columns
from analyzer.targets import TargetPolicy, load_targets_file, own_words, target_from_title


@pytest.fixture(scope="module")
def model():
    return build_tiny_model(seed=3)


def _write_split(path: Path, articles: list[Article]) -> Path:
    path.write_text("".join(json.dumps(a.to_dict()) + "\n" for a in articles), encoding="utf-8")
    return path


def _thread(article_id: str, title: str | None, texts: list[str], **extra) -> Article:
    comments = [Comment(id=f"{article_id}-c{i}", text=t, position=i) for i, t in enumerate(texts)]
    return Article(
        id=article_id, source_file="invented.txt", format="plaintext", title=title, comments=comments, **extra
    )


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """Two threads with every status and kind, one reply, and an article without comments."""
    bikes = _thread(
        "bikes",
        "Opinion: Council votes on new bike lanes for Main Street | The Example Gazette",
        ["Finally, safer streets for kids.", "This will kill the shops on Main Street.", "Buy cheap watches here",
         "Comment removed by moderator", "Pingback: a blog links here"],
        declared_comment_count=6,
    )
    bikes.comments[1].parent_id, bikes.comments[1].depth = "bikes-c0", 1
    bikes.comments[2].status = "spam"
    bikes.comments[3].status = "deleted"
    bikes.comments[4].kind = "pingback"
    pool = _thread("pool", "Live: City pool reopens after repairs (video)", ["Pending approval text", "Nice!"])
    pool.comments[0].status = "pending"
    quiet = _thread("quiet", "Budget day", [], declared_comment_count=0)
    return _write_split(tmp_path / "split.jsonl", [bikes, pool, quiet])


def test_every_comment_gets_a_row_with_its_status_kind_and_scores(model, dump, tmp_path):
    out = tmp_path / "scores.csv"
    summary = score([dump], out, model=model)

    table = pd.read_csv(out)
    assert list(table.columns) == score_columns(model.attributes)
    assert summary.rows == len(table) == 7 and summary.articles == 3
    assert sorted(table["status"]) == sorted(["published"] * 4 + ["spam", "deleted", "pending"])
    assert table.loc[table["comment_id"] == "bikes-c4", "kind"].item() == "pingback"
    reply = table[table["comment_id"] == "bikes-c1"].iloc[0]
    assert reply["parent_id"] == "bikes-c0" and reply["depth"] == 1
    # a deleted comment whose text is only the notice of its removal keeps its row, unscored, with the reason
    notice = table["comment_id"] == "bikes-c3"
    assert table.loc[notice, ["toxicity", "stance"]].isna().all(axis=None)
    assert [r.location for r in summary.rejects if r.reason.startswith("deleted: its text is only the notice")] == [
        "article bikes, comment bikes-c3"]
    table = table[~notice]
    assert table["toxicity"].between(0, 1).all()
    stance = table[["stance_favor", "stance_against", "stance_none"]]
    assert (stance.sum(axis=1) - 1).abs().max() < 1e-6
    assert set(table["stance"]) <= {"favor", "against", "none"}


def test_a_deleted_comment_is_scored_by_its_words_and_a_removal_notice_is_not(model, tmp_path):
    # a moderator's trash keeps what the reader wrote; "[deleted]" and its like are the platform's words
    thread = _thread("t", "Ferry fares rise", ["You are all idiots.", "[deleted]", "[removed]",
                                             "This comment was removed by a moderator because it broke the rules.",
                                             "[deleted] is what they will do to the timetable, mark my words."])
    for comment in thread.comments:
        comment.status = "deleted"
    summary = score([_write_split(tmp_path / "in.jsonl", [thread])], tmp_path / "s.csv", model=model)
    table = pd.read_csv(tmp_path / "s.csv")
    assert table["toxicity"].notna().tolist() == [True, False, False, False, True]
    assert summary.rows == 5 and len([r for r in summary.rejects if r.reason.startswith("deleted:")]) == 3


def test_sidecars_hold_all_articles_and_the_run_metadata(model, dump, tmp_path):
    out = tmp_path / "scores.parquet"
    score([dump], out, model=model)
    articles_path, meta_path = scores_sidecars(out)
    articles = {a["id"]: a for a in map(json.loads, articles_path.read_text().splitlines())}
    assert set(articles) == {"bikes", "pool", "quiet"}
    assert "comments" not in articles["bikes"]
    assert (articles["bikes"]["found_comment_count"], articles["bikes"]["declared_comment_count"]) == (5, 6)
    assert articles["quiet"]["found_comment_count"] == 0
    meta = json.loads(meta_path.read_text())
    assert meta["model"]["name"] == "tiny" and meta["model"]["attributes"] == list(model.attributes)
    assert meta["model"]["toxicity_threshold"] == model.toxicity_threshold
    assert meta["counts"]["comments"] == 7 and meta["inputs"] == [str(dump)] and meta["created_at"]
    assert not part_path_for(out).exists()


def test_csv_jsonl_and_parquet_tables_have_the_same_schema_and_rows(model, dump, tmp_path):
    outputs = [tmp_path / "s.csv", tmp_path / "s.jsonl", tmp_path / "s.parquet"]
    score([dump], outputs, model=model)
    csv = pd.read_csv(outputs[0], dtype={"depth": "Int32"})
    jsonl = pd.read_json(outputs[1], lines=True, dtype={"depth": "Int32"})
    parquet = pd.read_parquet(outputs[2])
    columns = score_columns(model.attributes)
    for table in (csv, jsonl, parquet):
        assert list(table.columns) == columns
        assert list(table["comment_id"]) == list(csv["comment_id"])
        assert table["toxicity"].round(6).fillna(-1).tolist() == csv["toxicity"].round(6).fillna(-1).tolist()
    assert str(pq.read_schema(outputs[2]).field("depth").type) == "int32"
    assert "1.0" not in outputs[0].read_text().split("\n")[2].split(",")  # depth stays an integer in CSV


def test_unknown_table_type_is_refused(model, dump, tmp_path):
    with pytest.raises(ScoreError, match="unknown table type"):
        score([dump], tmp_path / "scores.xlsx", model=model)


# --- targets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Opinion: Council votes on new bike lanes | The Example Gazette", "Council votes on new bike lanes"),
        ("Live: City pool reopens after repairs (video)", "City pool reopens after repairs"),
        ("Nov 3, 2026: Mayor proposes a tax on second homes", "Mayor proposes a tax on second homes"),
        ("“Why the minimum wage must rise” — Example Times", "Why the minimum wage must rise"),
        ("The long and winding road of the regional rail link to the airport", "The long and winding road"),
        (None, None),
        ("", None),
    ],
)
def test_target_from_title_strips_boilerplate_and_shortens(title, expected):
    assert target_from_title(title, max_words=8) == expected


def test_targets_file_reads_csv_and_json_and_names_bad_files(tmp_path):
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("article_id,target\nbikes,bike lanes\npool,\n", encoding="utf-8")
    assert load_targets_file(csv_file) == {"bikes": "bike lanes"}
    json_file = tmp_path / "t.json"
    json_file.write_text(json.dumps([{"article_id": "pool", "target": "the pool"}]), encoding="utf-8")
    assert load_targets_file(json_file) == {"pool": "the pool"}
    json_file.write_text(json.dumps({"pool": "the pool"}), encoding="utf-8")
    assert load_targets_file(json_file) == {"pool": "the pool"}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\nx,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv: header: no 'target'"):
        load_targets_file(bad)


@pytest.mark.parametrize(
    ("text", "own", "left_out"),
    [
        ("> You are all idiots.\n\nNo need for that.", "No need for that.", 1),
        ("> > nested\n> quote\n\nmine\n\n> more\n\nand mine", "mine\n\nand mine", 3),
        ("  >indented\nreply", "reply", 1),
        (">:( so sad\nok", ">:( so sad\nok", 0),  # emoticons are no quotes
        (">_< fine", ">_< fine", 0),
        (">= 5 items\nok", ">= 5 items\nok", 0),
        ("a > b\nc", "a > b\nc", 0),
        ("> only a quote", "> only a quote", 0),  # nothing of its own: read whole
        # the line introducing a quote is the quote's, where a quoted line follows it
        ("On Mon, 5 Feb 2024 at 10:02, Ann <ann@example.org> wrote:\n> Idiots, all of them.\n\nCalm down.",
         "Calm down.", 2),
        ("Bo said:\n\n> fares go up\nThey should.", "They should.", 2),
        ("Quoting Cy:\n> no way\nyes way", "yes way", 2),
        ("Dee schrieb:\n> Unsinn\nStimmt nicht.", "Stimmt nicht.", 2),
        ("He said: nothing.\nfine", "He said: nothing.\nfine", 0),  # no quote below it: the commenter's own
        ("My neighbour said:\nthe fares go up.", "My neighbour said:\nthe fares go up.", 0),
    ],
)
def test_own_words_leave_out_quoted_lines(text, own, left_out):
    assert own_words(text) == (own, left_out)


def test_target_precedence_row_then_file_then_option_then_title(model, tmp_path):
    row_level = _thread("a", "Trams return to the old town", ["Good.", "Bad."])
    row_level.comments[0].extra["target"] = "tram fares"
    from_file = _thread("b", "Harbour gets a new ferry", ["Yes."])
    from_option = _thread("c", "Library hours cut", ["No."])
    dump = _write_split(tmp_path / "in.jsonl", [row_level, from_file, from_option])
    policy = TargetPolicy(fixed="city spending", by_article={"a": "old town trams", "b": "the ferry"})

    summary = score([dump], tmp_path / "s.csv", model=model, targets=policy)
    targets = dict(zip(*pd.read_csv(tmp_path / "s.csv")[["comment_id", "target"]].T.values))
    assert targets == {"a-c0": "tram fares", "a-c1": "old town trams", "b-c0": "the ferry", "c-c0": "city spending"}
    assert summary.target_sources == {"row": 1, "targets_file": 2, "option": 1}

    score([dump], tmp_path / "t.csv", model=model)
    derived = dict(zip(*pd.read_csv(tmp_path / "t.csv")[["comment_id", "target"]].T.values))
    assert derived["a-c0"] == "tram fares" and derived["c-c0"] == "Library hours cut"
    meta = json.loads(scores_sidecars(tmp_path / "t.csv")[1].read_text())
    assert "title-derived" in meta["target_method"] and meta["target_sources"]["title"] == 3


def test_comments_without_any_target_get_toxicity_but_no_stance(model, tmp_path):
    dump = _write_split(tmp_path / "in.jsonl", [_thread("x", None, ["Untitled page comment."])])
    score([dump], tmp_path / "s.jsonl", model=model)
    row = json.loads((tmp_path / "s.jsonl").read_text())
    assert row["target"] is None and row["stance"] is None and row["stance_favor"] is None
    assert 0 <= row["toxicity"] <= 1


# --- bad rows ----------------------------------------------------------------------------------


def test_bad_rows_are_scored_or_rejected_with_a_reason(model, tmp_path):
    megabyte = "The tram debate goes on and on. " * 33_000  # about 1 MB
    texts = ["", "   \n ", "\x00\x01\x02\x03\x04\x05ok", "Fine text\x07 with a bell", megabyte, "Ordinary comment."]
    # A short article first: format detection sniffs the first line of the file.
    dump = _write_split(tmp_path / "in.jsonl", [_thread("ok", "Buses", ["Fine."]), _thread("bad", "Trams", texts)])
    summary = score([dump], tmp_path / "s.jsonl", model=model, options=ScoreOptions(max_scored_chars=2000))

    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()][1:]
    assert [r["comment_id"] for r in rows] == [f"bad-c{i}" for i in range(6)]  # input order, every comment
    reasons = {r.location.split("comment ")[1]: r.reason for r in summary.rejects}
    assert set(reasons) == {"bad-c0", "bad-c1", "bad-c2"}
    assert reasons["bad-c0"].startswith("empty text") and reasons["bad-c2"].startswith("not text")
    assert all(rows[i]["toxicity"] is None for i in range(3))
    assert all(0 <= rows[i]["toxicity"] <= 1 for i in range(3, 6))
    assert rows[3]["text"] == "Fine text with a bell"
    assert len(rows[4]["text"]) == len(megabyte.strip()) or len(rows[4]["text"]) == len(megabyte)
    assert summary.shortened == 1 and summary.unscored == 3


def test_prepare_text_keeps_line_breaks_and_flags_long_text():
    options = ScoreOptions(max_scored_chars=10)
    assert prepare_text("a\nb\tc", options) == ("a\nb\tc", None, "a\nb\tc", 0, False)
    long = prepare_text("x" * 11, options)
    assert long.shortened is True and long.model_text == "x" * 10 and long.text == "x" * 11


def test_prepare_text_gives_the_model_the_commenters_own_words():
    reply = "> You have to be a special kind of stupid to believe that.\n\nSo he is going to believe it."
    prepared = prepare_text(reply, ScoreOptions())
    assert prepared.text == reply  # the table keeps the whole comment
    assert prepared.model_text == "So he is going to believe it." and prepared.quoted_lines == 1
    # the scoring limit applies to what the model reads, not to the quote
    assert prepare_text("> " + "q" * 50 + "\nmine", ScoreOptions(max_scored_chars=10)).shortened is False


def test_quoted_lines_are_not_scored_and_a_reply_reads_its_parents_own_words(tmp_path):
    reader = build_tiny_model(seed=3, max_length=128, context_tokens=32)
    insult = "You have to be a special kind of stupid to believe them."
    thread = _thread("talks", "Leaders meet for nuclear talks", [
        f"> {insult}\n\nSo the president will believe them.", "They will never give up anything.",
        "> > nested\n> quote only",
    ])
    thread.comments[1].parent_id, thread.comments[1].depth = "talks-c0", 1
    out = tmp_path / "scores.csv"
    summary = score([_write_split(tmp_path / "split.jsonl", [thread])], out, model=reader,
                    targets=TargetPolicy(fixed="the talks"))
    rows = pd.read_csv(out, keep_default_na=False).set_index("comment_id")
    assert rows.loc["talks-c0", "text"].startswith(f"> {insult}")
    assert list(rows["quoted_lines"]) == [1, 0, 0]  # an all-quote comment is read whole
    assert summary.quoting == 1 and any("quote others" in line for line in summary.lines())

    own = reader.predict("So the president will believe them.", "the talks", contexts="Leaders meet for nuclear talks")
    assert rows.loc["talks-c0", "toxicity"] == pytest.approx(own.toxicity["toxicity"], abs=1e-6)
    assert rows.loc["talks-c0", "stance_favor"] == pytest.approx(own.stance["favor"], abs=1e-6)
    # the reply's context is the title and what its parent said, not what the parent quoted
    answer = reader.predict("They will never give up anything.", "the talks",
                            contexts="Leaders meet for nuclear talks — So the president will believe them.")
    assert rows.loc["talks-c1", "stance_favor"] == pytest.approx(answer.stance["favor"], abs=1e-6)
    whole = reader.predict(rows.loc["talks-c0", "text"], "the talks", contexts="Leaders meet for nuclear talks")
    assert abs(whole.toxicity["toxicity"] - own.toxicity["toxicity"]) > 1e-6  # the quote would have moved it


def test_an_unreadable_input_file_is_named_and_the_others_still_scored(model, dump, tmp_path):
    missing = tmp_path / "missing.txt"
    summary = score([missing, dump], tmp_path / "s.csv", model=model)
    assert summary.rows == 7 and len(summary.errors) == 1 and "missing.txt" in summary.errors[0]


# --- resume ------------------------------------------------------------------------------------


class _Interrupted(Exception):
    pass


def test_an_interrupted_run_resumed_equals_an_uninterrupted_one(model, tmp_path, monkeypatch):
    threads = [_thread(f"t{n}", f"Topic number {n}", [f"Comment {n}.{i} about topic {n}." for i in range(7)])
               for n in range(4)]
    threads[1].comments[2].text = ""  # an unscorable row must survive the resume too
    dump = _write_split(tmp_path / "in.jsonl", threads)
    options = ScoreOptions(chunk_size=5)
    whole = tmp_path / "whole" / "scores.csv"
    score([dump], whole, model=model, options=options)

    real_predict, calls = model.predict, []

    def failing_predict(texts, targets=None, **kwargs):
        if len(calls) == 2:  # the third chunk dies: two chunks of five are in the part file
            raise _Interrupted
        calls.append(texts)
        return real_predict(texts, targets, **kwargs)

    resumed = tmp_path / "resumed" / "scores.csv"
    monkeypatch.setattr(model, "predict", failing_predict)
    with pytest.raises(_Interrupted):
        score([dump], resumed, model=model, options=options)
    part = part_path_for(resumed)
    assert part.exists() and not resumed.exists()
    with part.open("a", encoding="utf-8") as stream:
        stream.write('{"article_id": "t2", "comm')  # torn last line, as a kill mid-write leaves it

    monkeypatch.setattr(model, "predict", real_predict)
    summary = score([dump], resumed, model=model, options=options, resume=True)
    assert summary.resumed == 10 and summary.rows == 28
    assert summary.scored_now == 28 - 10 and summary.unscored == 1 and len(summary.rejects) == 1
    pd.testing.assert_frame_equal(pd.read_csv(resumed), pd.read_csv(whole))
    assert not part.exists()


def test_resume_refuses_a_part_file_from_another_model(model, dump, tmp_path):
    out = tmp_path / "scores.csv"
    part = part_path_for(out)
    part.write_text(json.dumps({"header": {"model": "other"}}) + "\n", encoding="utf-8")
    with pytest.raises(ScoreError, match="another model"):
        score([dump], out, model=model, resume=True)


def test_resume_with_an_empty_part_file_starts_over(model, dump, tmp_path):
    out = tmp_path / "scores.csv"
    part_path_for(out).write_text("")  # killed before the first chunk was written
    summary = score([dump], out, model=model, resume=True)
    assert summary.resumed == 0 and len(pd.read_csv(out)) == 7


def test_without_resume_a_stale_part_file_is_started_over(model, dump, tmp_path):
    out = tmp_path / "scores.csv"
    part_path_for(out).write_text('{"header": {"model": "other"}}\n{"article_id": "bikes", "comment_id": "bikes-c0"}\n')
    summary = score([dump], out, model=model)
    assert summary.resumed == 0 and len(pd.read_csv(out)) == 7


def test_schema_constants_lead_the_table(model):
    columns = score_columns(model.attributes)
    assert columns[: len(SCORE_ID_COLUMNS)] == list(SCORE_ID_COLUMNS)
    assert columns[-len(STANCE_COLUMNS):] == list(STANCE_COLUMNS)
    assert columns[len(SCORE_ID_COLUMNS)] == "toxicity"


def test_rows_say_which_context_their_stance_was_read_with(dump, tmp_path):
    reader = build_tiny_model(seed=3, max_length=128, context_tokens=32)  # room for the title and the parent
    out = tmp_path / "scores.csv"
    summary = score([dump], out, model=reader, targets=TargetPolicy(fixed="bike lanes"))
    context = pd.read_csv(out).set_index("comment_id")["context"]
    assert context["bikes-c1"] == "title+parent"  # a reply under a titled article
    assert context["bikes-c0"] == context["pool-c1"] == "title"
    assert summary.contexts == {"title+parent": 1, "title": 6}
    meta = json.loads(scores_sidecars(out)[1].read_text())
    assert meta["model"]["reads_context"] is True and meta["contexts"]["title"] == 6
    assert meta["model"]["float_recheck"] is None  # torch scores in float throughout

    # the reply's stance moves with its parent: the context reaches the model
    with_parent = pd.read_csv(out).set_index("comment_id").loc["bikes-c1", "stance_favor"]
    alone = reader.predict("This will kill the shops on Main Street.", "bike lanes",
                           contexts="Opinion: Council votes on new bike lanes for Main Street | The Example Gazette")
    assert abs(with_parent - alone.stance["favor"]) > 1e-6  # same input would agree to ~1e-8


def test_a_model_that_reads_no_context_says_none_on_every_row(model, dump, tmp_path):
    out = tmp_path / "scores.csv"
    score([dump], out, model=model, targets=TargetPolicy(fixed="bike lanes"))
    assert set(pd.read_csv(out)["context"]) == {"none"}


def test_scoring_dumps_says_what_split_says_of_each_file_and_of_a_folders_assets(model, fixtures, tmp_path):
    # score reads dumps itself: what split would print of each file (declared against found, comments a
    # script loads, page assets left unread) must not be lost because split was skipped
    saved = tmp_path / "saved"
    (saved / "page_files").mkdir(parents=True)
    (saved / "page.html").write_bytes((fixtures / "html/disqus_embed.html").read_bytes())
    (saved / "page_files" / "style.css").write_text("body { margin: 0; }\n")
    summary = score([saved, fixtures / "wxr/harbour_blog.xml"], tmp_path / "s.csv", model=model)
    lines = summary.lines()
    assert any(line.startswith(f"{saved / 'page.html'}: 1 article(s), 0 comment(s)")
               and "comments loaded by a script (Disqus)" in line for line in lines)
    assert f"{saved}: 0 article(s), 0 comment(s); 1 page asset(s) not read (.css 1)" in lines
    assert any(line.startswith(f"{fixtures / 'wxr/harbour_blog.xml'}: ") for line in lines)
    # a split JSONL has nothing of the kind to say
    split_lines = score([_write_split(tmp_path / "split.jsonl", [_thread("a", "T", ["fine"])])], tmp_path / "t.csv",
                        model=model).lines()
    assert split_lines[0].startswith("1 comment row(s) from 1 article(s)")
