"""Decoding speed and memory of an export on TF Serving's C++ path.

The same requests as `benchmarks/serve_savedmodel.py`, answered by the
serving harness (`keras_s2s.export.run_serving_path`: TensorFlow's C++
`LoadSavedModel`, the warm-up records replayed, `Session::Run` per request,
as the model server does, in a process of its own built against the
installed wheel):

- one batch of `--batch-size` first (not timed), then the first
  `--sentences` lines of `SOURCE` in batches of `--batch-size`;
- then the first `--latency-n` lines one at a time.

Times are the harness's own per-request `Session::Run` times (with request
binding, without the gRPC/REST front end a model server adds); memory is the
harness process's peak resident set, model loaded and every request
answered. Prints one JSON line like `serve_savedmodel.py`.

    python benchmarks/serve_cpp.py SAVED_MODEL SOURCE [--batch-size 32]
"""

import argparse
import json
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from serve_savedmodel import read_lines  # noqa: E402

from keras_s2s.export import predict_request  # noqa: E402
from keras_s2s.export import run_serving_path  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved_model")
    parser.add_argument("source")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latency-n", type=int, default=50)
    args = parser.parse_args()
    lines = read_lines(args.source, max(args.sentences, args.latency_n))

    def request(texts):
        return predict_request({"inputs": np.array(texts, object)})

    batches = [lines[i:i + args.batch_size]
               for i in range(0, args.sentences, args.batch_size)]
    requests = ([request(lines[:args.batch_size])]
                + [request(b) for b in batches]
                + [request([line]) for line in lines[:args.latency_n]])
    report, results = run_serving_path(args.saved_model, requests)
    failed = [r for r in results if not isinstance(r, dict)]
    if report.get("exit_code") or failed:
        raise SystemExit(f"the serving path failed: {report} {failed[:1]}")
    run_ms = report["run_ms"]
    batched = sum(run_ms[1:1 + len(batches)]) / 1000
    times = sorted(run_ms[1 + len(batches):])
    print(json.dumps({
        "sentences_per_s": args.sentences / batched,
        "latency_median_ms": statistics.median(times) if times else None,
        "latency_p90_ms": times[int(0.9 * len(times)) - 1] if times else None,
        "peak_mb": report["peak_rss_mb"],
    }))


if __name__ == "__main__":
    main()
