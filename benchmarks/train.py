"""Training speed: `bilstm_attn_mt` against a plain Keras model of its size.

Prints target tokens/s of one optimizer step (forward, backward, Adam) for
the zoo's `bilstm_attn_mt` at its shipped size, with and without XLA and
bfloat16 mixed precision, beside a baseline measured in the same run: a
plain Keras model of about the same size, `keras.layers.LSTM` encoder
(bidirectional) and decoder with `keras.layers.AdditiveAttention` applied
after the decoder (the tensorflow.org tutorial's design, no input feeding).

Batches are random token ids shaped like Multi30k batches (64 pairs, 16
source and 17 target pieces, no padding), so every configuration does the
same work; tokens/s counts target tokens.

    python benchmarks/train.py [--batch 64] [--steps 10] [--variants ...]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_s2s import zoo  # noqa: E402
from keras_s2s.training import MaskedCrossEntropy  # noqa: E402

VOCAB = 8000


def plain_keras_model(vocab=VOCAB, emb=256, enc_units=256, dec_units=512):
    """The tutorial design: LSTM encoder/decoder, attention after decoding."""
    L = keras.layers
    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    x = L.Embedding(vocab, emb, mask_zero=True)(source)
    enc, fh, fc, bh, bc = L.Bidirectional(
        L.LSTM(enc_units, return_sequences=True, return_state=True))(x)
    h = L.Dense(dec_units, activation="tanh")(L.Concatenate()([fh, bh]))
    c = L.Dense(dec_units, activation="tanh")(L.Concatenate()([fc, bc]))
    # No target mask: Keras would turn it into a [batch, time] sample weight
    # for a loss that already masks padding itself.
    y = L.Embedding(vocab, emb)(target_in)
    dec = L.LSTM(dec_units, return_sequences=True)(y, initial_state=[h, c])
    keys = L.Dense(dec_units, use_bias=False)(enc)
    context = L.AdditiveAttention()([dec, keys])
    attentional = L.Dense(dec_units, activation="tanh", use_bias=False)(
        L.Concatenate()([context, dec]))
    logits = L.Dense(vocab)(attentional)
    return keras.Model({"source": source, "target_in": target_in}, logits)


def zoo_model():
    return zoo.load("bilstm_attn_mt", pretrained=False)


def time_steps(build, batch, steps, jit_compile=False, policy="float32"):
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0),
                  MaskedCrossEntropy(0.1), jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    x = {"source": rng.integers(4, VOCAB, (batch, 16)).astype("int32"),
         "target_in": rng.integers(4, VOCAB, (batch, 17)).astype("int32")}
    y = rng.integers(4, VOCAB, (batch, 17)).astype("int32")
    for _ in range(2):  # trace, compile and warm up
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    seconds = (time.perf_counter() - start) / steps
    keras.mixed_precision.set_global_policy("float32")
    return model.count_params(), seconds, y.size / seconds


VARIANTS = {
    "plain Keras (baseline)": (plain_keras_model, False, "float32"),
    "bilstm_attn_mt": (zoo_model, False, "float32"),
    "bilstm_attn_mt, XLA": (zoo_model, True, "float32"),
    "bilstm_attn_mt, bf16": (zoo_model, False, "mixed_bfloat16"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS),
                        choices=list(VARIANTS))
    args = parser.parse_args()
    rows = []
    for name in args.variants:
        build, jit, policy = VARIANTS[name]
        try:
            rows.append((name, *time_steps(build, args.batch, args.steps,
                                           jit, policy)))
        except Exception as error:  # XLA may refuse an op on some builds
            rows.append((name, None, None, None))
            print(f"{name}: failed ({type(error).__name__}: "
                  f"{str(error).splitlines()[0][:120]})")
    base = next((r[3] for r in rows if r[0].startswith("plain") and r[3]),
                None)
    print(f"\nbatch {args.batch} x 17 target tokens, {args.steps} timed steps"
          f" each, {os.cpu_count()} CPU cores")
    print(f"{'model':<26}{'params':>12}{'s/step':>9}{'tok/s':>9}"
          f"{'vs baseline':>13}")
    for name, params, seconds, rate in rows:
        if rate is None:
            print(f"{name:<26}{'failed':>12}")
            continue
        ratio = f"{rate / base:.2f}x" if base else "-"
        print(f"{name:<26}{params:>12,}{seconds:>9.3f}{rate:>9.0f}"
              f"{ratio:>13}")


if __name__ == "__main__":
    main()
