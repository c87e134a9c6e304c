"""What storing a shipped model's weights in float16 or int8 costs in quality.

Loads a zoo model's shipped weights, writes them again with
`save_for_zoo(..., dtype=...)` for each of `--dtypes`, loads each file into
another model and scores all of them on the same split in one process,
beam and greedy. Prints
the file sizes, the scores (BLEU for translation, ROUGE-1 for
summarization) and how many outputs are identical.

    python benchmarks/storage_dtype.py [--model bilstm_attn_mt]
        [--data multi30k:en-de] [--split test] [--beam-size 5]
        [--max-examples N] [--dtypes float16,int8]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_s2s import zoo  # noqa: E402
from keras_s2s.metrics import corpus_bleu  # noqa: E402
from keras_s2s.metrics import rouge_scores  # noqa: E402
from keras_s2s.training.data_spec import DataSpec  # noqa: E402
from keras_s2s.zoo.weights import resolve  # noqa: E402


def score(metric, outputs, references):
    if metric == "bleu":
        return corpus_bleu(outputs, references)["score"]
    return rouge_scores(outputs, references)["rouge1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bilstm_attn_mt")
    parser.add_argument("--data", default="multi30k:en-de")
    parser.add_argument("--split", default="test")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--max-examples", type=int)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--dtypes", default="float16,int8")
    args = parser.parse_args()

    spec = DataSpec.parse(args.data)
    sources, references = spec.split(args.split)
    if args.max_examples:
        sources = sources[:args.max_examples]
        references = references[:args.max_examples]
    full = zoo.load(args.model)
    models = {"shipped": full}
    sizes = {"shipped": os.path.getsize(
        resolve(zoo.preset(args.model).weights))}
    folder = tempfile.mkdtemp()
    for dtype in args.dtypes.split(","):
        entry = zoo.save_for_zoo(full, os.path.join(folder, dtype),
                                 args.model, dtype=dtype)
        path = os.path.join(folder, dtype, entry["weights"]["file"])
        models[dtype] = zoo.load(args.model, weights=path,
                                 source_tokenizer=full.source_tokenizer,
                                 target_tokenizer=full.target_tokenizer)
        sizes[dtype] = os.path.getsize(path)
    full_path = zoo.preset(args.model).weights["file"]
    print(f"{args.model} on {args.data} {args.split} ({len(references)} "
          f"examples); {spec.metric}; weights file {full_path}")
    print("| search | stored as | file MB | score | seconds |")
    print("| --- | --- | ---: | ---: | ---: |")
    for method in ("beam", "greedy"):
        options = {"method": method}
        if method == "beam":
            options["beam_size"] = args.beam_size
        outputs = {}
        for dtype, model in models.items():
            start = time.perf_counter()
            outputs[dtype] = []
            for i in range(0, len(sources), args.batch_size):
                outputs[dtype] += model.generate(
                    sources[i:i + args.batch_size], **options)
            seconds = time.perf_counter() - start
            print(f"| {method} | {dtype} | {sizes[dtype] / 2**20:.1f} | "
                  f"{score(spec.metric, outputs[dtype], references):.2f} | "
                  f"{seconds:.0f} |", flush=True)
        for dtype in models:
            if dtype == "shipped":
                continue
            same = sum(a == b for a, b in zip(outputs["shipped"],
                                              outputs[dtype]))
            print(f"| {method} | {dtype}: outputs identical to shipped | | "
                  f"{same} of {len(references)} | |", flush=True)


if __name__ == "__main__":
    main()
