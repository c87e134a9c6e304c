"""How a search step gets its log-normalizer: separate passes, or a softmax.

A search step needs, for each row of logits [N, V], its best tokens and
logsumexp(logits). `keras_s2s.generation.blocked_top_k` takes the
logsumexp as best - log(softmax(logits)[best]) (`logsumexp_from_best`): one
fused softmax kernel (oneDNN's on CPU). The alternative is the maximum,
subtraction, exponential and sum as separate passes
(`tf.reduce_logsumexp`, or the same written out). This script times both
on random logits of the shapes a batch of 32 sees with the shipped
translator's 8,000 pieces (greedy: 32 rows; beam 5: 160 rows), and greedy
search's whole pick (token and log-probability) before and now,
alternating them `--repeats` times in one process; checks they agree and
prints a table. Each call also pays a `tf.function` call's overhead.

    python benchmarks/logsumexp.py [--vocab 8000] [--repeats 3]
        [--calls 200]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

from keras_s2s.generation.blocked_top_k import logsumexp_from_best  # noqa: E402,E501
from keras_s2s.generation.blocked_top_k import probability_at  # noqa: E402


@tf.function
def passes(logits, best, index):
    """The normalizer as separate passes (what the searches did before)."""
    top = tf.reduce_max(logits, axis=-1, keepdims=True)
    return tf.squeeze(top, -1) + tf.math.log(
        tf.reduce_sum(tf.exp(logits - top), axis=-1))


@tf.function
def reduce_logsumexp(logits, best, index):
    return tf.reduce_logsumexp(logits, axis=-1)


@tf.function
def from_softmax(logits, best, index):
    """The normalizer from a softmax, given the best value and its column
    (which the searches' top-k has found anyway)."""
    return logsumexp_from_best(logits, best, index)


@tf.function
def greedy_before(logits):
    """Greedy's pick and log-probability before: `ops.argmax`, the logit
    gathered, minus `ops.logsumexp`."""
    ids = ops.cast(ops.argmax(logits, axis=-1), "int32")
    rows = tf.range(tf.shape(logits)[0])
    chosen = tf.gather(tf.reshape(logits, [-1]), rows * tf.shape(logits)[1]
                       + ids) - ops.logsumexp(logits, axis=-1)
    return ids, chosen


@tf.function
def greedy_now(logits):
    """Greedy's pick and log-probability now: top_k(., 1) and the log of
    the softmax at it (`keras_s2s.generation.greedy_search`)."""
    _, ids = tf.math.top_k(logits, 1)
    ids = ids[:, 0]
    return ids, tf.math.log(probability_at(logits, ids))


def timed(fn, args, calls):
    tf.nest.map_structure(lambda x: x.numpy(), fn(*args))
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(*args)
    tf.nest.map_structure(lambda x: x.numpy(), out)
    return (time.perf_counter() - start) / calls * 1e6


def compare(label, rows, ways, args, repeats, calls):
    best = {name: float("inf") for name in ways}
    for _ in range(repeats):
        for name, fn in ways.items():
            best[name] = min(best[name], timed(fn, args, calls))
    base = next(iter(best.values()))
    for name, micros in best.items():
        print(f"| {label} | {rows} x {args[0].shape[1]} | {name} | "
              f"{micros:.0f} | {base / micros:.2f}x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| what | rows x vocab | way | microseconds per call (best of "
          f"{args.repeats}) | speed-up over the first |")
    print("| --- | --- | --- | ---: | ---: |")
    for rows in (32, 160):
        logits = tf.constant(rng.normal(0, 4, (rows, args.vocab))
                             .astype("float32"))
        values, index = tf.math.top_k(logits, 1)
        inputs = (logits, values[:, 0], index[:, 0])
        np.testing.assert_allclose(from_softmax(*inputs).numpy(),
                                   passes(*inputs).numpy(), rtol=1e-6)
        compare("logsumexp", rows, {
            "max, sub, exp, sum passes (before)": passes,
            "tf.reduce_logsumexp": reduce_logsumexp,
            "best - log softmax[best] (now)": from_softmax},
            inputs, args.repeats, args.calls)
        if rows == 32:
            before, now = greedy_before(logits), greedy_now(logits)
            np.testing.assert_array_equal(before[0].numpy(), now[0].numpy())
            np.testing.assert_allclose(before[1].numpy(), now[1].numpy(),
                                       rtol=1e-5, atol=1e-6)
            compare("greedy pick + log p", rows, {
                "ops.argmax, gather, ops.logsumexp (before)": greedy_before,
                "top_k(1), log softmax at it (now)": greedy_now},
                (logits,), args.repeats, args.calls)


if __name__ == "__main__":
    main()
