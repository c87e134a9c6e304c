"""Speed options of `keras-s2s export`, measured through the SavedModels.

Exports the shipped `bilstm_attn_mt` with `keras-s2s export` (each export
is loaded and warmed up on TF Serving's C++ path by the CLI) once per
option set:

- float32 (the default),
- `--output-precision bfloat16`,
- `--output-precision bfloat16 --recurrent-precision bfloat16`,
- the same with `--shortlist multi30k:en-de`,
- the same with `--settle best` instead (a sentence stops once its best
  hypothesis has finished, OpenNMT-py's rule, not the exact stop),
- both bfloat16 options with each `--kernel-layout`, `in_out` and
  `out_in` (without one, `auto` picks `out_in` on CPUs with AMX),

then loads them all in this process (which imports only tensorflow and
tensorflow_text for the decoding) and calls their `serving_default`
(beam 5) in turn on the same batches of test_2016_flickr (`--repeats`
rounds, the order rotated each round): sentences/s at batch 32, one
sentence at a time (median ms), sacreBLEU and outputs identical to the
float32 export. Ratios are against the float32 export in the same run
(or the first of `--only`'s option sets), on `--split` (test_2016_flickr by
default, or Multi30k's val).

    python benchmarks/export_options.py [--sentences 1000] [--repeats 3]
        [--keep DIR] [--only "float32,bf16 both + settle best"]
        [--split val]
"""

import argparse
import gzip
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sacrebleu  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402, F401  (registers the text ops)

DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "multi30k"
OPTIONS = {
    "float32": [],
    "bf16 output": ["--output-precision", "bfloat16"],
    "bf16 output + recurrent": ["--output-precision", "bfloat16",
                                "--recurrent-precision", "bfloat16"],
    "bf16 both + shortlist": ["--output-precision", "bfloat16",
                              "--recurrent-precision", "bfloat16",
                              "--shortlist", "multi30k:en-de"],
    "bf16 both + settle best": ["--output-precision", "bfloat16",
                                "--recurrent-precision", "bfloat16",
                                "--settle", "best"],
    "bf16 both in_out": ["--output-precision", "bfloat16",
                         "--recurrent-precision", "bfloat16",
                         "--kernel-layout", "in_out"],
    "bf16 both out_in": ["--output-precision", "bfloat16",
                         "--recurrent-precision", "bfloat16",
                         "--kernel-layout", "out_in"],
}
SPLITS = {"test": "test_2016_flickr", "val": "val"}
BATCH = 32


def read(name, n):
    with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line, _ in zip(f, range(n))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--latency-n", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", default=None,
                        help="export into (and reuse) this folder")
    parser.add_argument("--only", default=None,
                        help="comma-separated option sets to measure, the "
                        "first the baseline (default: all, float32 first)")
    parser.add_argument("--split", choices=tuple(SPLITS), default="test")
    args = parser.parse_args()
    chosen = list(OPTIONS) if args.only is None else args.only.split(",")
    unknown = [name for name in chosen if name not in OPTIONS]
    if unknown:
        parser.error(f"unknown option sets {unknown}; valid ones are "
                     f"{', '.join(OPTIONS)}")
    root = pathlib.Path(args.keep or tempfile.mkdtemp())
    cli = pathlib.Path(sys.executable).with_name("keras-s2s")
    functions = {}
    for name in chosen:
        flags = OPTIONS[name]
        out = root / name.replace(" ", "_").replace("+", "and")
        if not (out / "1").exists():
            subprocess.run([str(cli), "export", "bilstm_attn_mt", "--out",
                            str(out), "--version", "1", *flags], check=True,
                           stdout=subprocess.DEVNULL)
        functions[name] = tf.saved_model.load(
            str(out / "1")).signatures["serving_default"]
    sources = read(f"{SPLITS[args.split]}.en.gz", args.sentences)
    references = read(f"{SPLITS[args.split]}.de.gz", args.sentences)

    def call(fn, lines):
        return [t.decode() for t in
                fn(inputs=tf.constant(lines))["outputs"].numpy()]

    for fn in functions.values():  # warm up both shapes
        call(fn, sources[:BATCH])
        call(fn, sources[:1])
    names = list(functions)
    rates = {name: [] for name in names}
    latency = {name: [] for name in names}
    outputs = {}
    for round_ in range(args.repeats):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            fn, out = functions[name], []
            start = time.perf_counter()
            for i in range(0, len(sources), BATCH):
                out += call(fn, sources[i:i + BATCH])
            rates[name].append(len(sources) / (time.perf_counter() - start))
            outputs[name] = out
            for line in sources[:args.latency_n]:
                start = time.perf_counter()
                call(fn, [line])
                latency[name].append((time.perf_counter() - start) * 1000)
    base = names[0]
    base_rate = statistics.median(rates[base])
    base_ms = statistics.median(latency[base])
    print(f"| export (beam 5), {args.split} | batch {BATCH}, sent/s | ratio | "
          f"one sentence, median ms | ratio | BLEU | identical to {base} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        rate = statistics.median(rates[name])
        ms = statistics.median(latency[name])
        bleu = sacrebleu.corpus_bleu(outputs[name], [references]).score
        same = sum(a == b for a, b in zip(outputs[name], outputs[base]))
        print(f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {ms:.1f} | "
              f"{base_ms / ms:.2f}x | {bleu:.2f} | {same} / {len(sources)} |")
    rounds = {n: [round(r, 1) for r in v] for n, v in rates.items()}
    print(f"<!-- sent/s per round: {rounds} -->")


if __name__ == "__main__":
    main()
