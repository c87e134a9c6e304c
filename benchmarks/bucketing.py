"""Training batches bucketed by source length against by the longer side.

`keras-s2s train` draws each batch from one length bucket. It used to bucket
by source length with coarse edges (8, 12, 16, 20, 30, 50, ...), which pads
targets to 1.5 times their length on Multi30k; it now buckets by the longer
of source and target with edges two pieces apart up to 24. This script
trains `bilstm_attn_mt` at its shipped size both ways in one run, same
seed, data, tokenizers and settings as `keras-s2s train`'s defaults
(Adam 1e-3, clipnorm 1, label smoothing 0.1, batch 64), and prints:

- the share of padded source and target positions that are real tokens;
- training sentences/s and real target tokens/s (steps after the first
  `--warmup` ones, which include tracing);
- the validation loss (Multi30k val, teacher-forced, label smoothing 0.1)
  after `--steps` steps, so the learning curves can be compared.

    python benchmarks/bucketing.py [--steps 200] [--batch 64] [--seed 0]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_s2s import zoo  # noqa: E402
from keras_s2s.datasets import load_multi30k  # noqa: E402
from keras_s2s.datasets import make_seq2seq_dataset  # noqa: E402
from keras_s2s.training import MaskedCrossEntropy  # noqa: E402
from keras_s2s.training import WarmupInverseSqrt  # noqa: E402
from keras_s2s.training.trainer import _bucket_boundaries  # noqa: E402

BEFORE = [8, 12, 16, 20, 30, 50, 75]  # the source-length edges used before
MAX_LENGTH = 100                       # keras-s2s train's default


class StepTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def padding(stream, batches):
    """(real/padded source, real/padded target, real target tokens per
    batch) over the first `batches` batches of `stream`."""
    src_real = src_all = tgt_real = tgt_all = 0
    for x, y in stream.take(batches):
        source, target = x["source"].numpy(), y.numpy()
        src_real += int((source != 0).sum())
        src_all += source.size
        tgt_real += int((target != 0).sum())
        tgt_all += target.size
    return src_real / src_all, tgt_real / tgt_all, tgt_real / batches


def run(key, edges, data, tokenizers, args):
    (en, de), (val_en, val_de) = data
    tok_en, tok_de = tokenizers
    stream, _ = make_seq2seq_dataset(
        en, de, tok_de, tok_en, batch_size=args.batch,
        max_source_length=MAX_LENGTH, max_target_length=MAX_LENGTH,
        bucket_boundaries=edges, bucket_by=key, shuffle=True,
        seed=args.seed, repeat=True)
    val, _ = make_seq2seq_dataset(
        val_en, val_de, tok_de, tok_en, batch_size=args.batch,
        max_source_length=MAX_LENGTH, max_target_length=MAX_LENGTH,
        length_policy="truncate", shuffle=False)
    src_share, tgt_share, tokens_per_batch = padding(stream, args.steps)
    keras.utils.set_random_seed(args.seed)
    model = zoo.load("bilstm_attn_mt", pretrained=False,
                     source_tokenizer=tok_en, target_tokenizer=tok_de)
    model.compile(optimizer=keras.optimizers.Adam(WarmupInverseSqrt(1e-3, 0),
                                                  clipnorm=1.0),
                  loss=MaskedCrossEntropy(0.1))
    times = StepTimes()
    model.fit(stream, epochs=1, steps_per_epoch=args.steps, verbose=0,
              callbacks=[times])
    step = float(np.mean(times.times[args.warmup:]))
    val_loss = float(model.evaluate(val, verbose=0))
    return {"key": key, "edges": len(edges), "src": src_share,
            "tgt": tgt_share, "sent_s": args.batch / step,
            "tok_s": tokens_per_batch / step, "val_loss": val_loss}


def training_arguments(description, steps):
    """The options both training benchmarks take (this and precision.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--warmup", type=int, default=5,
                        help="first steps left out of the timing")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def shipped_data():
    """`(data, tokenizers)`: Multi30k train and val, and the shipped
    translator's vocabularies (the same for every run compared)."""
    shipped = zoo.load("bilstm_attn_mt")
    return ((load_multi30k("train"), load_multi30k("val")),
            (shipped.source_tokenizer, shipped.target_tokenizer))


def main():
    args = training_arguments(__doc__.splitlines()[0], 200).parse_args()
    data, tokenizers = shipped_data()
    rows = [run("source", BEFORE, data, tokenizers, args),
            run("longest", _bucket_boundaries(MAX_LENGTH), data, tokenizers,
                args)]
    print(f"\nbilstm_attn_mt, Multi30k train, batch {args.batch}, "
          f"{args.steps} steps, seed {args.seed} (timing leaves out the "
          f"first {args.warmup})\n")
    print("| bucketed by | edges | source real | target real | sent/s | "
          "target tok/s | val loss |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['key']} | {r['edges']} | {r['src']:.0%} | "
              f"{r['tgt']:.0%} | {r['sent_s']:.1f} | {r['tok_s']:.0f} | "
              f"{r['val_loss']:.3f} |")
    print(f"\nsentences/s ratio (longest / source): "
          f"{rows[1]['sent_s'] / rows[0]['sent_s']:.2f}x")


if __name__ == "__main__":
    main()
