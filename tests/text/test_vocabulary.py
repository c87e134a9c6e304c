import re

import pytest

from keras_s2s.text import SentencePieceTokenizer
from keras_s2s.text import train_sentencepiece

TEXTS = [f"a {colour} dog runs over the {place} number {i}."
         for i, (colour, place) in enumerate(
             [("brown", "field"), ("black", "beach"), ("white", "street"),
              ("grey", "park")] * 30)]


def test_progress_is_one_line_that_says_what_it_counts(capsys):
    proto = train_sentencepiece(TEXTS, vocab_size=300)
    out = capsys.readouterr().out
    assert re.fullmatch(r"SentencePiece vocabulary \(300 pieces\) from 120 "
                        r"texts\.\.\. \d+\.\d s\n", out), out
    # What was printed is what was trained: a model that reads the texts.
    tokenizer = SentencePieceTokenizer(proto)
    back = tokenizer.detokenize(tokenizer.tokenize(TEXTS[:2])).numpy()
    assert [b.decode() for b in back] == TEXTS[:2]


def test_quiet_when_asked(capsys):
    train_sentencepiece(TEXTS, vocab_size=300, progress=False)
    assert capsys.readouterr().out == ""


def test_too_small_a_vocabulary_names_the_size_needed(capsys):
    texts = [chr(0x4e00 + i) * 3 for i in range(400)]
    with pytest.raises(ValueError, match=r"vocab_size=270 is too small .* "
                                         r"need about \d+ ids"):
        train_sentencepiece(texts, vocab_size=270, character_coverage=1.0)
    assert capsys.readouterr().out.endswith("... failed\n")


DIALOGUES = [f"#Person{1 + i % 2}#: the {colour} dog is #Person{2 - i % 2}#'s."
             for i, colour in enumerate(["brown", "black", "white"] * 40)]


def test_user_defined_symbols_are_one_piece_wherever_they_occur():
    tags = [f"#Person{i}#" for i in range(1, 4)]
    with_tags = SentencePieceTokenizer(train_sentencepiece(
        DIALOGUES, vocab_size=300, progress=False,
        user_defined_symbols=tags))
    without = SentencePieceTokenizer(train_sentencepiece(
        DIALOGUES, vocab_size=300, progress=False))
    text = "#Person2#: #Person1#'s dog and #Person3#."
    ids = [int(i) for i in with_tags.tokenize([text])[0]]
    pieces = [p.decode() for p in with_tags.id_to_piece(ids).numpy()]
    for tag in tags:  # the unseen #Person3# too
        assert tag in pieces, pieces
    assert with_tags.detokenize([ids]).numpy()[0].decode() == text
    # Without them, a tag is spelt with several pieces.
    plain = [p.decode() for p in without.id_to_piece(
        [int(i) for i in without.tokenize([text])[0]]).numpy()]
    assert "#Person3#" not in plain


@pytest.mark.parametrize("bad", ["", "two words", 3])
def test_bad_user_defined_symbols(bad):
    with pytest.raises(ValueError, match="user-defined symbol"):
        train_sentencepiece(DIALOGUES, vocab_size=300, progress=False,
                            user_defined_symbols=[bad])
