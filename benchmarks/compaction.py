"""Search with finished entries leaving the batch, against the fixed batch.

Decodes the first `--sentences` test_2016_flickr sentences with the shipped
`bilstm_attn_mt` (raw text in, as users call it) in a `tf.function`, at
batch 32 (beam 5 and greedy) and one sentence at a time (beam 5), with
`compact=True` (the default: entries whose hypotheses have all ended leave
the batch) and `compact=False` (every entry runs until the last one ends),
alternating the two `--repeats` times in the same process. Checks that both
give the same outputs, and prints sentences/s, one-sentence latency and
the ratio.

    python benchmarks/compaction.py [--sentences 256] [--repeats 2]
"""

import argparse
import gzip
import os
import pathlib
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_s2s.models import load_model  # noqa: E402

TEST = (pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
        / "multi30k" / "test_2016_flickr.en.gz")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--latency-n", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    model = load_model("bilstm_attn_mt")
    with gzip.open(TEST, "rt", encoding="utf-8") as f:
        lines = [line.strip() for line, _ in zip(f, range(args.sentences))]
    print("| search | compact=False | compact=True | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for method, options in (("beam", {"beam_size": 5}), ("greedy", {})):
        fns = {compact: tf.function(
            lambda x, c=compact, m=method, o=options: model.search(
                x, method=m, compact=c, **o))
               for compact in (False, True)}
        rates = {False: [], True: []}
        latency = {False: [], True: []}
        texts = {}
        for f in fns.values():  # trace both shapes first
            f(tf.constant(lines[:32]))
            f(tf.constant(lines[:1]))
        for _ in range(args.repeats):
            for compact, f in fns.items():
                start, out = time.perf_counter(), []
                for i in range(0, len(lines), 32):
                    out.append(f(tf.constant(lines[i:i + 32]))["text"])
                rates[compact].append(len(lines)
                                      / (time.perf_counter() - start))
                texts[compact] = np.concatenate([o.numpy() for o in out])
                if method == "beam":
                    for line in lines[:args.latency_n]:
                        start = time.perf_counter()
                        f(tf.constant([line]))["text"].numpy()
                        latency[compact].append(
                            (time.perf_counter() - start) * 1000)
        same = (texts[False] == texts[True]).all()
        a, b = statistics.median(rates[False]), statistics.median(rates[True])
        print(f"| {method}, batch 32 (sent/s) | {a:.1f} | {b:.1f} | "
              f"{b / a:.2f}x |")
        if method == "beam":
            a = statistics.median(latency[False])
            b = statistics.median(latency[True])
            print(f"| beam, one sentence (median ms) | {a:.1f} | {b:.1f} | "
                  f"{a / b:.2f}x |")
        print(f"<!-- {method}: outputs identical: {bool(same)} -->")
        assert same, f"{method}: compaction changed the outputs"


if __name__ == "__main__":
    main()
