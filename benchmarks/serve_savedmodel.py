"""Decoding speed of an exported SavedModel, in a bare TensorFlow process.

Imports only tensorflow and tensorflow_text (what a serving process has),
loads `SAVED_MODEL` and calls its `serving_default` signature:

- batched: the first `--sentences` lines of `SOURCE`, in batches of
  `--batch-size` in file order, timed end to end (text in, text out);
- one sentence at a time: the first `--latency-n` lines, each call timed.

Prints one JSON line: sentences/s, latency median and p90 (ms), and the
process's peak resident memory (MB). `benchmarks/peer_opennmt.py` runs it.

    python benchmarks/serve_savedmodel.py SAVED_MODEL SOURCE [--batch-size 32]
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402, F401  (registers the text ops)


def read_lines(path, n):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line, _ in zip(f, range(n))]


def arguments(description):
    """The options both serving benchmarks take (this and serve_cpp.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("saved_model")
    parser.add_argument("source")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latency-n", type=int, default=50)
    return parser


def report(sentences, batched_seconds, latencies_ms, peak_mb, **extra):
    """Prints the JSON line both serving benchmarks print (and `extra`)."""
    times = sorted(latencies_ms)
    print(json.dumps({
        "sentences_per_s": sentences / batched_seconds,
        "latency_median_ms": statistics.median(times) if times else None,
        "latency_p90_ms": times[int(0.9 * len(times)) - 1] if times else None,
        "peak_mb": peak_mb, **extra,
    }))


def main():
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--output", default=None,
                        help="write the batched outputs here, one per line")
    args = parser.parse_args()
    serve = tf.saved_model.load(args.saved_model).signatures["serving_default"]
    lines = read_lines(args.source, max(args.sentences, args.latency_n))
    serve(inputs=tf.constant(lines[:args.batch_size]))  # warm-up, not timed
    outputs = []
    start = time.perf_counter()
    for i in range(0, args.sentences, args.batch_size):
        result = serve(inputs=tf.constant(lines[i:i + args.batch_size]))
        outputs += [s.decode("utf-8") for s in result["outputs"].numpy()]
    batched = time.perf_counter() - start
    times = []
    for line in lines[:args.latency_n]:
        start = time.perf_counter()
        serve(inputs=tf.constant([line]))["outputs"].numpy()
        times.append((time.perf_counter() - start) * 1000)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write("\n".join(outputs) + "\n")
    report(args.sentences, batched, times,
           resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
