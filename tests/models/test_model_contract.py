"""Every encoder x every decoder x every attention: works or is refused.

A pair that can work is built, trained a step, and decoded greedily and with
beam search; a pair that cannot is refused when the model is put together,
with a message that names what is wrong. What the model consumes is read
from its `contract`, never from a class name.
"""

import itertools

import keras
import numpy as np
import pytest

from keras_s2s import layers
from keras_s2s.models import ModelContract
from keras_s2s.models import Seq2Seq

V, U = 12, 4
IMAGE = 8
ENCODERS = {
    "gru": lambda: layers.RNNEncoder("gru", U, vocab_size=V),
    "bilstm": lambda: layers.RNNEncoder("lstm", U, bidirectional=True,
                                        vocab_size=V),
    "conv": lambda: layers.ConvEncoder(V, embedding_dim=U, units=U,
                                       num_layers=1),
    "image": lambda: layers.ImageEncoder(U, filters=(2,), image_size=IMAGE),
}
DECODERS = {
    "attention": layers.AttentionDecoder,
    "pointer_generator": layers.PointerGeneratorDecoder,
}
ATTENTIONS = {
    **{score: (lambda score=score: layers.ContentAttention(U, score))
       for score in ("additive", "dot", "general", "scaled_dot")},
    "location": lambda: layers.LocationAttention(U, "location"),
    "location_aware": lambda: layers.LocationAttention(
        U, "location_aware", filters=2, kernel_size=3),
    "location_aware_positions": lambda: layers.LocationAttention(
        U, "location_aware", filters=2, kernel_size=3,
        position_features=True, max_length=16),
}
#: What cannot work, and the words its refusal must contain: a copying
#: decoder needs source tokens; a dot-product score needs queries (decoder
#: units) and values (encoder outputs, 2 * U when bidirectional) of one size.
REFUSED = {("image", "pointer_generator", None): "copies source tokens",
           ("bilstm", None, "dot"): "same last dimension",
           ("bilstm", None, "scaled_dot"): "same last dimension"}


def refusal(encoder, decoder, attention):
    for (e, d, a), words in REFUSED.items():
        if e == encoder and d in (None, decoder) and a in (None, attention):
            return words
    return None


def make(encoder, decoder, attention):
    return Seq2Seq(ENCODERS[encoder](), DECODERS[decoder](
        "gru", U, attention=ATTENTIONS[attention](), vocab_size=V,
        embedding_dim=U))


def batch(encoder, rng):
    if encoder == "image":
        source = rng.uniform(0, 255, (2, IMAGE, IMAGE, 3)).astype("float32")
    else:
        source = rng.integers(4, V, (2, 5)).astype("int32")
        source[1, 3:] = 0  # padding
    target_in = rng.integers(4, V, (2, 4)).astype("int32")
    target_in[:, 0] = 2
    target_out = np.concatenate([target_in[:, 1:], np.full((2, 1), 3)], 1)
    return source, target_in, target_out.astype("int32")


@pytest.mark.parametrize("encoder,decoder,attention",
                         list(itertools.product(ENCODERS, DECODERS,
                                                ATTENTIONS)))
def test_every_combination_works_or_is_refused(encoder, decoder, attention):
    words = refusal(encoder, decoder, attention)
    if words:
        with pytest.raises(ValueError, match=words):
            make(encoder, decoder, attention)
        return
    model = make(encoder, decoder, attention)
    contract = model.contract
    assert contract.source == ("image" if encoder == "image" else "text")
    assert contract.copies_source == (decoder == "pointer_generator")
    assert contract.shared_vocabulary == (decoder == "pointer_generator")
    source, target_in, target_out = batch(encoder, np.random.default_rng(0))
    model.build(contract.input_shapes())
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True, ignore_class=0), run_eagerly=True)
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch({"source": source, "target_in": target_in},
                                target_out)
    assert np.isfinite(loss)
    assert any(not np.array_equal(a, b)
               for a, b in zip(before, model.get_weights()))
    for method, beams in (("greedy", 1), ("beam", 2)):
        result = model.search(source, method=method, beam_size=beams,
                              num_return=beams, max_length=4)
        tokens = np.asarray(result["tokens"])
        lengths = np.asarray(result["lengths"])
        assert tokens.shape == (2, beams, 4)
        assert np.all((tokens >= 0) & (tokens < V))
        assert np.all((lengths >= 1) & (lengths <= 4))
        assert np.all(np.isfinite(np.asarray(result["scores"])))
        # Beams come best first.
        scores = np.asarray(result["scores"])
        assert np.all(scores[:, :-1] >= scores[:, 1:] - 1e-5)


def test_contract_comes_from_the_layers_not_their_names():
    class MyImageEncoder(layers.ImageEncoder):
        pass

    model = Seq2Seq(MyImageEncoder(U, filters=(2,), image_size=IMAGE),
                    layers.AttentionDecoder("gru", U, vocab_size=V))
    assert model.contract == ModelContract(source="image", image_size=IMAGE)
    assert model.contract.input_shapes() == {
        "source": (None, IMAGE, IMAGE, 3), "target_in": (None, None)}


def test_a_copying_decoder_needs_one_vocabulary():
    from keras_s2s.text import SentencePieceTokenizer
    from keras_s2s.text import train_sentencepiece

    texts = [f"a dog number {i} runs over the field" for i in range(40)]
    one = SentencePieceTokenizer(train_sentencepiece(texts, 300,
                                                     progress=False))
    other = SentencePieceTokenizer(train_sentencepiece(
        [t.upper() for t in texts], 300, progress=False))
    decoder = layers.PointerGeneratorDecoder("gru", U, vocab_size=V)
    with pytest.raises(ValueError, match="must share one vocabulary"):
        Seq2Seq(layers.RNNEncoder("gru", U, vocab_size=V), decoder,
                source_tokenizer=one, target_tokenizer=other)
    model = Seq2Seq(layers.RNNEncoder("gru", U, vocab_size=V),
                    layers.PointerGeneratorDecoder("gru", U, vocab_size=V),
                    source_tokenizer=one, target_tokenizer=one)
    assert model.contract.shared_vocabulary


def test_an_image_model_takes_no_source_tokenizer():
    from keras_s2s.text import SentencePieceTokenizer
    from keras_s2s.text import train_sentencepiece

    tok = SentencePieceTokenizer(train_sentencepiece(
        [f"a red circle {i}" for i in range(30)], 300, progress=False))
    with pytest.raises(ValueError, match="reads images, not text"):
        Seq2Seq(ENCODERS["image"](),
                layers.AttentionDecoder("gru", U, vocab_size=V),
                source_tokenizer=tok)


def test_layers_that_are_not_an_encoder_or_decoder_are_refused():
    with pytest.raises(ValueError, match="must be a keras_s2s.layers.Encoder"):
        Seq2Seq(keras.layers.Dense(3),
                layers.AttentionDecoder("gru", U, vocab_size=V))
    with pytest.raises(ValueError, match="must be a keras_s2s.layers.Decoder"):
        Seq2Seq(ENCODERS["gru"](), keras.layers.Dense(3))
