"""Training speed: `bilstm_attn_mt` against a plain Keras model of its size.

Prints target tokens/s of one optimizer step (forward, backward, Adam) for
the zoo's `bilstm_attn_mt` at its shipped size, with and without XLA and
bfloat16 mixed precision, beside a baseline measured in the same run: a
plain Keras model of about the same size, `keras.layers.LSTM` encoder
(bidirectional) and decoder with `keras.layers.AdditiveAttention` applied
after the decoder (the tensorflow.org tutorial's design, no input feeding).

Batches are random token ids shaped like Multi30k batches (64 pairs, 16
source and 17 target pieces, no padding), so every configuration does the
same work; tokens/s counts target tokens. The row "gather loss" is the
zoo model with the loss as it was computed before the fused softmax
cross-entropy (`GatherCrossEntropy` below: the same values, another
gradient), for the comparison; the row "TF fused loss" is the zoo model
with the loss as it was computed before 2026-12-07, TensorFlow's fused
softmax cross-entropy op against dense smoothed labels
(`FusedOpCrossEntropy` below: the same values). The zoo rows train with
the optimizer of `keras-s2s train`, `keras_s2s.training.FusedAdam`; the
row "Keras Adam" is the zoo model with `keras.optimizers.Adam` (the same
update, one op per element-wise pass), and the plain Keras baseline uses
it too.

The row "matmuls alone (bound)" times only the matrix products one step of
`bilstm_attn_mt` must do at these shapes (forward, and the two products of
each one's gradient), run one after the other in a `tf.function` as the
recurrences force: the encoder's and decoder's cells once per time step,
the output layer and the input-side products once over all positions. No
implementation of this model trains faster on this machine than that row
(in float32; "bf16" casts the same products to bfloat16), so it shows which
training-speed targets the hardware allows at all.

With `--real-batches N`, every row but the bound trains instead on the
first N + 10 batches of Multi30k train as `keras-s2s train` builds them
(the shipped vocabularies, bucketed by the longer side, shuffled with
seed 0; the same batches for every row, held in memory), through
`model.fit`, and times the N steps after the first 10 (which trace and
warm up each shape); tokens/s then counts real target tokens.

    python benchmarks/train.py [--batch 64] [--steps 10] [--variants ...]
        [--real-batches N]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_s2s import zoo  # noqa: E402
from keras_s2s.training import FusedAdam  # noqa: E402
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


class GatherCrossEntropy(MaskedCrossEntropy):
    """The loss as `MaskedCrossEntropy` computed it before 2026-11-28:
    log p(y) picked out of the [B, T, V] log-probabilities, whose gradient
    scatters back into a [B, T, V] zero tensor. Same values."""

    def token_losses(self, y_true, logits):
        from keras import ops

        log_probs = ops.log_softmax(logits, axis=-1)
        nll = -ops.squeeze(ops.take_along_axis(
            log_probs, ops.expand_dims(y_true, -1), axis=-1), -1)
        if self.label_smoothing:
            nll = ((1.0 - self.label_smoothing) * nll
                   - self.label_smoothing * ops.mean(log_probs, axis=-1))
        return nll


class FusedOpCrossEntropy(MaskedCrossEntropy):
    """The loss as `MaskedCrossEntropy` computed it before 2026-12-07:
    TensorFlow's fused `SoftmaxCrossEntropyWithLogits` against dense
    smoothed labels (the sparse op without smoothing). Same values."""

    def token_losses(self, y_true, logits):
        from keras import ops

        eps = self.label_smoothing
        if not eps:
            return ops.sparse_categorical_crossentropy(y_true, logits,
                                                       from_logits=True)
        labels = (ops.one_hot(y_true, logits.shape[-1], dtype=logits.dtype)
                  * (1.0 - eps) + eps / logits.shape[-1])
        return ops.categorical_crossentropy(labels, logits, from_logits=True)


WARM_STEPS = 10  # real batches: steps left out of the timing


def real_batches(batch, count):
    """`(batches, element_spec)`: the first `count` training batches of
    Multi30k as `keras-s2s train` builds them."""
    import itertools

    from bucketing import shipped_data  # benchmarks/ is on the path

    from keras_s2s.datasets import make_seq2seq_dataset
    from keras_s2s.training.trainer import _bucket_boundaries

    ((en, de), _), (tok_en, tok_de) = shipped_data()
    stream, _ = make_seq2seq_dataset(
        en, de, tok_de, tok_en, batch_size=batch, max_source_length=100,
        max_target_length=100, bucket_boundaries=_bucket_boundaries(100),
        shuffle=True, seed=0, repeat=True)
    return list(itertools.islice(stream, count)), stream.element_spec


def time_fit(model, real):
    """Seconds per step and real target tokens/s of `model.fit` over the
    batches `real_batches` gave, after the first `WARM_STEPS`."""
    import tensorflow as tf

    batches, spec = real
    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    data = tf.data.Dataset.from_generator(lambda: iter(batches),
                                          output_signature=spec)
    model.fit(data, epochs=1, verbose=0, callbacks=[Clock()])
    timed = times[WARM_STEPS:]
    tokens = sum(int(np.count_nonzero(y)) for _, y in batches[WARM_STEPS:])
    return float(np.mean(timed)), tokens / float(np.sum(timed))


def time_steps(build, batch, steps, jit_compile=False, policy="float32",
               loss=MaskedCrossEntropy, optimizer=FusedAdam, real=None):
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(optimizer(1e-3, clipnorm=1.0),
                  loss(0.1), jit_compile=jit_compile)
    if real is not None:
        seconds, rate = time_fit(model, real)
        keras.mixed_precision.set_global_policy("float32")
        return model.count_params(), seconds, rate
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


def step_products(model, batch, src, tgt):
    """[(rows, inner, cols, times)]: the forward matrix products of one
    training step of the zoo's attention model, from its weight shapes."""
    shapes = {w.path.split("/", 1)[1]: tuple(w.shape) for w in model.weights}
    products = []
    for path, (n_in, n_out) in ((p, s) for p, s in shapes.items()
                                if len(s) == 2 and "embedding" not in p):
        if path.startswith("rnn_encoder"):
            # Input kernels over all positions at once; recurrent ones per step.
            products.append((batch, n_in, n_out, src) if "recurrent" in path
                            else (batch * src, n_in, n_out, 1))
        elif "output_projection" in path:
            products.append((batch * tgt, n_in, n_out, 1))
        elif "key_kernel" in path:
            products.append((batch * src, n_in, n_out, 1))
        elif "bridge" in path:
            products.append((batch, n_in, n_out, 1))
        else:  # decoder cell, attention query, attentional projection
            products.append((batch, n_in, n_out, tgt))
    width = next(s[0] for p, s in shapes.items() if "key_kernel" in p)
    # Attention: the context, [B, 1, S] x [B, S, encoder width], per step.
    products.append(("context", src, width, tgt))
    return products


