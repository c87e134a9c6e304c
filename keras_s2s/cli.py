"""The `keras-s2s` command line."""

import argparse
import sys

from keras_s2s.generation.search_defaults import DEFAULT_BEAM_SIZE
from keras_s2s.training.precision import KERNEL_LAYOUT_CHOICES


def _demo(args):
    from keras_s2s.demo import run_demo

    run_demo(epochs=args.epochs, num_examples=args.examples, seed=args.seed)
    return 0


def _vocab(args):
    from keras_s2s.text import train_sentencepiece
    from keras_s2s.training.data_spec import read_corpus

    texts = []
    for spec in args.input:
        texts.extend(read_corpus(spec))
    print(f"Read {len(texts):,} texts from {', '.join(args.input)}; "
          f"training a {args.model_type} model"
          + (f" on {args.max_sentences:,} of them" if args.max_sentences
             and args.max_sentences < len(texts) else "") + ".")
    proto = train_sentencepiece(texts, vocab_size=args.vocab_size,
                                model_type=args.model_type,
                                max_sentences=args.max_sentences)
    with open(args.out, "wb") as f:
        f.write(proto)
    print(f"Wrote {args.out} ({len(proto):,} bytes).")
    return 0


def _load_model(name_or_path):
    """A zoo name (pretrained weights), a `.keras` file or a run folder."""
    from keras_s2s.models import load_model

    return load_model(name_or_path)


def _export(args):
    from keras_s2s.export import SIGNATURE_DOC
    from keras_s2s.export import ExportSettings
    from keras_s2s.export import export_saved_model

    model = _load_model(args.model)
    from keras_s2s.training.precision import resolve_kernel_layout
    from keras_s2s.training.precision import resolve_precision

    precision = resolve_precision(args.output_precision)
    model.generation_config["output_precision"] = precision
    recurrent = resolve_precision(args.recurrent_precision)
    if recurrent != "float32":
        model.generation_config["recurrent_precision"] = recurrent
    layout = resolve_kernel_layout(args.kernel_layout,
                                   (precision, recurrent))
    if layout != "in_out":
        model.generation_config["kernel_layout"] = layout
    if args.shortlist:
        model.vocabulary_shortlist = _shortlist(
            model, args.shortlist, size=args.shortlist_size,
            frequent=args.shortlist_frequent, name=args.model)
        model.generation_config["shortlist"] = True
    if model.contract.source == "text":
        model.generation_config["source_multiple"] = args.source_multiple
    model.generation_config["compact"] = args.compact_multiple
    if args.settle is not None:
        model.generation_config["settle"] = _settle(args.settle)
    first_apart = args.first_step == "apart"
    if not first_apart:
        model.generation_config["first_step_apart"] = False
    settings = ExportSettings.for_model(
        model, beam_size=args.beam_size, num_return=args.num_return,
        length_penalty=args.length_penalty, max_length=args.max_length,
        max_beam_size=args.max_beam_size,
        max_output_length=args.max_output_length,
        max_batch_size=args.max_batch_size,
        max_input_bytes=args.max_input_bytes, search=args.search,
        signatures=args.signatures)
    path = export_saved_model(model, args.out, version=args.version,
                              name=args.name, settings=settings,
                              check=not args.no_check)
    print(f"Wrote {path} " + (
        "(not checked: --no-check; `keras-s2s check-export` checks it)"
        if args.no_check else
        "(loaded and warmed up on TF Serving's C++ path)"))
    print(f"Settings and limits: {settings.to_dict()}; output layer in "
          f"{precision}, recurrent cells in {recurrent}, kernels laid out "
          f"{layout}; sources padded to "
          f"a multiple of {model.generation_config.get('source_multiple', 1)}"
          f", batches shrunk to a multiple of {args.compact_multiple}; beam "
          f"search stops a sentence: {args.settle or 'exact'}, runs its "
          f"first step {'apart' if first_apart else 'in the loop'}")
    print(SIGNATURE_DOC)
    return 0


