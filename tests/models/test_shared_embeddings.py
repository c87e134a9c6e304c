"""`Seq2Seq(share_embeddings=True)`: one embedding matrix for source and
target tokens, trained from both sides, saved once, served on TF Serving's
C++ path."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ConvEncoder
from keras_s2s.layers import ImageEncoder
from keras_s2s.layers import RNNDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1]
                       / "export"))
from serving_fixtures import build  # noqa: E402
from serving_fixtures import export_and_serve  # noqa: E402
from serving_fixtures import make_tokenizers  # noqa: E402

V, E = 30, 8
# Token 5 appears only in the source, token 9 only in target_in.
SOURCE = np.array([[5, 6, 7, 0]], "int32")
TARGET_IN = np.array([[2, 9, 6]], "int32")
TARGET_OUT = np.array([[9, 6, 3]], "int32")


def model(share=True, tie=False, encoder="rnn", decoder="attention"):
    keras.utils.set_random_seed(0)
    enc = (RNNEncoder("lstm", 4, bidirectional=True, vocab_size=V,
                      embedding_dim=E) if encoder == "rnn"
           else ConvEncoder(V, embedding_dim=E, units=8, num_layers=1))
    cls = AttentionDecoder if decoder == "attention" else RNNDecoder
    net = Seq2Seq(enc, cls("lstm", E, vocab_size=V, tie_embeddings=tie),
                  start_id=2, end_id=3, share_embeddings=share)
    net({"source": SOURCE, "target_in": TARGET_IN})
    return net


def embedding_variables(net):
    return [w for w in net.weights if w.shape == (V, E)]


@pytest.mark.parametrize("encoder, decoder", [("rnn", "attention"),
                                              ("conv", "rnn")])
def test_one_variable_for_both_sides(encoder, decoder):
    shared = model(True, encoder=encoder, decoder=decoder)
    apart = model(False, encoder=encoder, decoder=decoder)
    assert shared.decoder.embedding is shared.encoder.source_embedding()
    assert len(embedding_variables(shared)) == 1
    assert len(embedding_variables(apart)) == 2
    assert shared.count_params() == apart.count_params() - V * E
    assert shared.shared_vocabulary and shared.contract.shared_vocabulary


def test_trained_from_both_sides():
    net = model(True)
    [table] = embedding_variables(net)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        logits = net({"source": SOURCE, "target_in": TARGET_IN},
                     training=True)
        loss = loss_fn(TARGET_OUT, logits)
    grad = tf.convert_to_tensor(tape.gradient(loss, table.value))
    assert float(tf.norm(grad[5])) > 0  # a source-only token
    assert float(tf.norm(grad[9])) > 0  # a target-only token
    assert float(tf.norm(grad[20])) == 0  # a token seen on neither side


def test_three_way_tying_reads_one_matrix_for_output_too():
    net = model(True, tie=True)
    assert net.decoder.output_projection is None
    assert len(embedding_variables(net)) == 1
    [table] = embedding_variables(net)
    table.assign(table.value * 0.0)  # every logit's weight row is zero
    logits = net({"source": SOURCE, "target_in": TARGET_IN})
    # Only the output bias is left, the same for every position.
    np.testing.assert_allclose(logits[0, 0], logits[0, 1], atol=1e-6)


def test_saved_and_loaded_shared(tmp_path):
    net = model(True, tie=True)
    net.save(tmp_path / "m.keras")
    back = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    assert back.share_embeddings
    assert back.decoder.embedding is back.encoder.source_embedding()
    assert back.count_params() == net.count_params()
    inputs = {"source": SOURCE, "target_in": TARGET_IN}
    np.testing.assert_allclose(back(inputs), net(inputs), atol=1e-6)
    # A weights file into a freshly built model of the same config.
    net.save_weights(tmp_path / "m.weights.h5")
    fresh = model(True, tie=True)
    fresh.encoder.source_embedding().embeddings.assign(np.zeros((V, E)))
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(fresh(inputs), net(inputs), atol=1e-6)


def test_what_cannot_share_is_refused():
    with pytest.raises(ValueError, match="embeds tokens; ImageEncoder"):
        Seq2Seq(ImageEncoder(image_size=32),
                AttentionDecoder("gru", 8, vocab_size=V),
                share_embeddings=True)
    with pytest.raises(ValueError, match="30 x 8.*30 x 16|30 x 16.*30 x 8"):
        Seq2Seq(RNNEncoder("gru", 8, vocab_size=V, embedding_dim=8),
                AttentionDecoder("gru", 16, vocab_size=V),
                share_embeddings=True)
    with pytest.raises(ValueError, match="vocabulary x dimension"):
        Seq2Seq(RNNEncoder("gru", 8, vocab_size=V + 1),
                AttentionDecoder("gru", 8, vocab_size=V),
                share_embeddings=True)


def test_a_zoo_model_with_shared_embeddings_serves_on_the_cpp_path(tmp_path):
    tokenizers = make_tokenizers()
    net = build("bilstm_attn_mt", tokenizers, share_embeddings=True)
    assert net.decoder.embedding is net.encoder.source_embedding()
    path = export_and_serve(net, tmp_path / "m", check=False, warmup=False)
    # The checkpoint holds the shared matrix once.
    reader = tf.train.load_checkpoint(f"{path}/variables/variables")
    saved = sum(int(np.prod(shape)) for key, shape
                in reader.get_variable_to_shape_map().items()
                if key != "_CHECKPOINTABLE_OBJECT_GRAPH")
    assert saved == net.count_params()
