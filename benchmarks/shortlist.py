"""Search over a vocabulary shortlist, against the full vocabulary.

Fits `VocabularyShortlist`s on Multi30k's training pairs with the shipped
`bilstm_attn_mt`'s tokenizers (one per `--settings` entry, SIZE:FREQUENT:
candidates per source piece and most common pieces always kept), then
decodes `--split` (val to choose, test to report) with beam 5 at batch 32
in a `tf.function`, with the full vocabulary and with each shortlist, in
turn, `--repeats` times in the same process, and one sentence at a time
(beam 5, the first `--latency-n` sentences). Prints sentences/s, median
latency, sacreBLEU, outputs identical to the full search, and the mean
number of candidates per batch.

    python benchmarks/shortlist.py [--split val] [--settings 100:2000,50:1000]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import sacrebleu  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_s2s.datasets import load_multi30k  # noqa: E402
from keras_s2s.generation import VocabularyShortlist  # noqa: E402
from keras_s2s.models import load_model  # noqa: E402

BATCH = 32


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="val", choices=("val", "test"))
    parser.add_argument("--settings", default="100:2000,50:1000")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--latency-n", type=int, default=60)
    args = parser.parse_args()
    model = load_model("bilstm_attn_mt")
    train_src, train_tgt = load_multi30k("train")
    sources, references = load_multi30k(args.split)
    shortlists = {"full vocabulary": None}
    for setting in args.settings.split(","):
        size, frequent = (int(x) for x in setting.split(":"))
        start = time.perf_counter()
        shortlists[f"shortlist {size}:{frequent}"] = \
            VocabularyShortlist.fit_texts(model, train_src, train_tgt,
                                          size=size, frequent=frequent)
        print(f"<!-- fitted {setting} in "
              f"{time.perf_counter() - start:.1f} s -->")

    def decoder(shortlist, compact=True):
        def run(x):
            model.vocabulary_shortlist = shortlist
            return model.search(x, method="beam", beam_size=5,
                                shortlist=shortlist is not None,
                                compact=compact)["text"][:, 0]
        return tf.function(run)

    batched = {name: decoder(s) for name, s in shortlists.items()}
    single = {name: decoder(s, compact=False)
              for name, s in shortlists.items()}
    for name in shortlists:  # trace every shape first
        batched[name](tf.constant(sources[:BATCH]))
        single[name](tf.constant(sources[:1]))
    rates = {name: [] for name in shortlists}
    latency = {name: [] for name in shortlists}
    outputs = {}
    for _ in range(args.repeats):
        for name, fn in batched.items():
            start, out = time.perf_counter(), []
            for i in range(0, len(sources), BATCH):
                out += [t.decode() for t in
                        fn(tf.constant(sources[i:i + BATCH])).numpy()]
            rates[name].append(len(sources) / (time.perf_counter() - start))
            outputs[name] = out
            for line in sources[:args.latency_n]:
                start = time.perf_counter()
                single[name](tf.constant([line])).numpy()
                latency[name].append((time.perf_counter() - start) * 1000)
    base_rate = statistics.median(rates["full vocabulary"])
    base_ms = statistics.median(latency["full vocabulary"])
    print(f"| {args.split}, beam 5 | sent/s (batch {BATCH}) | ratio | "
          "one sentence, median ms | ratio | BLEU | identical outputs | "
          "candidates per batch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, shortlist in shortlists.items():
        rate = statistics.median(rates[name])
        ms = statistics.median(latency[name])
        bleu = sacrebleu.corpus_bleu(outputs[name], [references]).score
        same = sum(a == b for a, b in zip(outputs[name],
                                          outputs["full vocabulary"]))
        if shortlist is None:
            size = model.decoder.vocab_size
        else:
            size = np.mean([len(shortlist.candidates(model.encode_inputs(
                tf.constant(sources[i:i + BATCH]))))
                for i in range(0, len(sources), BATCH)])
        print(f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {ms:.1f} | "
              f"{base_ms / ms:.2f}x | {bleu:.2f} | {same} / {len(sources)} | "
              f"{size:.0f} |")


if __name__ == "__main__":
    main()
