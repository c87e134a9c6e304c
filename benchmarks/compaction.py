"""The search's shortcuts that keep its results, each on and off.

Decodes the first `--sentences` test_2016_flickr sentences with the shipped
`bilstm_attn_mt` (raw text in, as users call it) in a `tf.function`, at
batch 32 (beam 5 and greedy) and one sentence at a time (beam 5), with the
search option `--option` on and off, alternating the two `--repeats` times
in the same process:

- `compact` (default True): entries whose hypotheses have all ended leave
  the batch; off, every entry runs until the last one ends;
- `settle` (default True, beam search only): an entry stops once no
  unfinished hypothesis can outscore the returned one; off, it runs until
  all its beams have ended.

Checks that both give the same outputs (texts and scores), and prints
sentences/s, one-sentence latency and the ratio.

    python benchmarks/compaction.py [--option compact] [--sentences 256]
        [--repeats 2] [--bfloat16]
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
    parser.add_argument("--option", choices=("compact", "settle"),
                        default="compact")
    parser.add_argument("--bfloat16", action="store_true",
                        help="bfloat16 output layer and cells, as "
                             "`keras-s2s export` picks on CPUs with "
                             "bfloat16 units")
    args = parser.parse_args()
    name = args.option
    precision = ({"output_precision": "bfloat16",
                  "recurrent_precision": "bfloat16"} if args.bfloat16
                 else {})
    model = load_model("bilstm_attn_mt")
    with gzip.open(TEST, "rt", encoding="utf-8") as f:
        lines = [line.strip() for line, _ in zip(f, range(args.sentences))]
    print(f"| search | {name}=False | {name}=True | ratio |")
    print("| --- | ---: | ---: | ---: |")
    methods = (("beam", {"beam_size": 5}), ("greedy", {}))
    if name == "settle":
        methods = methods[:1]
    for method, options in methods:
        fns = {on: tf.function(
            lambda x, on=on, m=method, o=options: model.search(
                x, method=m, **{name: on}, **precision, **o))
               for on in (False, True)}
        rates = {False: [], True: []}
        latency = {False: [], True: []}
        texts, scores = {}, {}
        for f in fns.values():  # trace both shapes first
            f(tf.constant(lines[:32]))
            f(tf.constant(lines[:1]))
        for _ in range(args.repeats):
            for on, f in fns.items():
                start, out = time.perf_counter(), []
                for i in range(0, len(lines), 32):
                    out.append(f(tf.constant(lines[i:i + 32])))
                rates[on].append(len(lines)
                                      / (time.perf_counter() - start))
                texts[on] = np.concatenate(
                    [o["text"].numpy() for o in out])
                scores[on] = np.concatenate(
                    [o["scores"].numpy() for o in out])
                if method == "beam":
                    for line in lines[:args.latency_n]:
                        start = time.perf_counter()
                        f(tf.constant([line]))["text"].numpy()
                        latency[on].append(
                            (time.perf_counter() - start) * 1000)
        same = ((texts[False] == texts[True]).all()
                and np.allclose(scores[False], scores[True], atol=1e-5))
        a, b = statistics.median(rates[False]), statistics.median(rates[True])
        print(f"| {method}, batch 32 (sent/s) | {a:.1f} | {b:.1f} | "
              f"{b / a:.2f}x |")
        if method == "beam":
            a = statistics.median(latency[False])
            b = statistics.median(latency[True])
            print(f"| beam, one sentence (median ms) | {a:.1f} | {b:.1f} | "
                  f"{a / b:.2f}x |")
        print(f"<!-- {method}: outputs identical: {bool(same)} -->")
        assert same, f"{method}: {name} changed the outputs"


if __name__ == "__main__":
    main()