def time_products(batch, steps, dtype):
    """Seconds per step of `step_products` alone, forward and backward."""
    import tensorflow as tf

    model = zoo_model()
    model({"source": np.ones((1, 3), "int32"),
           "target_in": np.ones((1, 3), "int32")})
    rng = np.random.default_rng(0)
    operands = []
    for rows, inner, cols, times in step_products(model, batch, 16, 17):
        if rows == "context":
            a = rng.random((batch, 1, inner), "float32")
            b = rng.random((batch, inner, cols), "float32")
        else:
            a = rng.random((rows, inner), "float32")
            b = rng.random((inner, cols), "float32")
        operands.append((tf.cast(a, dtype), tf.cast(b, dtype), times))

    @tf.function
    def run():
        total = tf.constant(0.0, dtype)
        for a, b, times in operands:
            # A loop, not `times` copies that grappler would merge into one.
            for _ in tf.range(times):
                y = tf.matmul(a, b)
                # Gradient: dA = dY B^T and dB = A^T dY, with dY like y.
                da = tf.matmul(y, b, transpose_b=True)
                db = tf.matmul(a, y, transpose_a=True)
                total += (tf.reduce_sum(da[..., :1, :1])
                          + tf.reduce_sum(db[..., :1, :1]))
        return total

    for _ in range(2):
        run()
    start = time.perf_counter()
    for _ in range(steps):
        run().numpy()
    seconds = (time.perf_counter() - start) / steps
    return model.count_params(), seconds, batch * 17 / seconds


VARIANTS = {
    "plain Keras (baseline)": (plain_keras_model, False, "float32"),
    "bilstm_attn_mt": (zoo_model, False, "float32"),
    "bilstm_attn_mt, gather loss": (zoo_model, False, "float32"),
    "bilstm_attn_mt, TF fused loss": (zoo_model, False, "float32"),
    "bilstm_attn_mt, Keras Adam": (zoo_model, False, "float32"),
    "bilstm_attn_mt, XLA": (zoo_model, True, "float32"),
    "bilstm_attn_mt, bf16": (zoo_model, False, "mixed_bfloat16"),
    "matmuls alone (bound)": ("bound", None, "float32"),
    "matmuls alone, bf16": ("bound", None, "bfloat16"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument("--real-batches", type=int, default=0,
                        help="time N steps of model.fit on Multi30k "
                        "batches instead of one fixed random batch")
    args = parser.parse_args()
    real = (real_batches(args.batch, args.real_batches + WARM_STEPS)
            if args.real_batches > 0 else None)
    rows = []
    for name in args.variants:
        build, jit, policy = VARIANTS[name]
        try:
            if build == "bound":
                rows.append((name, *time_products(args.batch, args.steps,
                                                  policy)))
                continue
            loss = (GatherCrossEntropy if name.endswith("gather loss")
                    else FusedOpCrossEntropy if name.endswith("fused loss")
                    else MaskedCrossEntropy)
            # The baseline is plain Keras, and so is its optimizer; the zoo
            # rows train with `keras-s2s train`'s `FusedAdam`.
            optimizer = (keras.optimizers.Adam if name.startswith("plain")
                         or name.endswith("Keras Adam") else FusedAdam)
            rows.append((name, *time_steps(build, args.batch, args.steps,
                                           jit, policy, loss, optimizer,
                                           real)))
        except Exception as error:  # XLA may refuse an op on some builds
            rows.append((name, None, None, None))
            print(f"{name}: failed ({type(error).__name__}: "
                  f"{str(error).splitlines()[0][:120]})")
    base = next((r[3] for r in rows if r[0].startswith("plain") and r[3]),
                None)
    if real is None:
        print(f"\nbatch {args.batch} x 17 target tokens, {args.steps} timed "
              f"steps each, {os.cpu_count()} CPU cores")
    else:
        print(f"\n{args.real_batches} Multi30k batches of {args.batch} "
              f"(after {WARM_STEPS} untimed) through model.fit, "
              f"{os.cpu_count()} CPU cores")
    print(f"{'model':<30}{'params':>12}{'s/step':>9}{'tok/s':>9}"
          f"{'sent/s':>9}{'vs baseline':>13}")
    for name, params, seconds, rate in rows:
        if rate is None:
            print(f"{name:<30}{'failed':>12}")
            continue
        ratio = f"{rate / base:.2f}x" if base else "-"
        print(f"{name:<30}{params:>12,}{seconds:>9.3f}{rate:>9.0f}"
              f"{args.batch / seconds:>9.1f}{ratio:>13}")


if __name__ == "__main__":
    main()
