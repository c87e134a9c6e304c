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
answered; and its resident memory at four points (`rss_mb`: at start, with
TensorFlow's libraries loaded; after `LoadSavedModel`; after the warm-up;
at the end), which says what the runtime, the model and the requests
take. Prints one JSON line like `serve_savedmodel.py`.

The harness loads the tensorflow-text op libraries whose ops the graphs use
(2 of 22 for a text model); `--all-op-libraries` loads all 22, each with its
own copy of their shared code (about 90 MB more), where the model server
links one copy into its binary.

    python benchmarks/serve_cpp.py SAVED_MODEL SOURCE [--batch-size 32]
        [--all-op-libraries]
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from serve_savedmodel import arguments  # noqa: E402
from serve_savedmodel import read_lines  # noqa: E402
from serve_savedmodel import report  # noqa: E402

from keras_s2s.export import predict_request  # noqa: E402
from keras_s2s.export import run_serving_path  # noqa: E402


def main():
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--all-op-libraries", action="store_true",
                        help="load all 22 tensorflow-text op libraries")
    parser.add_argument("--inter-op-threads", type=int, default=0,
                        help="the model server's "
                        "--tensorflow_inter_op_parallelism (0: one per core)")
    parser.add_argument("--intra-op-threads", type=int, default=0,
                        help="--tensorflow_intra_op_parallelism")
    args = parser.parse_args()
    lines = read_lines(args.source, max(args.sentences, args.latency_n))

    def request(texts):
        return predict_request({"inputs": np.array(texts, object)})

    batches = [lines[i:i + args.batch_size]
               for i in range(0, args.sentences, args.batch_size)]
    requests = ([request(lines[:args.batch_size])]
                + [request(b) for b in batches]
                + [request([line]) for line in lines[:args.latency_n]])
    served, results = run_serving_path(
        args.saved_model, requests, all_op_libraries=args.all_op_libraries,
        inter_op_threads=args.inter_op_threads,
        intra_op_threads=args.intra_op_threads)
    failed = [r for r in results if not isinstance(r, dict)]
    if served.get("exit_code") or failed:
        raise SystemExit(f"the serving path failed: {served} {failed[:1]}")
    run_ms = served["run_ms"]
    report(args.sentences, sum(run_ms[1:1 + len(batches)]) / 1000,
           run_ms[1 + len(batches):], served["peak_rss_mb"],
           rss_mb=served["rss_mb"])

if __name__ == "__main__":
    main()
