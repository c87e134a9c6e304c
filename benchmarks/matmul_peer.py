"""Float32 matrix products in TensorFlow (ours) and in torch (the peer's).

Does OpenNMT-py win anywhere because torch multiplies faster? This times
the products of `bilstm_attn_mt`'s decoding and training steps, `x [m, K]
@ W [K, N]` in float32, in both libraries on this CPU, alternated in
`--rounds` rounds, each side in a fresh process of its own:

- TensorFlow: `--calls` products in one `tf.while_loop` of a
  `tf.function`, so Python dispatch stays out of the time; each
  iteration scales `x` by a constant first (one element-wise pass over
  [m, K], small next to the product), so that Grappler cannot merge
  identical products into one. The kernel is a variable, as an export
  holds it; oneDNN is on or off as TensorFlow's default or
  `TF_ENABLE_ONEDNN_OPTS` in the environment says.
- torch: `--calls` products `x @ w` in a Python loop (as OpenNMT-py calls
  them), `torch.set_num_threads(--threads)`, in the peer's environment
  (`--torch-python`, by default the one `benchmarks/peer_opennmt.py` makes).

The shapes: the output layer [m, 512] x [512, 8000] at m = 5 (one sentence,
beam 5), 32 (a greedy batch), 160 (a beam-5 batch of 32) and 1,088 (a
training batch of 64 x 17 target pieces); the decoder cell [m, 1280] x
[1280, 2048] at m = 64 and 160; and its gradient's product [64, 2048] x
[2048, 1280].

    python benchmarks/matmul_peer.py [--torch-python PATH] [--rounds 2]

Prints a table: the best ms per product over the rounds and GFLOP/s, for
each library, and their ratio (>1: TensorFlow faster).
"""

import argparse
import json
import os
import subprocess
import sys

SHAPES = ((5, 512, 8000), (32, 512, 8000), (160, 512, 8000),
          (1088, 512, 8000), (64, 1280, 2048), (160, 1280, 2048),
          (64, 2048, 1280))
PEER_PYTHON = "/tmp/keras_s2s_peer/onmt-venv/bin/python"

TF_CODE = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
shapes, calls, repeats = json.loads(sys.argv[1])
result = {}
for m, k, n in shapes:
    x = tf.random.normal([m, k])
    w = tf.Variable(tf.random.normal([k, n]))

    @tf.function
    def run(x):
        def body(i, x, total):
            y = tf.matmul(x, w)
            return i + 1, x * 1.0000001, total + y[0, 0]
        return tf.while_loop(lambda i, x, t: i < calls, body,
                             (0, x, 0.0))[2]

    run(x).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(x).numpy()
        best = min(best, (time.perf_counter() - start) / calls)
    result[f"{m}x{k}x{n}"] = best
print(json.dumps(result))
"""

TORCH_CODE = r"""
import json, sys, time
import torch
shapes, calls, repeats, threads = json.loads(sys.argv[1])
torch.set_num_threads(threads)
result = {}
with torch.inference_mode():
    for m, k, n in shapes:
        x = torch.randn(m, k)
        w = torch.randn(k, n)
        for _ in range(5):
            x @ w
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                x @ w
            best = min(best, (time.perf_counter() - start) / calls)
        result[f"{m}x{k}x{n}"] = best
print(json.dumps(result))
"""


def run_side(python, code, argument):
    """Seconds per product for each shape, from a fresh process."""
    out = subprocess.run([python, "-c", code, json.dumps(argument)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default=PEER_PYTHON,
                        help="a Python with torch (default: the peer's "
                        "environment from benchmarks/peer_opennmt.py)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if not os.path.exists(args.torch_python):
        raise SystemExit(f"no Python with torch at {args.torch_python}: "
                         "run benchmarks/peer_opennmt.py once, or pass "
                         "--torch-python")
    shapes = [list(s) for s in SHAPES]
    best = {"tf": {}, "torch": {}}
    for round_index in range(args.rounds):
        order = ("tf", "torch") if round_index % 2 == 0 else ("torch", "tf")
        for side in order:
            if side == "tf":
                times = run_side(sys.executable, TF_CODE,
                                 [shapes, args.calls, args.repeats])
            else:
                times = run_side(args.torch_python, TORCH_CODE,
                                 [shapes, args.calls, args.repeats,
                                  args.threads])
            for key, seconds in times.items():
                best[side][key] = min(best[side].get(key, seconds), seconds)
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
    print(f"{os.cpu_count()} CPU cores; TF_ENABLE_ONEDNN_OPTS={onednn}; "
          f"best of {args.rounds} alternated rounds")
    print()
    print("| product (m x K x N) | TensorFlow ms (GFLOP/s) | "
          "torch ms (GFLOP/s) | TF faster by |")
    print("| --- | ---: | ---: | ---: |")
    for m, k, n in SHAPES:
        key = f"{m}x{k}x{n}"
        flop = 2 * m * k * n
        tf_s, torch_s = best["tf"][key], best["torch"][key]
        print(f"| {key} | {tf_s * 1e3:.2f} ({flop / tf_s / 1e9:.0f}) | "
              f"{torch_s * 1e3:.2f} ({flop / torch_s / 1e9:.0f}) | "
              f"{torch_s / tf_s:.2f}x |")


if __name__ == "__main__":
    main()
