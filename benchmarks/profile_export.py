"""Where an export's time goes: op time by op type, from TensorFlow's step
stats.

Loads `SAVED_MODEL` with `tf.compat.v1.saved_model.loader.load` into a
Session (the graph TF Serving runs, not the Python object graph), calls
`serving_default` on the first lines of `SOURCE` in batches of
`--batch-size`, and prints the wall time per batch, then, from
`--traced` more calls under `RunOptions(trace_level=FULL_TRACE)`, the op
time per batch by op type (the slowest `--top`), calls per batch and
microseconds per call. Op times of ops that ran side by side add up, so
their sum can exceed the wall time; tracing itself adds a little to each op.

    python benchmarks/profile_export.py SAVED_MODEL SOURCE [--batch-size 1]
"""

import argparse
import collections
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402, F401  (registers the text ops)
from serve_savedmodel import read_lines  # noqa: E402

tf1 = tf.compat.v1


def op_type(node):
    """`MatMul` from a step stat's timeline label `name = MatMul(a, b)`."""
    label = node.timeline_label
    if " = " in label:
        return label.split(" = ", 1)[1].split("(", 1)[0].strip()
    return node.node_name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved_model")
    parser.add_argument("source")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--batches", type=int, default=30,
                        help="timed batches (after 3 untimed)")
    parser.add_argument("--traced", type=int, default=10)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    n = args.batch_size * (args.batches + 3)
    lines = read_lines(args.source, n)
    batches = [lines[i:i + args.batch_size]
               for i in range(0, len(lines), args.batch_size)]
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as session:
        meta = tf1.saved_model.loader.load(session, ["serve"],
                                           args.saved_model)
        signature = meta.signature_def["serving_default"]
        feed = signature.inputs["inputs"].name
        fetch = signature.outputs["outputs"].name
        for batch in batches[:3]:
            session.run(fetch, {feed: batch})
        timed = batches[3:]
        start = time.perf_counter()
        for batch in timed:
            session.run(fetch, {feed: batch})
        wall_ms = (time.perf_counter() - start) / len(timed) * 1e3
        options = tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE)
        micros, calls = collections.Counter(), collections.Counter()
        traced = timed[:args.traced]
        for batch in traced:
            metadata = tf1.RunMetadata()
            session.run(fetch, {feed: batch}, options=options,
                        run_metadata=metadata)
            for device in metadata.step_stats.dev_stats:
                for node in device.node_stats:
                    name = op_type(node)
                    micros[name] += (node.op_end_rel_micros
                                     - node.op_start_rel_micros)
                    calls[name] += 1
    per = len(traced)
    total = sum(micros.values()) / per / 1e3
    print(f"batch size {args.batch_size}: wall {wall_ms:.1f} ms per batch; "
          f"op time {total:.1f} ms per batch over "
          f"{sum(calls.values()) / per:.0f} ops")
    print()
    print("| op | ms per batch | share of op time | calls per batch | "
          "us per call |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, us in micros.most_common(args.top):
        print(f"| {name} | {us / per / 1e3:.2f} | "
              f"{us / per / 1e3 / total:.0%} | {calls[name] / per:.0f} | "
              f"{us / calls[name]:.1f} |")


if __name__ == "__main__":
    main()
