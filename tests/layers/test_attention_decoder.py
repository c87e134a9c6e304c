import numpy as np
import pytest
import tensorflow as tf

from decoder_steps import step_by_step
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import LocationAttention
from keras_s2s.layers import RNNEncoder

V = 11
SRC = np.array([[5, 6, 7, 0, 0], [4, 9, 8, 7, 6], [3, 4, 0, 0, 0]], "int32")
TGT = np.array([[2, 5, 6, 7, 0], [2, 9, 8, 1, 4], [2, 3, 0, 0, 0]], "int32")


def attentions():
    return {
        "additive_coverage": lambda: ContentAttention(6, "additive",
                                                      use_coverage=True),
        "general": lambda: ContentAttention(None, "general"),
        "scaled_dot": lambda: ContentAttention(None, "scaled_dot"),
        "location": lambda: LocationAttention(6, "location"),
        "location_aware": lambda: LocationAttention(
            6, "location_aware", filters=3, kernel_size=3,
            position_features=True),
    }


def make(cell, attention, input_feeding=True, num_layers=1, units=6):
    encoder = RNNEncoder(cell, units // 2, bidirectional=True, vocab_size=V)
    decoder = AttentionDecoder(cell, units, attention=attention,
                               vocab_size=V, input_feeding=input_feeding,
                               num_layers=num_layers)
    return encoder, decoder


@pytest.mark.parametrize("attention", list(attentions()))
@pytest.mark.parametrize("cell,input_feeding,num_layers",
                         [("lstm", True, 2), ("gru", False, 1)])
def test_teacher_forcing_equals_step_by_step(attention, cell, input_feeding,
                                             num_layers):
    encoder, decoder = make(cell, attentions()[attention](), input_feeding,
                            num_layers)
    outputs, state, mask = encoder(SRC)
    logits, weights = decoder(TGT, outputs, state, mask,
                              return_attention=True)
    for t, step_logits, step_state in step_by_step(decoder, outputs, state,
                                                   mask, TGT):
        np.testing.assert_allclose(step_logits, np.asarray(logits)[:, t],
                                   atol=1e-5)
        np.testing.assert_allclose(np.asarray(step_state["weights"]),
                                   np.asarray(weights)[:, t], atol=1e-5)
    weights = np.asarray(weights)
    assert np.all(weights[~np.broadcast_to((SRC != 0)[:, None],
                                           weights.shape)] == 0)


def test_padding_in_the_batch_does_not_change_a_sentence():
    encoder, decoder = make("lstm", ContentAttention(6, "additive"))
    outputs, state, mask = encoder(SRC)
    logits = np.asarray(decoder(TGT, outputs, state, mask))
    alone_out, alone_state, alone_mask = encoder(SRC[2:, :2])
    alone = np.asarray(decoder(TGT[2:, :2], alone_out, alone_state,
                               alone_mask))
    np.testing.assert_allclose(logits[2, :2], alone[0], atol=1e-5)


@pytest.mark.parametrize("attention", list(attentions()))
def test_gradients_reach_every_trainable_weight(attention):
    encoder, decoder = make("lstm", attentions()[attention](),
                            num_layers=2)
    targets = np.roll(TGT, -1, axis=1)
    with tf.GradientTape() as tape:
        outputs, state, mask = encoder(SRC, training=True)
        logits = decoder(TGT, outputs, state, mask, training=True)
        loss = tf.reduce_mean(
            tf.keras.losses.sparse_categorical_crossentropy(
                targets, logits, from_logits=True))
    variables = encoder.trainable_variables + decoder.trainable_variables
    grads = tape.gradient(loss, variables)
    missing = [v.path for v, g in zip(variables, grads)
               if g is None or not np.any(np.asarray(tf.convert_to_tensor(g)))]
    assert not missing, f"no gradient reaches {missing}"


def test_config_round_trip_rebuilds_the_attention():
    _, decoder = make("gru", LocationAttention(6, "location_aware",
                                               kernel_size=3))
    outputs = np.random.default_rng(0).normal(size=(3, 5, 6)).astype("f")
    logits = decoder(TGT, outputs)
    clone = AttentionDecoder.from_config(decoder.get_config())
    assert isinstance(clone.attention, LocationAttention)
    assert clone.attention.mode == "location_aware"
    clone(TGT, outputs)
    clone.set_weights(decoder.get_weights())
    np.testing.assert_array_equal(np.asarray(logits),
                                  np.asarray(clone(TGT, outputs)))


def test_dropout_only_in_training():
    decoder = AttentionDecoder("gru", 6, vocab_size=V, dropout=0.5)
    outputs = np.ones((3, 5, 6), "float32")
    a = np.asarray(decoder(TGT, outputs))
    b = np.asarray(decoder(TGT, outputs, training=False))
    c = np.asarray(decoder(TGT, outputs, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kwargs,match", [
    ({"cell": "rnn", "vocab_size": 5}, "cell"),
    ({"cell": "gru"}, "vocab_size"),
    ({"cell": "gru", "vocab_size": 5, "attention": "bahdanau"}, "attention"),
    ({"cell": "gru", "vocab_size": 5, "dropout": -0.1}, "dropout"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AttentionDecoder(units=4, **kwargs)


def test_bad_input_shapes():
    decoder = AttentionDecoder("gru", 4, vocab_size=5)
    with pytest.raises(ValueError, match="encoder_outputs"):
        decoder(TGT, np.ones((3, 5), "float32"))
    decoder = AttentionDecoder("gru", 4, vocab_size=5)
    with pytest.raises(ValueError, match="inputs"):
        decoder(TGT[..., None], np.ones((3, 5, 4), "float32"))
