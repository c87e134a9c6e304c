"""Training in float32 against bfloat16 mixed precision, on real data.

Trains `bilstm_attn_mt` at its shipped size on Multi30k train twice in one
run, the same way `keras-s2s train` does (its batches: bucketed by the
longer side, batch 64; Adam 1e-3, clipnorm 1, label smoothing 0.1; same
seed, data and shipped tokenizers), in each of `--variants`:

- `float32`: float32 everywhere;
- `mixed_bfloat16`: Keras' policy (every layer computes in bfloat16,
  recurrent states and attention included; float32 weights and loss);
- `matmul_bfloat16`: float32 policy, the decoder's recurrent and output
  products in bfloat16 (`Seq2Seq(matmul_precision="bfloat16")`: states,
  attention, encoder and loss stay float32).

Prints, for each:

- training sentences/s (steps after the first `--warmup`, which trace);
- the validation loss (Multi30k val, teacher-forced, label smoothing 0.1)
  every `--eval-every` steps, so the learning curves can be compared;
- whether this CPU has bfloat16 units (what `--precision auto` decides).

    python benchmarks/precision.py [--steps 600] [--eval-every 200]
        [--variants float32,mixed_bfloat16,matmul_bfloat16]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from bucketing import shipped_data  # noqa: E402  (benchmarks/ is on the path)
from bucketing import training_arguments  # noqa: E402

from keras_s2s import zoo  # noqa: E402
from keras_s2s.datasets import make_seq2seq_dataset  # noqa: E402
from keras_s2s.training import MaskedCrossEntropy  # noqa: E402
from keras_s2s.training import WarmupInverseSqrt  # noqa: E402
from keras_s2s.training.precision import bf16_units  # noqa: E402
from keras_s2s.training.precision import training_policy  # noqa: E402
from keras_s2s.training.trainer import _bucket_boundaries  # noqa: E402

MAX_LENGTH = 100  # keras-s2s train's default


class Curve(keras.callbacks.Callback):
    """Step times, and the validation loss every `every` steps."""

    def __init__(self, val, every):
        super().__init__()
        self.val, self.every = val, every
        self.times, self.losses, self.step = [], [], 0

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        self.step += 1
        if self.step % self.every == 0:
            self.losses.append(float(self.model.evaluate(self.val,
                                                         verbose=0)))


VARIANTS = {"float32": ("float32", "float32"),
            "mixed_bfloat16": ("mixed_bfloat16", "float32"),
            "matmul_bfloat16": ("float32", "bfloat16")}


def run(variant, data, tokenizers, args):
    (en, de), (val_en, val_de) = data
    tok_en, tok_de = tokenizers
    policy, matmul = VARIANTS[variant]
    keras.mixed_precision.set_global_policy(policy)
    try:
        stream, _ = make_seq2seq_dataset(
            en, de, tok_de, tok_en, batch_size=args.batch,
            max_source_length=MAX_LENGTH, max_target_length=MAX_LENGTH,
            bucket_boundaries=_bucket_boundaries(MAX_LENGTH), shuffle=True,
            seed=args.seed, repeat=True)
        val, _ = make_seq2seq_dataset(
            val_en, val_de, tok_de, tok_en, batch_size=args.batch,
            max_source_length=MAX_LENGTH, max_target_length=MAX_LENGTH,
            length_policy="truncate", shuffle=False)
        keras.utils.set_random_seed(args.seed)
        model = zoo.load("bilstm_attn_mt", pretrained=False,
                         source_tokenizer=tok_en, target_tokenizer=tok_de,
                         matmul_precision=matmul)
        model.compile(
            optimizer=keras.optimizers.Adam(WarmupInverseSqrt(1e-3, 0),
                                            clipnorm=1.0),
            loss=MaskedCrossEntropy(0.1))
        curve = Curve(val, args.eval_every)
        model.fit(stream, epochs=1, steps_per_epoch=args.steps, verbose=0,
                  callbacks=[curve])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    step = float(np.mean(curve.times[args.warmup:]))
    return {"policy": variant, "sent_s": args.batch / step,
            "losses": curve.losses}


def main():
    parser = training_arguments(__doc__.splitlines()[0], 600)
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated, from: " + ", ".join(VARIANTS))
    args = parser.parse_args()
    variants = args.variants.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown --variants {sorted(unknown)}; valid ones "
                     f"are {', '.join(VARIANTS)}")
    data, tokenizers = shipped_data()
    rows = [run(variant, data, tokenizers, args) for variant in variants]
    print(f"\nbilstm_attn_mt, Multi30k train, batch {args.batch}, "
          f"{args.steps} steps, seed {args.seed}; bfloat16 units on this "
          f"CPU: {bf16_units() or 'none'} (--precision auto: "
          f"{training_policy('auto')})\n")
    marks = [f"val loss @{(i + 1) * args.eval_every}"
             for i in range(len(rows[0]["losses"]))]
    print("| variant | sent/s | " + " | ".join(marks) + " |")
    print("| --- | ---: |" + " ---: |" * len(marks))
    for r in rows:
        print(f"| {r['policy']} | {r['sent_s']:.1f} | "
              + " | ".join(f"{x:.3f}" for x in r["losses"]) + " |")
    for r in rows[1:]:
        print(f"sentences/s ratio ({r['policy']} / {rows[0]['policy']}): "
              f"{r['sent_s'] / rows[0]['sent_s']:.2f}x")


if __name__ == "__main__":
    main()
