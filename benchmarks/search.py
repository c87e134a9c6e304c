"""Decoding speed: in-graph search against a per-token Python loop.

Prints sentences/s for greedy search and beam 5 at batch sizes 1 and 32 on a
model the size of the zoo's MT model (~12M parameters: BiLSTM 256x2 encoder,
LSTM 512 decoder with additive attention and input feeding, 8,000-token
vocabularies), eager vs `tf.function` vs XLA, beside the baseline measured in
the same run: a Python loop calling the decoder once per token and choosing
tokens in NumPy, as the tensorflow.org tutorials do.

For beam search, the row "tf.function, full top_k" is the same search
ranking all 8,000 scores of every hypothesis with one `top_k` (as before
`keras_s2s.generation.blocked_top_k`); the "tf.function" row ranks block
maxima first.

The row "step matmuls alone (bound)" times only the matrix products of the
decoder steps at the same shapes: every search pays them, so its ratio to the
baseline is the most any in-graph search can gain here.

Weights are random, so no hypothesis ends early: every run decodes exactly
`--steps` tokens, which keeps the comparison fair (trained models stop sooner).

    python benchmarks/search.py [--steps 25] [--repeats 3]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_s2s.generation import blocked_top_k  # noqa: E402
from keras_s2s.layers import AttentionDecoder  # noqa: E402
from keras_s2s.layers import ContentAttention  # noqa: E402
from keras_s2s.layers import RNNEncoder  # noqa: E402
from keras_s2s.models import Seq2Seq  # noqa: E402

VOCAB, SRC_LEN = 8000, 15
NO_END = VOCAB + 1  # an id the model never emits: every run takes all steps


def build_model():
    keras.utils.set_random_seed(0)
    model = Seq2Seq(
        RNNEncoder("lstm", 256, bidirectional=True, vocab_size=VOCAB,
                   embedding_dim=256),
        AttentionDecoder("lstm", 512, ContentAttention(512, "additive"),
                         vocab_size=VOCAB, embedding_dim=256),
        start_id=2, end_id=NO_END)
    src = np.ones((1, SRC_LEN), "int32")
    model({"source": src, "target_in": src})
    return model


def python_loop(model, source, steps, beam_size):
    """The tutorial way: one eager decoder call per token, NumPy search."""
    outputs, state, mask = model.encoder(source)
    batch = source.shape[0]
    if beam_size > 1:
        outputs, state, mask = (tf.repeat(x, beam_size, axis=0)
                                for x in (outputs, state, mask))
    memory = model.decoder.prepare_memory(outputs, mask)
    dec_state = model.decoder.initial_state(outputs, state)
    ids = np.full((batch * beam_size,), model.start_id, "int32")
    scores = np.zeros((batch, beam_size))
    scores[:, 1:] = -1e9
    history = np.zeros((batch, beam_size, 0), "int32")
    for _ in range(steps):
        logits, dec_state = model.decoder.step(ids, dec_state, memory)
        log_probs = tf.nn.log_softmax(logits).numpy()
        if beam_size == 1:
            ids = log_probs.argmax(-1).astype("int32")
            history = np.concatenate([history, ids[:, None, None]], 2)
            continue
        total = (scores[..., None]
                 + log_probs.reshape(batch, beam_size, -1)).reshape(batch, -1)
        best = np.argpartition(-total, beam_size, axis=1)[:, :beam_size]
        parent, ids = best // VOCAB, (best % VOCAB).astype("int32")
        scores = np.take_along_axis(total, best, 1)
        history = np.concatenate(
            [np.take_along_axis(history, parent[..., None], 1),
             ids[..., None]], 2)
        flat = (parent + np.arange(batch)[:, None] * beam_size).reshape(-1)
        dec_state = tf.nest.map_structure(
            lambda x, flat=flat: tf.gather(x, flat), dec_state)
        ids = ids.reshape(-1)
    return history


def step_kernels(model):
    """The decoder's per-step weight matrices (not the embedding lookup, the
    bridge or the attention keys, which run once per sentence)."""
    once = ("embedding", "bridge", "key_kernel")
    return [w for w in model.decoder.weights
            if len(w.shape) == 2 and not any(k in w.path for k in once)]


def matmul_floor(model, rows, steps):
    """A tf.function doing only the step's matrix products, `steps` times,
    for `rows` hypotheses: time that any search pays, in the graph or in a
    Python loop, so baseline / floor bounds the speed-up any search can
    reach on this machine."""
    kernels = step_kernels(model)
    xs = [tf.random.normal((rows, w.shape[0])) for w in kernels]

    @tf.function
    def run():
        total = tf.constant(0.0)
        for t in tf.range(steps):
            scale = tf.cast(t, tf.float32)  # no loop-invariant hoisting
            for x, w in zip(xs, kernels):
                total += tf.reduce_sum(tf.matmul(x * scale, w))
        return total

    return run


def full_top_k(generate):
    """A `tf.function` of `generate` traced with the full `top_k` path."""
    graph = tf.function(generate)

    def run(source):
        saved = blocked_top_k.MIN_BLOCKED_VOCAB
        blocked_top_k.MIN_BLOCKED_VOCAB = float("inf")
        try:
            return graph(source)
        finally:
            blocked_top_k.MIN_BLOCKED_VOCAB = saved

    return run


def timed(fn, repeats):
    fn()  # warm-up (tracing, compilation)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()
    model = build_model()
    print(f"model: {model.count_params() / 1e6:.1f}M parameters, "
          f"source length {SRC_LEN}, {args.steps} decoding steps, "
          f"best of {args.repeats}")
    rng = np.random.default_rng(0)
    rows = []
    for method, beam in (("greedy", 1), ("beam", 5)):
        kwargs = {"beam_size": beam} if method == "beam" else {}

        def generate(source, method=method, kwargs=kwargs):
            return model.search(source, method=method,
                                max_length=args.steps, **kwargs)

        graph = tf.function(generate)
        xla = tf.function(generate, jit_compile=True)
        for batch in args.batch_sizes:
            source = tf.constant(rng.integers(4, VOCAB, (batch, SRC_LEN)),
                                 tf.int32)
            base = timed(lambda source=source, beam=beam: python_loop(
                model, source.numpy(), args.steps, beam), args.repeats)
            rows.append((method, beam, batch, "python loop (baseline)",
                         batch / base, 1.0))
            floor = timed(matmul_floor(model, batch * beam, args.steps),
                          args.repeats)
            rows.append((method, beam, batch, "step matmuls alone (bound)",
                         batch / floor, base / floor))
            modes = [("eager", generate), ("tf.function", graph),
                     ("tf.function + XLA", xla)]
            if beam > 1:
                modes.insert(1, ("tf.function, full top_k",
                                 full_top_k(generate)))
            for mode, fn in modes:
                seconds = timed(lambda fn=fn, source=source: fn(source),
                                args.repeats)
                rows.append((method, beam, batch, mode, batch / seconds,
                             base / seconds))
    print("\n| search | batch | mode | sentences/s | x baseline |")
    print("| --- | ---: | --- | ---: | ---: |")
    for _, beam, batch, mode, rate, ratio in rows:
        name = "greedy" if beam == 1 else f"beam {beam}"
        print(f"| {name} | {batch} | {mode} | {rate:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
