"""Comments in a language the model does not read are left unscored, with the language named."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analyzer._language import foreign_language, identify
from analyzer.cli import _language_check
from analyzer.config import LanguageCheck, ScoreOptions
from analyzer.model import build_tiny_model
from analyzer.records import Article, Comment, scores_sidecars
from analyzer.report.data import load
from analyzer.scoring import score

# Invented comments, one language each.
GERMAN = "Die neue Brücke ist viel zu teuer geworden, und der Stadtrat hat das von Anfang an gewusst."
FRENCH = "Le conseil municipal aurait dû consulter les habitants avant de fermer la piscine du quartier."
SPANISH = "El alcalde prometió más autobuses nocturnos, pero seguimos esperando desde hace dos años."
ENGLISH = [
    "The council should have asked the residents before closing the pool.",
    "lol ok",
    "Kim Jong Un!!!",
    "Great, another summit photo op and nothing signed.",
    "This is what happens when nobody reads the budget.",
    "Meh. Same old, same old.",
]


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr"), (SPANISH, "es")])
def test_a_comment_in_another_language_is_named(text: str, code: str) -> None:
    found = foreign_language(text, LanguageCheck())
    assert found is not None and found.code == code and identify(text)["en"] <= LanguageCheck().max_own_probability


@pytest.mark.parametrize("text", ENGLISH)
def test_english_comments_short_or_long_pass(text: str) -> None:
    assert foreign_language(text, LanguageCheck()) is None


def test_a_model_reading_that_language_scores_it_and_two_words_say_nothing() -> None:
    assert foreign_language(GERMAN, LanguageCheck(languages=("en", "de"))) is None
    guess = identify("Danke schön")
    assert max(guess, key=guess.__getitem__) != "en"  # what the word floor is for: a guess on two words
    assert foreign_language("Danke schön", LanguageCheck()) is None


def test_a_line_of_links_is_no_language_to_refuse() -> None:
    links = "http://t.co/ab12Cd http://bit.ly/XyZ987 http://shar.es/qNGKo http://t.co/LyWpopfJ"
    assert foreign_language(links, LanguageCheck()) is None


@pytest.mark.parametrize(("given", "languages"), [("en", ("en",)), ("en, FR", ("en", "fr")), ("de,", ("de",))])
def test_languages_option(given: str, languages: tuple[str, ...]) -> None:
    check = _language_check(given)
    assert check is not None and check.languages == languages
    assert _language_check("any") is None


@pytest.fixture(scope="module")
def model():
    return build_tiny_model(seed=3)


def _mixed_dump(path: Path) -> Path:
    texts = [ENGLISH[0], GERMAN, ENGLISH[3], FRENCH, "Nein."]
    article = Article(id="pool", source_file="invented.txt", format="plaintext", title="The pool closes",
                      comments=[Comment(id=f"c{i}", text=t, position=i) for i, t in enumerate(texts)])
    path.write_text(json.dumps(article.to_dict()) + "\n", encoding="utf-8")
    return path


def test_score_leaves_other_languages_unscored_with_a_reject_and_says_so(model, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    summary = score([_mixed_dump(tmp_path / "in.jsonl")], out, model=model)
    table = pd.read_csv(out)
    assert list(table["comment_id"]) == ["c0", "c1", "c2", "c3", "c4"]  # every row kept, in order
    unscored = table.loc[table["toxicity"].isna(), "comment_id"].tolist()
    assert unscored == ["c1", "c3"] and table.loc[table["comment_id"].isin(unscored), "stance"].isna().all()
    reasons = {r.location: r.reason for r in summary.rejects}
    assert reasons["article pool, comment c1"].startswith("written in another language: most likely de (probability")
    assert "--languages any" in reasons["article pool, comment c3"]
    assert summary.other_languages == {"de": 1, "fr": 1} and summary.unscored == 0
    assert any(line.startswith("2 comment(s) in a language the model does not read left unscored (")
               for line in summary.lines())
    meta = json.loads(scores_sidecars(out)[1].read_text())
    assert meta["counts"]["other_languages"] == {"de": 1, "fr": 1}
    assert meta["language_check"]["languages"] == ["en"]
    assert load(out).run.other_languages == {"de": 1, "fr": 1}  # what the report's header states


def test_without_a_language_check_every_comment_is_scored(model, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    summary = score([_mixed_dump(tmp_path / "in.jsonl")], out, model=model,
                    options=ScoreOptions(language_check=None))
    assert pd.read_csv(out)["toxicity"].notna().all() and not summary.other_languages and not summary.rejects


def test_the_language_benchmark_counts_each_rule_with_an_interval() -> None:
    from eval.language_check import measure

    result = measure([GERMAN, FRENCH, *ENGLISH], LanguageCheck())
    assert (result["comments"], result["unscored"]) == (8, 2) and result["languages"] == {"de": 1, "fr": 1}
    low, high = result["interval"]
    assert low < 2 / 8 < high
    assert result["top_language_rule"] >= 1  # the comparison rule runs on the same texts


@pytest.mark.shared
def test_on_real_comments_english_threads_are_scored_and_german_ones_are_not(shared: Path) -> None:
    from eval.language_check import _nk_reddit, german_comments

    reddit = _nk_reddit(shared / "data")
    left_out = [text for text in reddit if foreign_language(text, LanguageCheck())]
    assert len(reddit) > 2000 and len(left_out) <= 0.002 * len(reddit)
    german = german_comments(shared / "formats")
    caught = [text for text in german if (found := foreign_language(text, LanguageCheck())) and found.code == "de"]
    assert len(german) > 50 and len(caught) >= 0.9 * len(german)


def test_english_written_in_disguise_is_judged_as_the_model_reads_it(model, tmp_path: Path) -> None:
    # read as written, the language check called these Japanese, Amharic, Serbian and Ligurian, so the insults
    # went unscored
    disguised = ["ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ", "ʏᴏᴜ ᴀʀᴇ ᴀɴ ɪᴅɪᴏᴛ ᴀɴᴅ ᴀ ᴍᴏʀᴏɴ", "Yоu аrе а соmрlеtе mоrоn, gо аwау",
                 "y o u a r e a n i d i o t"]
    assert [foreign_language(text, LanguageCheck()) is not None for text in disguised] == [True] * 4
    article = Article(id="pool", source_file="invented.txt", format="plaintext", title="The pool closes",
                      comments=[Comment(id=f"c{i}", text=t, position=i) for i, t in enumerate([*disguised, GERMAN])])
    dump = tmp_path / "in.jsonl"
    dump.write_text(json.dumps(article.to_dict()) + "\n", encoding="utf-8")
    summary = score([dump], tmp_path / "scores.csv", model=model)
    table = pd.read_csv(tmp_path / "scores.csv")
    assert table.loc[table["toxicity"].isna(), "comment_id"].tolist() == ["c4"]
    assert summary.other_languages == {"de": 1}
