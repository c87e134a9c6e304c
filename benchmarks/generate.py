"""`Seq2Seq.generate` over a test set, eager against compiled.

Decodes the first `--sentences` of Multi30k test_2016_flickr with a zoo
model (default the shipped `bilstm_attn_mt`, its default search: beam 5) in
batches of `--batch-size`, as `keras-s2s evaluate` and `translate` do:
eagerly (`generate(...)`, the default for one call) and compiled
(`generate(..., compiled=True)`, which those commands use past one batch:
the search traced once, then run as a graph). Both in the same process, in
turn. Prints seconds (the compiled row includes its one trace), sentences
per second, the first batch's time, sacreBLEU and whether the outputs are
identical.

    python benchmarks/generate.py [--sentences 1000] [--method greedy]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_s2s import zoo  # noqa: E402
from keras_s2s.datasets import load_multi30k  # noqa: E402
from keras_s2s.metrics import corpus_bleu  # noqa: E402


def decode(model, sources, batch_size, compiled, options):
    outputs, first = [], None
    start = time.perf_counter()
    for i in range(0, len(sources), batch_size):
        outputs += model.generate(sources[i:i + batch_size],
                                  compiled=compiled, **options)
        if first is None:
            first = time.perf_counter() - start
    return outputs, time.perf_counter() - start, first


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="bilstm_attn_mt")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--method", choices=("beam", "greedy"), default=None,
                        help="default: the model's own search")
    args = parser.parse_args(argv)
    model = zoo.load(args.model)
    sources, references = (x[:args.sentences]
                           for x in load_multi30k("test"))
    options = {"method": args.method} if args.method else {}
    rows = {}
    for compiled in (False, True):
        rows[compiled] = decode(model, sources, args.batch_size, compiled,
                                options)
    print(f"{args.model}, {len(sources)} test sentences, batches of "
          f"{args.batch_size}, search {args.method or 'the model default'}")
    print("| generate | seconds | sent/s | first batch s | BLEU | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    eager_seconds = rows[False][1]
    for compiled, (outputs, seconds, first) in rows.items():
        bleu = corpus_bleu(outputs, references)["score"]
        print(f"| {'compiled' if compiled else 'eager'} | {seconds:.1f} | "
              f"{len(sources) / seconds:.1f} | {first:.2f} | {bleu:.2f} | "
              f"{eager_seconds / seconds:.2f}x |")
    print("outputs identical:", rows[False][0] == rows[True][0])


if __name__ == "__main__":
    main()
