"""A self-contained demo: train a small attention model to reverse digit strings.

`keras-s2s demo` builds a BiGRU encoder and a GRU decoder with additive
attention from the layers (no zoo, no downloads), trains it for a short while on
generated data with a progress bar, then decodes unseen inputs greedily in the
graph and prints them with the attention alignment of one example.
"""

import numpy as np

from keras_s2s.text.vocabulary import BOS_ID as BOS
from keras_s2s.text.vocabulary import EOS_ID as EOS
from keras_s2s.text.vocabulary import PAD_ID as PAD

FIRST_DIGIT = 4
VOCAB_SIZE = FIRST_DIGIT + 10


def make_reversal_data(num_examples, min_len=3, max_len=8, seed=0):
    """Random digit strings and their reversals, as padded id arrays."""
    rng = np.random.default_rng(seed)
    source = np.zeros((num_examples, max_len), "int32")
    target_in = np.zeros((num_examples, max_len + 1), "int32")
    target_out = np.zeros((num_examples, max_len + 1), "int32")
    for i in range(num_examples):
        n = rng.integers(min_len, max_len + 1)
        ids = rng.integers(FIRST_DIGIT, VOCAB_SIZE, size=n)
        rev = ids[::-1]
        source[i, :n] = ids
        target_in[i, 0] = BOS
        target_in[i, 1:n + 1] = rev
        target_out[i, :n] = rev
        target_out[i, n] = EOS
    return source, target_in, target_out


def ids_to_text(ids):
    digits = []
    for i in ids:
        if i in (EOS, PAD):
            break
        digits.append(str(i - FIRST_DIGIT) if i >= FIRST_DIGIT else "?")
    return "".join(digits)


def build_model(units=64):
    import keras

    from keras_s2s.layers import AttentionDecoder
    from keras_s2s.layers import ContentAttention
    from keras_s2s.layers import RNNEncoder
    from keras_s2s.models import Seq2Seq

    encoder = RNNEncoder("gru", units, bidirectional=True,
                         vocab_size=VOCAB_SIZE, embedding_dim=32)
    decoder = AttentionDecoder(
        "gru", units, attention=ContentAttention(units, "additive"),
        vocab_size=VOCAB_SIZE, embedding_dim=32)
    model = Seq2Seq(encoder, decoder, start_id=BOS, end_id=EOS, pad_id=PAD)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=PAD))
    return model


def run_demo(epochs=3, num_examples=8000, seed=0):
    """Trains the demo model and prints greedy decodes; returns the accuracy."""
    import keras

    keras.utils.set_random_seed(seed)
    src, tin, tout = make_reversal_data(num_examples, seed=seed)
    model = build_model()
    model({"source": src[:1], "target_in": tin[:1]})  # builds the weights
    print(f"Training a BiGRU + additive-attention model "
          f"({model.count_params():,} parameters) to reverse digit strings...")
    model.fit({"source": src, "target_in": tin}, tout, batch_size=64,
              epochs=epochs, verbose=1)
    test_src, _, _ = make_reversal_data(8, seed=seed + 1)
    result = model.search(test_src, method="greedy", max_length=10)
    tokens = keras.ops.convert_to_numpy(result["tokens"])[:, 0]
    correct = 0
    print(f"\n{'input':>10}  {'output':>10}  ok")
    for s, t in zip(test_src, tokens):
        inp, out = ids_to_text(s), ids_to_text(t)
        ok = out == inp[::-1]
        correct += ok
        print(f"{inp:>10}  {out:>10}  {'yes' if ok else 'no'}")
    print(f"\n{correct}/{len(test_src)} reversed correctly.")
    _print_alignment(model, test_src[:1], tokens[:1])
    return correct / len(test_src)


def _print_alignment(model, source, tokens):
    """Prints the attention of one decode as a text heat map."""
    import keras

    n_in = len(ids_to_text(source[0]))
    n_out = len(ids_to_text(tokens[0]))
    target_in = np.concatenate([[[BOS]], tokens[:, :max(n_out, 1)]], axis=1)
    outputs, state, mask = model.encoder(source)
    _, weights = model.decoder(target_in, outputs, state, mask,
                               return_attention=True)
    weights = keras.ops.convert_to_numpy(weights)[0]
    shades = " .:-=+*#%@"
    print("\nAttention (rows: output digits, columns: input digits):")
    print("   " + " ".join(ids_to_text(source[0])))
    for r in range(n_out):
        row = "".join(shades[min(int(w * 10), 9)] + " "
                      for w in weights[r, :n_in])
        print(f" {ids_to_text(tokens[0])[r]} {row}")