def _shortlist(model, spec, size=None, frequent=None, name=None):
    """A `VocabularyShortlist`: the one zoo model `name` ships (`spec`
    "zoo"), read from a `.npz`, else fitted on the training split of the
    `--data` spec `spec` (`size` candidates per source piece and the
    `frequent` most common pieces; None: the defaults of
    `VocabularyShortlist.fit`)."""
    from keras_s2s.generation.vocabulary_shortlist import VocabularyShortlist

    options = {k: v for k, v in (("size", size), ("frequent", frequent))
               if v is not None}
    if (spec == "zoo" or spec.endswith(".npz")) and options:
        raise ValueError(
            f"--shortlist {spec!r}: a saved shortlist was fitted "
            "already; --shortlist-size and --shortlist-frequent apply "
            "when it is fitted on data.")
    if spec == "zoo":
        from keras_s2s import zoo

        name = (name or "").removeprefix("zoo:")
        if name not in zoo.list():
            raise ValueError(
                f"--shortlist zoo: {name!r} is not a zoo name; the shipped "
                "shortlists go with the zoo's own models (a .keras file "
                "takes --shortlist DATA or FILE.npz)")
        return zoo.load_shortlist(name)
    if spec.endswith(".npz"):
        return VocabularyShortlist.load(spec)
    from keras_s2s.training.data_spec import DataSpec

    data = DataSpec.parse(spec)
    if data.source != "text":
        raise ValueError(f"--shortlist {spec!r}: a shortlist is fitted on "
                         "text sources.")
    (sources, targets), _ = data.load()
    return VocabularyShortlist.fit_texts(model, sources, targets, **options)


def _check_export(args):
    import json

    from keras_s2s.export import check_serving

    report = check_serving(args.path)
    print(json.dumps(report))
    return 0


def _at_least(low):
    """An argparse type: an int >= `low`, refused before any work."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not an integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(
                f"must be at least {low}, got {value}")
        return value

    return parse


_positive = _at_least(1)
_non_negative = _at_least(0)


def _json_arg(text):
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _train(args):
    from keras_s2s.training import train

    train(args.model, args.data, args.out, epochs=args.epochs,
          batch_size=args.batch_size, learning_rate=args.lr,
          warmup_steps=args.warmup_steps,
          label_smoothing=args.label_smoothing, clipnorm=args.clipnorm,
          checkpoint_every=args.checkpoint_every, strategy=args.strategy,
          mixed_precision=args.mixed_precision, precision=args.precision,
          matmul_precision=args.matmul_precision,
          vocab_size=args.vocab_size,
          max_length=args.max_length, max_examples=args.max_examples,
          val_examples=args.val_examples,
          val_loss_examples=args.val_loss_examples,
          patience=args.patience, freeze_encoder=args.freeze_encoder,
          overrides=args.overrides, image_size=args.image_size,
          seed=args.seed, init_from=args.init_from)
    print(f"Wrote {args.out}/model.keras")
    return 0


def _evaluate(args):
    import json

    from keras_s2s.training import evaluate

    metrics = evaluate(args.model, args.data, split=args.split,
                       method=args.method, beam_size=args.beam_size,
                       max_examples=args.max_examples, out_json=args.out,
                       seed=args.seed, alpha=args.length_penalty,
                       settle=_settle(args.settle))
    print(json.dumps(metrics, indent=1))
    return 0


SETTLE_HELP = ("when beam search stops a sentence: exact (the default) once "
               "no hypothesis still running can outscore the best one, the "
               "same result as searching on; best as soon as the best one "
               "has finished, OpenNMT-py's rule: faster, an approximation "
               "under a length penalty")


def _settle(name):
    """The search's `settle` for a `--settle` choice (None: the default)."""
    return {None: None, "exact": True, "best": "best"}[name]


def _average(args):
    from keras_s2s.training import average_models

    model = average_models(args.models, args.out)
    print(f"Averaged {len(args.models)} models ({model.count_params():,} "
          f"parameters) into {args.out}/model.keras.")
    return 0


def _read_inputs(args):
    if args.text:
        return list(args.text)
    if args.input and ".jsonl:" in args.input:  # multi-line inputs
        return _read_jsonl_field(*args.input.rsplit(":", 1))
    if args.input and args.input != "-":
        from keras_s2s.datasets import read_lines

        return read_lines(args.input)
    return [line.rstrip("\n") for line in sys.stdin]


def _read_jsonl_field(path, field):
    """One input per JSON line, from `field` (dialogues hold newlines)."""
    from keras_s2s.datasets import read_jsonl_fields

    return read_jsonl_fields(path, field)[0]


