"""The saved-HTML reader on the real pages in ../shared/formats/html_* (counts from each PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.readers import read_file

pytestmark = pytest.mark.shared

# file → (comments read, rejected entries, declared count on the page, replies); see the notes below.
EXPECTED = {
    "html_wordpress/lemire.me.json.html": (5, 0, 5, 2),
    "html_wordpress/netzpolitik.org.abmahnungen.html": (74, 0, 91, 38),
    # PROVENANCE: 3 li#comment-N under a "(78 Responses)" header; the rest are on other comment pages.
    "html_wordpress/dragnet_T62_cnn_politicalticker.html": (3, 0, 78, 0),
    "html_wordpress/readability_wordpress_source.html": (13, 0, 13, 9),
    "html_disqus/dragnet_R871_redstate.html": (5, 0, None, 0),
    # A modern Disqus embed: the comments are not in the saved page, and none may be invented.
    "html_disqus/caktusgroup.com.django.html": (0, 0, None, 0),
    # 115 comment_N ids = 100 comments with text + 15 collapsed entries whose text the page does not
    # hold; those become rejects, and their replies keep parent links to them.
    "html_other/dragnet_294_slashdot_politics.html": (100, 15, 253, 75),
    "html_other/readability_aclu_source.html": (10, 0, 27, 2),
    # ZEIT: "571 Kommentare" in the header, 8 comments on this page (#1, #1.1 … #4.1).
    "html_other/zeit.de.zugverkehr.html": (8, 0, 571, 4),
}


def _pages(shared: Path) -> list[Path]:
    return sorted((shared / "formats").glob("html_*/*.html"))


def test_every_shared_page_is_listed(shared: Path):
    assert {str(p.relative_to(shared / "formats")) for p in _pages(shared)} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_comment_counts_and_parent_links(shared: Path, name: str):
    comments_expected, rejects_expected, declared, replies = EXPECTED[name]
    result = read_file(shared / "formats" / name, "html")
    (article,) = result.articles
    assert len(article.comments) == comments_expected
    assert len(result.rejects) == rejects_expected
    assert article.declared_comment_count == declared
    assert sum(c.parent_id is not None for c in article.comments) == replies
    ids = [c.id for c in article.comments]
    assert len(set(ids)) == len(ids)
    rejected = {r.location.removeprefix("comment ") for r in result.rejects}
    position = {c.id: c.position for c in article.comments}
    for comment in article.comments:
        assert comment.text.strip()
        if comment.parent_id is not None:
            # Every parent is a comment read earlier, or an entry the page shows without its text.
            assert comment.parent_id in rejected or position[comment.parent_id] < comment.position
            assert comment.depth >= 1
        else:
            assert comment.depth == 0
    for comment in article.comments:
        # Comments quote the article, so only whole comments of some length are checked against the body.
        assert len(comment.text) < 80 or comment.text not in article.body


def test_wordpress_details(shared: Path):
    (article,) = read_file(shared / "formats/html_wordpress/lemire.me.json.html", "html").articles
    assert article.title.startswith("JSON parsing")
    assert all(c.author and c.time for c in article.comments)
    assert "Leave a Reply" not in " ".join(c.text for c in article.comments)


def test_zeit_moderator_removals_are_deleted(shared: Path):
    (article,) = read_file(shared / "formats/html_other/zeit.de.zugverkehr.html", "html").articles
    statuses = [c.status for c in article.comments]
    assert statuses.count("deleted") == 2
    assert statuses.count("published") == 6


def test_redstate_mis_declared_encoding_reads_cleanly(shared: Path):
    (article,) = read_file(shared / "formats/html_disqus/dragnet_R871_redstate.html", "html").articles
    text = article.body + " ".join(c.text for c in article.comments)
    assert "\u00e2\u0080" not in text and "\ufffd" not in text
    assert "\u2019" in text
