"""Matrix products of a decoding step's shapes in float32, bfloat16 and
float16, on this CPU.

`keras-s2s export --output-precision auto` (and `--recurrent-precision`,
`train --precision`) pick bfloat16 only where `/proc/cpuinfo` lists
bfloat16 units; this says what each choice would cost here. Times
`x @ kernel` for x [m, IN] and a kernel variable [IN, OUT] already held
in the dtype (as an export holds it), for each m of `--rows` (5: one
sentence at beam 5; 32: a greedy batch; 160: a beam-5 batch of 32), the
best of `--repeats` runs of `--calls` calls each, in a `tf.function`.

    python benchmarks/matmul_dtypes.py [--rows 5,32,160] [--shape 512x8000]

Prints a table: ms per product and GFLOP/s, per dtype and m.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

from keras_s2s.training.precision import bf16_units  # noqa: E402

DTYPES = (tf.float32, tf.bfloat16, tf.float16)


def time_product(rows, inner, outer, dtype, calls, repeats):
    """Best seconds per call of `x @ kernel` in `dtype`."""
    x = tf.cast(tf.random.normal([rows, inner]), dtype)
    kernel = tf.Variable(tf.cast(tf.random.normal([inner, outer]), dtype))
    product = tf.function(lambda x: tf.matmul(x, kernel))
    product(x).numpy()  # trace, warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            out = product(x)
        out.numpy()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="5,32,160")
    parser.add_argument("--shape", default="512x8000",
                        help="IN x OUT of the kernel (default: the output "
                        "layer of bilstm_attn_mt)")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    inner, outer = (int(v) for v in args.shape.lower().split("x"))
    rows = [int(r) for r in args.rows.split(",")]
    print(f"bfloat16 units on this CPU: {'yes' if bf16_units() else 'no'}; "
          f"kernel [{inner}, {outer}]")
    print()
    print("| m | " + " | ".join(f"{d.name} ms (GFLOP/s)" for d in DTYPES)
          + " |")
    print("| ---: |" + " ---: |" * len(DTYPES))
    for m in rows:
        cells = []
        for dtype in DTYPES:
            seconds = time_product(m, inner, outer, dtype, args.calls,
                                   args.repeats)
            gflops = 2 * m * inner * outer / seconds / 1e9
            cells.append(f"{seconds * 1e3:.2f} ({gflops:.0f})")
        print(f"| {m} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