def _generate(args):
    model = _load_model(args.model)
    texts = _read_inputs(args)
    contract = model.contract
    if contract.source == "image":  # lines are image paths
        from keras_s2s.training.data_spec import load_images

        texts = load_images(texts, contract.image_size)
    options = {}  # what is not given comes from the model's search defaults
    if args.method:
        options["method"] = args.method
    if args.beam_size and args.method in (None, "beam"):
        options["beam_size"] = args.beam_size
    if args.no_split:
        options["split_sentences"] = False
    # Past one batch, the search is traced once and run as a graph.
    options["compiled"] = len(texts) > args.batch_size
    for start in range(0, len(texts), args.batch_size):
        for output in model.generate(texts[start:start + args.batch_size],
                                     **options):
            print(output)
    return 0


def _plot_attention(args):
    from keras_s2s.plotting import attention_png
    from keras_s2s.plotting import model_alignment

    model = _load_model(args.model)
    weights, src, out, text = model_alignment(model, [args.text])
    with open(args.out, "wb") as f:
        f.write(attention_png(weights, src, out, title=text[:80]))
    print(f"{text}\nWrote {args.out}")
    return 0


def _zoo(args):
    import json

    from keras_s2s import zoo

    if args.action == "list":
        for name in zoo.list(args.task):
            preset = zoo.describe(name)
            shipped = "pretrained" if preset["weights"] else "architecture"
            print(f"{name:26s} {preset['task']:14s} "
                  f"{preset['parameters'] / 1e6:5.1f}M  {shipped}")
    elif args.action == "pack":
        return _zoo_pack(args)
    elif args.action == "download":
        return _zoo_download(args)
    elif args.action == "release":
        return _zoo_release(args)
    else:
        print(json.dumps(zoo.describe(args.name), indent=1))
    return 0


def _zoo_download(args):
    from keras_s2s import zoo

    for path in zoo.download(args.names, cache_dir=args.cache_dir,
                             weights_url=args.weights_url):
        print(path)
    return 0


def _zoo_release(args):
    from keras_s2s import zoo

    sums = zoo.write_release(args.out)
    print(sums.read_text(), end="")
    print(f"Wrote {sums.parent}: upload these files as release assets, or "
          "serve the folder and set KERAS_S2S_WEIGHTS_URL to its URL.")
    return 0


def _zoo_pack(args):
    """Writes a trained run's weights and vocabularies for shipping under a
    preset name and prints the preset entries (with sha256) and metrics."""
    import glob
    import json
    import os

    from keras_s2s import zoo

    zoo.describe(args.name)  # an unknown name fails here, listing the names
    model = _load_model(args.run)
    entry = zoo.save_for_zoo(model, args.into, args.name,
                             url_base=args.url_base, dtype=args.dtype)
    # The shipped files must load into the preset's architecture as is.
    weights = os.path.join(args.into, entry["weights"]["file"])
    vocab = {side: os.path.join(args.into, v["file"])
             for side, v in entry["vocab"].items()}
    zoo.load(args.name, weights=weights,
             source_tokenizer=vocab.get("source"),
             target_tokenizer=vocab.get("target"))
    metrics = {}
    for path in sorted(glob.glob(os.path.join(args.run, "test_*.json"))):
        with open(path) as f:
            metrics[os.path.basename(path)[5:-5]] = json.load(f)
    entry["metrics"] = metrics
    entry["size_mb"] = round(os.path.getsize(weights) / 2**20, 1)
    print(json.dumps(entry, indent=1))
    return 0


