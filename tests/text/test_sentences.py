import pytest

from keras_s2s.text import split_sentences


@pytest.mark.parametrize("text, expected", [
    ("A man rides a horse. Two dogs play in the snow!",
     ["A man rides a horse.", "Two dogs play in the snow!"]),
    ("Mr. Smith reads at 3.5 p.m. today. \"Is it cold?\" she asks.",
     ["Mr. Smith reads at 3.5 p.m. today.", "\"Is it cold?\" she asks."]),
    ("He said \"Stop.\" Then he left.", ["He said \"Stop.\"",
                                         "Then he left."]),
    ("J. R. Smith runs, e.g. Fast. Done", ["J. R. Smith runs, e.g. Fast.",
                                           "Done"]),
    ("one line\nanother line", ["one line", "another line"]),
    ("no end mark", ["no end mark"]),
    ("", []),
    ("   \n  ", []),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected
