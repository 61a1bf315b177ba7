"""The public surface is exactly what __all__ promises (httpx-style), and every name resolves."""

import analyzer

EXPECTED = {
    "Article", "Comment", "Reject", "ReadOptions", "ReaderError",
    "detect_format", "read_file", "read_articles", "write_articles", "split",
    "load_model", "Model", "Prediction", "build_tiny_model",
    "score", "run", "TargetPolicy", "build_report",
}


def test_exported_names_are_exactly_the_intended_ones():
    assert set(analyzer.__all__) == EXPECTED


def test_every_exported_name_resolves():
    for name in analyzer.__all__:
        assert getattr(analyzer, name) is not None, name


def test_unknown_attribute_raises():
    import pytest

    with pytest.raises(AttributeError):
        analyzer.not_a_thing  # noqa: B018
