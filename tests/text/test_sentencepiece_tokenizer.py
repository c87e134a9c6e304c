import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from data_paths import requires_multi30k
from keras_s2s.datasets import load_multi30k
from keras_s2s.text import SentencePieceTokenizer
from keras_s2s.text import normalize_text
from keras_s2s.text import train_sentencepiece

pytestmark = requires_multi30k


@pytest.fixture(scope="module")
def sentences():
    en, de = load_multi30k("train")
    return en[:3000], de[:3000]


@pytest.fixture(scope="module")
def proto(sentences):
    return train_sentencepiece(sentences[1], vocab_size=800, progress=False)


@pytest.fixture(scope="module")
def tokenizer(proto):
    return SentencePieceTokenizer(proto)


def test_reserved_ids(tokenizer):
    pieces = tokenizer.id_to_piece(tf.constant([0, 1, 2, 3])).numpy()
    assert list(pieces) == [b"<pad>", b"<unk>", b"<s>", b"</s>"]
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.bos_id,
            tokenizer.eos_id) == (0, 1, 2, 3)
    assert tokenizer.vocab_size == 800


def test_round_trip_on_real_sentences(tokenizer, sentences):
    _, de = sentences
    test_de = load_multi30k("test")[1][:200]
    for batch in (de[:200], test_de):
        back = tokenizer.detokenize(tokenizer(batch)).numpy()
        expected = normalize_text(batch).numpy()
        assert list(back) == list(expected)
    # Real text is mostly unchanged by normalisation.
    assert sum(b.decode() == s for b, s in zip(back, test_de)) > 190


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=4))
def test_round_trip_any_unicode(tokenizer, texts):
    ids = tokenizer(texts)
    back = tokenizer.detokenize(ids).numpy()
    assert list(back) == list(normalize_text(texts).numpy())


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=1, max_size=40), st.integers(200, 2500))
def test_round_trip_long_strings(tokenizer, piece, repeats):
    text = piece * repeats  # up to 100,000 characters
    back = tokenizer.detokenize(tokenizer.tokenize([text])).numpy()[0]
    assert back == normalize_text([text]).numpy()[0]


def test_emoji_combining_marks_and_empty(tokenizer):
    texts = ["😀 emoji 👍🏽", "e\u0301te\u0301", "", "   ", "Ünïcödé"]
    back = [b.decode() for b in tokenizer.detokenize(tokenizer(texts)).numpy()]
    assert back == ["😀 emoji 👍🏽", "été", "", "", "Ünïcödé"]


def test_invalid_utf8_becomes_replacement_character(tokenizer):
    back = tokenizer.detokenize(tokenizer.tokenize(
        tf.constant([b"ab\xffcd"]))).numpy()[0].decode()
    assert back == "ab\ufffdcd"


def test_bos_eos_padding_and_length(proto):
    tok = SentencePieceTokenizer(proto, add_bos=True, add_eos=True,
                                 sequence_length=6)
    ids = tok(["Ein Hund läuft durch den Schnee.", "Hund"]).numpy()
    assert ids.shape == (2, 6)
    assert ids[0, 0] == 2 and ids[1, 0] == 2
    short = ids[1][ids[1] != 0]
    assert short[-1] == 3
    # detokenize cuts at </s> and drops specials and padding.
    assert tok.detokenize(ids).numpy()[1] == b"Hund"


def test_keras_and_saved_model_round_trip(proto, tmp_path):
    tok = SentencePieceTokenizer(proto, add_eos=True)
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, tok(inputs))
    texts = tf.constant(["Zwei Männer stehen am Strand.", "Ein Kind."])
    expected = model(texts).numpy()
    path = os.path.join(tmp_path, "tok.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded(texts).numpy(), expected)

    class Module(tf.Module):
        def __init__(self):
            super().__init__()
            self.tok = tok

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def round_trip(self, x):
            return self.tok.detokenize(self.tok(x))

    module = Module()
    tf.saved_model.save(module, os.path.join(tmp_path, "sm"),
                        signatures={"serving_default": module.round_trip})
    # On TF Serving's C++ path (tensorflow-text's ops loaded as it does).
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    _, [answer] = run_serving_path(os.path.join(tmp_path, "sm"), [
        predict_request({"x": texts})])
    [output] = answer.values()
    assert list(output) == [b"Zwei M\xc3\xa4nner stehen am Strand.",
                            b"Ein Kind."]


def test_bad_models_are_refused(tmp_path):
    with pytest.raises(ValueError, match="proto"):
        SentencePieceTokenizer("no such file and not base64 !!")
    with pytest.raises(ValueError, match="vocab_size"):
        train_sentencepiece(["a b c"], vocab_size=100)
    alphabet = "".join(chr(0x4E00 + i) for i in range(200))
    with pytest.raises(ValueError, match="too small"):
        train_sentencepiece([alphabet] * 20, vocab_size=300)


def test_survives_reseeding(proto):
    tok = SentencePieceTokenizer(proto)
    before = tok(["Ein Hund."]).numpy()
    keras.utils.set_random_seed(5)  # clears TF's eager kernel cache
    np.testing.assert_array_equal(tok(["Ein Hund."]).numpy(), before)


def test_reload_gives_traced_functions_a_live_resource(proto):
    tok = SentencePieceTokenizer(proto)
    expected = tok(["Ein Hund."]).numpy()
    keras.utils.set_random_seed(5)  # deletes the model resource
    text = tf.constant(["Ein Hund."])
    with pytest.raises(tf.errors.NotFoundError):
        tf.function(lambda x: tok(x))(text)  # traced with the deleted one
    tok.reload()
    np.testing.assert_array_equal(tf.function(lambda x: tok(x))(text).numpy(),
                                  expected)