def build_parser():
    from keras_s2s.zoo.weights import RELEASE_URL

    parser = argparse.ArgumentParser(
        prog="keras-s2s",
        description="Attention-based sequence-to-sequence models for Keras 3.")
    parser.add_argument(
        "--verbose", action="store_true", help="keep TensorFlow's and "
        "SentencePiece's native log lines (the `keras-s2s` command drops "
        "them; also KERAS_S2S_VERBOSE=1)")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an "
        "error instead of its one-line message (also KERAS_S2S_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="train a small attention model on a toy task and "
        "decode with it")
    demo.add_argument("--epochs", type=_positive, default=3)
    demo.add_argument("--examples", type=_positive, default=8000)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)

    vocab = sub.add_parser(
        "vocab", help="train a SentencePiece subword model (ids 0-3: <pad>, "
        "<unk>, <s>, </s>)")
    vocab.add_argument("--input", nargs="+", required=True,
                       help="text files (one text per line, .gz ok) or "
                       "multi30k:en, multi30k:de, dialogsum")
    vocab.add_argument("--vocab-size", type=_positive, default=8000)
    vocab.add_argument("--model-type", choices=["unigram", "bpe"],
                       default="unigram")
    vocab.add_argument("--max-sentences", type=_positive, default=None)
    vocab.add_argument("--out", required=True, help="output .model file")
    vocab.set_defaults(func=_vocab)

    export = sub.add_parser(
        "export", help="write a SavedModel for TensorFlow Serving into "
        "OUT/<version>/ (text in, text out; tokenization and search inside)")
    export.add_argument("model", help="a zoo name (pretrained) or a .keras "
                        "file")
    export.add_argument("--out", required=True,
                        help="the model's base path, e.g. saved_models/NAME")
    export.add_argument("--version", type=_positive, default=None,
                        help="version number (default: the next free one)")
    export.add_argument("--name", default=None,
                        help="model name for warm-up requests (default: the "
                        "folder name of --out)")
    export.add_argument(
        "--source-multiple", type=_positive, default=8,
        help="pad each request's source pieces (masked) to a multiple of "
        "this (default 8; 1: as they come). The same outputs; a server then "
        "sees a few source lengths, not every one, and builds fewer oneDNN "
        "primitives: the shipped translator's serving peak went from 610 "
        "to 541 MB at the same speed")
    export.add_argument(
        "--compact-multiple", type=_positive, default=4,
        help="finished sentences leave the batch in steps that keep it a "
        "multiple of this many sentences (or 1, 2, ... below it; default 4; "
        "1: each as it ends). The same outputs; fewer batch shapes for the "
        "server: the shipped translator's serving peak went from 582 to "
        "534 MB, within the noise of its speed")
    export.add_argument(
        "--settle", choices=("exact", "best"), default=None,
        help=SETTLE_HELP)
    export.add_argument(
        "--first-step", choices=("apart", "in-loop"), default="apart",
        help="where beam search runs its first step: apart (the default; "
        "before the loop, on one row per sentence) or in-loop (on K rows; "
        "one copy of the step in the graph). The same outputs; in-loop "
        "lowers the serving peak: the shipped translator's, with bfloat16 "
        "products on a CPU with AMX, from about 537 to 525 MB, batches of "
        "32 about 7%% slower, one sentence as fast (README)")
    export.add_argument(
        "--no-check", action="store_true",
        help="put the export in place without loading it on TF Serving's "
        "C++ path first, nor checking its ops (`keras-s2s check-export` "
        "does both later); by default a version that fails either is "
        "never written")
    export.add_argument("--search", choices=("beam", "greedy"), default=None,
                        help="how serving_default searches (default: the "
                        "model's generation setting, beam for the zoo)")
    export.add_argument("--signatures", default=None, metavar="NAMES",
                        help="comma-separated signatures to export (default: "
                        "serving_default,nbest,nbest_options_unbatched; "
                        "serving_default always): serving_default is a search "
                        "graph the server holds, the two n-best ones share "
                        "another; leaving them out took about 30 MB off the "
                        "shipped translator's serving peak")
    export.add_argument("--output-precision", default="float32",
                        choices=("float32", "bfloat16", "auto"),
                        help="the output layer's matrix product in search: "
                        "bfloat16 is faster on CPUs with bfloat16 units "
                        "(slower without); auto picks it where this "
                        "machine has them (default float32)")
    export.add_argument("--recurrent-precision", default="float32",
                        choices=("float32", "bfloat16", "auto"),
                        help="the recurrent decoder cells' matrix products "
                        "in search, likewise (default float32)")
    export.add_argument("--kernel-layout", default="auto",
                        choices=KERNEL_LAYOUT_CHOICES,
                        help="how the bfloat16 kernels of --output-precision "
                        "and --recurrent-precision are held: out_in "
                        "(transposed; the same results) is faster on CPUs "
                        "with AMX; auto (default) picks it where this "
                        "machine has AMX and a kernel is in bfloat16")
    export.add_argument(
        "--shortlist", default=None, metavar="zoo|DATA|NPZ",
        help="search only a vocabulary shortlist: `zoo`, the one the zoo "
        "model ships (bilstm_attn_mt: 50 per source piece and the 1,000 "
        "most common, fitted on Multi30k); or the target pieces an IBM "
        "Model 1 lexicon fitted on DATA's training pairs (a --data spec) "
        "gives for the request's source pieces, plus the 2,000 most "
        "common; or a .npz from VocabularyShortlist.save. Faster, an "
        "approximation: measure BLEU with and without")
    export.add_argument(
        "--shortlist-size", type=_positive, default=None, metavar="N",
        help="with --shortlist DATA: candidates kept per source piece "
        "(default 100)")
    export.add_argument(
        "--shortlist-frequent", type=_non_negative, default=None,
        metavar="N", help="with --shortlist DATA: the most common target "
        "pieces always kept (default 2000). The shipped translator's beam "
        "export at batch 32 on a 2-core Zen 3 CPU: 50 and 1000 searched "
        "1.33x as fast as the full vocabulary, BLEU 35.83 against 35.82 "
        "on test (35.36 against 35.50 on val); 100 and 2000 1.15x, 35.77 "
        "(35.47)")
    nbest = export.add_argument_group(
        "n-best settings and per-request limits (default: the model's "
        "generation settings; limits 16 beams and 256 pieces)")
    nbest.add_argument("--beam-size", type=_positive, default=None,
                       help="beam of the `nbest` signature")
    nbest.add_argument("--num-return", type=_positive, default=None,
                       help="outputs per input of `nbest` (default: beam)")
    nbest.add_argument("--length-penalty", type=float, default=None,
                       help="GNMT alpha of `nbest`")
    nbest.add_argument("--max-length", type=_positive, default=None,
                       help="output length of `nbest`, in pieces")
    nbest.add_argument("--max-beam-size", type=_positive, default=None,
                       help="largest beam_size a request to "
                       "`nbest_options_unbatched` may ask for")
    nbest.add_argument(
        "--max-batch-size", type=_positive, default=None,
        help="most inputs in one request or merged batch (default 256)")
    nbest.add_argument(
        "--max-input-bytes", type=_positive, default=None,
        help="longest input in bytes (default 20,000 for text, 10,000,000 "
        "for images)")
    nbest.add_argument("--max-output-length", type=_positive, default=None,
                       help="largest max_length a request may ask for")
    export.set_defaults(func=_export)

    check = sub.add_parser(
        "check-export", help="load a SavedModel version folder on TF "
        "Serving's C++ path (LoadSavedModel + warm-up replay), as the model "
        "server would")
    check.add_argument("path", help="a version folder, e.g. OUT/1")
    check.set_defaults(func=_check_export)

    data_help = ("multi30k:en-de, dialogsum, shapes[:N], SRC_FILE,TGT_FILE, "
                 "FILE.jsonl:SOURCE_FIELD:TARGET_FIELD or CAPTIONS.json:"
                 "IMAGE_DIR")
    train = sub.add_parser(
        "train", help="train or fine-tune a model; rerun the same command "
        "to resume after an interruption")
    train.add_argument("--model", default="bilstm_attn_mt",
                       help="zoo name (random init), zoo:NAME (pretrained, "
                       "to fine-tune) or a .keras file")
    train.add_argument("--data", required=True, help=data_help)
    train.add_argument("--out", required=True, help="run folder")
    train.add_argument("--epochs", type=_positive, default=10)
    train.add_argument("--batch-size", type=_positive, default=64)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--warmup-steps", type=_non_negative, default=0)
    train.add_argument("--label-smoothing", type=float, default=0.1)
    train.add_argument("--clipnorm", type=float, default=1.0)
    train.add_argument("--checkpoint-every", type=_positive, default=200,
                       help="steps between checkpoints")
    train.add_argument("--strategy", default="default",
                       choices=["default", "mirrored", "multi_worker", "tpu"],
                       help="tf.distribute strategy (multi_worker trains with "
                       "a custom loop, see the README)")
    train.add_argument("--precision", default="float32",
                       choices=["auto", "float32", "bfloat16"],
                       help="bfloat16: bfloat16 compute, float32 weights "
                       "(mixed_bfloat16); auto: bfloat16 where the CPU or "
                       "GPU has bfloat16 units (default float32)")
    train.add_argument("--mixed-precision", action="store_true",
                       help="the same as --precision bfloat16")
    train.add_argument("--matmul-precision", default="float32",
                       choices=["auto", "float32", "bfloat16"],
                       help="the decoder's recurrent and output matrix "
                       "products (weights, states and loss stay float32); "
                       "auto: bfloat16 where the CPU or GPU has bfloat16 "
                       "units (default float32)")
    train.add_argument("--vocab-size", type=_positive, default=8000)
    train.add_argument("--max-length", type=_positive, default=100)
    train.add_argument("--max-examples", type=_positive, default=None)
    train.add_argument("--patience", type=_positive, default=None,
                       help="early stopping on the validation metric")
    train.add_argument("--freeze-encoder", action="store_true")
    train.add_argument("--init-from", default=None, metavar="MODEL",
                       help="start the zoo model --model names from a "
                       "related model's weights (a .keras file or run "
                       "folder): each weight whose place and shape match is "
                       "copied, its vocabularies are used; e.g. a model "
                       "trained with a copy path, to give attention a start")
    train.add_argument("--overrides", type=_json_arg, default=None,
                       help='preset changes as JSON, e.g. '
                       '\'{"encoder": {"units": 128}}\'')
    train.add_argument("--val-examples", type=_positive, default=200,
                       help="validation inputs decoded for the metric "
                       "each epoch")
    train.add_argument("--val-loss-examples", type=_positive, default=None,
                       help="validation pairs the validation loss is "
                       "computed over each epoch (default: all of them)")
    train.add_argument("--image-size", type=_positive, default=64)
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=_train)

    evaluate = sub.add_parser(
        "evaluate", help="generate for a split and print the task's metrics")
    evaluate.add_argument("--model", required=True,
                          help="run folder, .keras file or zoo name")
    evaluate.add_argument("--data", required=True, help=data_help)
    evaluate.add_argument("--split", default="val",
                          choices=["train", "val", "test"])
    evaluate.add_argument("--method", default="beam",
                          choices=["greedy", "beam"])
    evaluate.add_argument("--beam-size", type=_positive, default=DEFAULT_BEAM_SIZE)
    evaluate.add_argument("--length-penalty", type=float, default=None,
                          help="GNMT alpha of the beam search (default: "
                          "the model's); choose it on --split val")
    evaluate.add_argument(
        "--settle", choices=("exact", "best"), default=None,
        help=SETTLE_HELP)
    evaluate.add_argument("--max-examples", type=_positive, default=None)
    evaluate.add_argument("--out", default=None, help="write metrics JSON")
    evaluate.add_argument(
        "--seed", type=int, default=None,
        help="the seed that held the validation part out of data without a "
        "fixed split (default: the run folder's, from its run.json, else 0)")
    evaluate.set_defaults(func=_evaluate)

    average = sub.add_parser(
        "average", help="average the weights of saved models of one "
        "architecture (e.g. the last stages of a training) into a new run")
    average.add_argument("models", nargs="+",
                         help="run folders or .keras files, two or more")
    average.add_argument("--out", required=True, help="run folder to write")
    average.set_defaults(func=_average)

    for command in ("generate", "translate"):
        gen = sub.add_parser(command, help="generate outputs for lines from "
                             "arguments, a file or stdin")
        gen.add_argument("--model", required=True,
                         help="run folder, .keras file or zoo name")
        gen.add_argument("text", nargs="*", help="inputs (default: --input)")
        gen.add_argument("--input", default="-",
                         help="file of inputs, one per line ('-': stdin), "
                         "or FILE.jsonl:FIELD for inputs that hold newlines "
                         "(dialogues)")
        gen.add_argument("--method", default=None,
                         choices=["greedy", "beam", "sample"],
                         help="default: the model's own search settings")
        gen.add_argument("--beam-size", type=_positive, default=None)
        gen.add_argument("--batch-size", type=_positive, default=32)
        gen.add_argument("--no-split", action="store_true",
                         help="decode each input whole (translation models "
                         "split paragraphs into sentences by default)")
        gen.set_defaults(func=_generate)

    plot = sub.add_parser("plot-attention",
                          help="write a PNG heat map of one alignment")
    plot.add_argument("--model", required=True)
    plot.add_argument("--text", required=True)
    plot.add_argument("--out", default="attention.png")
    plot.set_defaults(func=_plot_attention)

    zoo_cmd = sub.add_parser("zoo", help="list, describe, download, release "
                             "or pack zoo models")
    zoo_sub = zoo_cmd.add_subparsers(dest="action", required=True)
    zoo_list = zoo_sub.add_parser("list")
    zoo_list.add_argument("--task", default=None)
    zoo_describe = zoo_sub.add_parser("describe")
    zoo_describe.add_argument("name")
    zoo_download = zoo_sub.add_parser(
        "download", help="fetch zoo models' weights and vocabularies into "
        "the cache ahead of time (sha256 checked)")
    zoo_download.add_argument("names", nargs="+")
    zoo_download.add_argument("--cache-dir", default=None,
                              help="default ~/.keras/keras_s2s or "
                              "$KERAS_S2S_CACHE")
    zoo_download.add_argument("--weights-url", default=None,
                              help="base URL of the release files (default "
                              "$KERAS_S2S_WEIGHTS_URL, else the release)")
    zoo_release = zoo_sub.add_parser(
        "release", help="copy every shipped weights and vocabulary file "
        "into a folder with a SHA256SUMS, ready to upload")
    zoo_release.add_argument("out")
    zoo_pack = zoo_sub.add_parser(
        "pack", help="write a trained run's weights and vocabularies for "
        "shipping under a preset name; prints the preset entries")
    zoo_pack.add_argument("run", help="run folder or .keras file")
    zoo_pack.add_argument("name", help="the preset it trains")
    zoo_pack.add_argument("--into", default="saved_models")
    zoo_pack.add_argument("--dtype", choices=["float32", "float16", "int8"],
                          default="float32",
                          help="how the weights are stored (float16: half "
                          "the size; int8: a quarter, one scale per output "
                          "unit; both loaded into float32)")
    zoo_pack.add_argument("--url-base", default=RELEASE_URL,
                          help="download URL of the folder the files will "
                          "be published in")
    zoo_cmd.set_defaults(func=_zoo)
    return parser


