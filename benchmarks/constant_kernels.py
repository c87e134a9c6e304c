"""A decoding loop's matrix product with its kernel as a graph constant
against the kernel as a tensor read once before the loop (what an export
does now), on this CPU.

TensorFlow's oneDNN matrix product keeps the reordered (packed) weights of
a constant kernel between calls; a kernel that arrives as a tensor is
reordered at every call. This times `h = tanh(bias_add(h @ kernel,
bias)[:, :IN])` for `--steps` steps of a `tf.while_loop` inside a
`tf.function`, for each m of `--rows` (5: one sentence at beam 5; 32: a
greedy batch; 160: a beam-5 batch of 32), each dtype and each kernel
shape of `--shapes` (the output layer's 512x8000, the decoder cell's
1280x2048), the best of `--repeats` runs of `--calls` calls. With
`--session`, each loop is saved as a SavedModel and loaded into a
`tf.compat.v1.Session` (the graph runtime TF Serving's `LoadSavedModel`
runs) and timed there instead.

    python benchmarks/constant_kernels.py [--rows 5,32,160] [--session]

Prints a table: ms per step with the kernel as a tensor and as a constant,
and their ratio (>1: the constant is faster).
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_s2s.training.precision import bf16_units  # noqa: E402


def loop(kernel, bias, constant, steps):
    """The loop's `tf.function`: the kernel made a constant inside the body
    (`constant`), or read from variables once before the loop."""
    inner = kernel.shape[0]
    if constant:
        values = kernel.numpy(), bias.numpy()
    else:
        variables = tf.Variable(kernel), tf.Variable(bias)

    def run(h):
        if not constant:
            k, b = (tf.identity(v) for v in variables)

        def body(i, h):
            if constant:
                kk, bb = tf.constant(values[0]), tf.constant(values[1])
            else:
                kk, bb = k, b
            y = tf.nn.bias_add(tf.matmul(h, kk), bb)
            return i + 1, tf.tanh(y[:, :inner])

        return tf.while_loop(lambda i, h: i < steps, body, (0, h))[1]

    module = tf.Module()
    module.variables_ = () if constant else variables
    module.run = tf.function(run)
    return module


def session_runner(module, h, path):
    """`module.run` for inputs like `h`, saved to `path` and loaded into a
    Session: a function of one argument, as `module.run` is."""
    tf1 = tf.compat.v1
    signature = module.run.get_concrete_function(
        tf.TensorSpec(h.shape, h.dtype))
    tf.saved_model.save(module, path,
                        signatures={"serving_default": signature})
    graph = tf1.Graph()
    session = tf1.Session(graph=graph)
    with graph.as_default():
        meta = tf1.saved_model.loader.load(session, ["serve"], path)
    sig = meta.signature_def["serving_default"]
    feed = next(iter(sig.inputs.values())).name
    fetch = next(iter(sig.outputs.values())).name
    value = h.numpy()
    return lambda _: session.run(fetch, {feed: value})


def time_step(run, h, calls, repeats, steps):
    np.asarray(run(h))  # trace, warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            out = run(h)
        np.asarray(out)
        best = min(best, (time.perf_counter() - start) / calls / steps)
    return best * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="5,32,160")
    parser.add_argument("--shapes", default="512x8000,1280x2048")
    parser.add_argument("--dtypes", default="float32,bfloat16")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--session", action="store_true",
                        help="time each loop as a SavedModel in a Session")
    args = parser.parse_args()
    print(f"bfloat16 units on this CPU: "
          f"{', '.join(bf16_units()) or 'none'}; timed "
          f"{'in a Session' if args.session else 'as tf.function'}\n")
    print("| kernel | m | dtype | tensor ms/step | constant ms/step | ratio |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="constant-kernels-") as scratch:
        table(args, scratch)


def table(args, scratch):
    """The table's rows; `--session` SavedModels go under `scratch`."""
    for shape in args.shapes.split(","):
        inner, outer = map(int, shape.split("x"))
        for rows in map(int, args.rows.split(",")):
            for name in args.dtypes.split(","):
                dtype = tf.as_dtype(name)
                kernel = tf.cast(tf.random.normal([inner, outer]) * 0.05,
                                 dtype)
                bias = tf.cast(tf.random.normal([outer]), dtype)
                h = tf.cast(tf.random.normal([rows, inner]), dtype)
                times = []
                for constant in (False, True):
                    module = loop(kernel, bias, constant, args.steps)
                    path = os.path.join(
                        scratch, f"{shape}-{rows}-{name}-{int(constant)}")
                    run = (session_runner(module, h, path) if args.session
                           else module.run)
                    times.append(time_step(run, h, args.calls, args.repeats,
                                           args.steps))
                tensor, constant = times
                print(f"| {shape} | {rows} | {name} | {tensor:.3f} | "
                      f"{constant:.3f} | {tensor / constant:.2f}x |",
                      flush=True)


if __name__ == "__main__":
    main()