DEBUG_ENV = "KERAS_S2S_DEBUG"


def _runtime_message(error):
    """One line for an error of the machine, the disk or TensorFlow."""
    import errno
    import os

    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        where = f" writing {error.filename}" if error.filename else ""
        detail = error.strerror or os.strerror(errno.ENOSPC)
        return (f"{detail}{where}; free some space or write elsewhere "
                "(--out), then run the same command again.")
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}."
    message = getattr(error, "message", None) or str(error) or repr(error)
    first = message.strip().splitlines()[0] if message.strip() else message
    return f"{type(error).__name__}: {first}"


def main(argv=None):
    """Runs a command. A user error (bad arguments, files or data) ends in
    one line and exit code 2, a runtime error (disk, memory, TensorFlow) in
    one line and exit code 1; `--debug` anywhere on the line (or
    KERAS_S2S_DEBUG=1) shows the traceback instead."""
    import os

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = ("--debug" in argv
             or os.environ.get(DEBUG_ENV, "") not in ("", "0"))
    # --verbose may stand anywhere; the console script acted on it already.
    argv = ["--verbose"] * ("--verbose" in argv) + ["--debug"] * (
        "--debug" in argv) + [a for a in argv
                              if a not in ("--verbose", "--debug")]
    args = build_parser().parse_args(argv)
    import warnings

    def one_line(message, category, *unused, **unused_kw):
        return f"keras-s2s {args.command}: warning: {message}\n"

    warnings.formatwarning = one_line
    name = f"keras-s2s {args.command}"
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, IsADirectoryError) as error:
        if debug:
            raise
        # Bad input from the user: one clear line, no stack trace.
        print(f"{name}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{name}: interrupted.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the disk, memory, TensorFlow
        if debug:
            raise
        print(f"{name}: error: {_runtime_message(error)} (--debug shows "
              "where)", file=sys.stderr)
        return 1


def exit_with(code):
    """Ends the process with `code`. After a failed HDF5 write (a disk that
    filled while a checkpoint was written) the HDF5 library can crash while
    Python finalizes, so then the process ends at once, streams flushed."""
    import os

    from keras_s2s.training.resumable_checkpoint import HDF5_WRITE_FAILED

    if HDF5_WRITE_FAILED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    exit_with(main())
