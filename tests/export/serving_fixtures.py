"""Tiny zoo models and tokenizers for the export tests (no data files
needed: the vocabularies are trained on generated shapes captions)."""

import collections
import os

import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from keras_s2s import zoo
from keras_s2s.datasets import generate_shapes
from keras_s2s.text import SentencePieceTokenizer
from keras_s2s.text import train_sentencepiece

TEXTS = ["A red circle is left of a blue square.", "Two green triangles.",
         "", "x" * 100_000]
BAD_UTF8 = b"caf\xe9 \xff ok"


def tiny(name):
    """Overrides that make zoo architecture `name` a few thousand
    parameters."""
    config = zoo.describe(name)["config"]
    over = {"encoder": {}, "decoder": {"units": 16, "embedding_dim": 8},
            "attention": {}, "generation": {"max_length": 8}}
    for key, value in (("units", 8), ("embedding_dim", 8), ("num_layers", 1)):
        if key in config["encoder"]:
            over["encoder"][key] = value
    if config["encoder"]["class_name"] == "ImageEncoder":
        over["encoder"]["filters"] = [4, 8]
        over["image_size"] = 32
    attention = config["attention"] or {}  # None: no attention
    if attention.get("score") in ("dot", "scaled_dot"):
        over["encoder"]["units"] = 16
    if "units" in attention:
        over["attention"]["units"] = 8
    if "filters" in attention:
        over["attention"].update(filters=4, kernel_size=3)
    if "generator_vocab_size" in config["decoder"]:
        over["decoder"]["generator_vocab_size"] = 300
    return over


def make_tokenizers():
    images, captions, _ = generate_shapes(60, image_size=32, seed=0)
    texts = [c for cs in captions for c in cs] + TEXTS[:2]
    tokenizer = SentencePieceTokenizer(train_sentencepiece(
        texts, 300, progress=False))
    return {"text": tokenizer,
            "images": [tf.io.encode_png(i).numpy() for i in images[:4]],
            "pixels": images[:4]}


def is_image_model(name):
    return zoo.describe(name)["config"]["encoder"]["class_name"] == (
        "ImageEncoder")


def build(name, tokenizers, **overrides):
    """Zoo architecture `name`, tiny and untrained, with tokenizers (and
    model-level `overrides` such as `share_embeddings=True`)."""
    tokenizer = tokenizers["text"]
    source = None if is_image_model(name) else tokenizer
    return zoo.load(name, pretrained=False, source_tokenizer=source,
                    target_tokenizer=tokenizer, **tiny(name), **overrides)


def export_and_serve(net, path, texts=TEXTS[:2], **export_options):
    """Exports `net` to `path`, answers `texts` on TF Serving's C++ path,
    checks the answers equal `net.search` in Python, and returns the
    SavedModel's folder.

    The load here replays the warm-up records as export's own check
    (`check_serving`) does, so that check is off unless `export_options`
    asks for it: one C++ load per export, not two."""
    import numpy as np

    from keras_s2s.export import export_saved_model
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    expected = net.search(tf.constant(texts))
    export_options.setdefault("check", False)
    saved = export_saved_model(net, str(path), **export_options)
    report, [answer] = run_serving_path(
        saved, [predict_request({"inputs": np.array(texts, object)})])
    assert report["exit_code"] == 0, report
    if export_options.get("warmup", True):
        assert report["warmup_records"] >= 1, report
    assert [s.decode() for s in answer["outputs"]] == [
        s.decode() for s in np.asarray(expected["text"])[:, 0]]
    return saved


def functions(path):
    """The FunctionDefs of the SavedModel at `path`."""
    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as f:
        saved.ParseFromString(f.read())
    return list(saved.meta_graphs[0].graph_def.library.function)


def constant_copies(function_def):
    """How many input-less Const nodes repeat an earlier one's value."""
    seen = collections.Counter(
        (n.attr["dtype"].type, n.attr["value"].SerializeToString(
            deterministic=True))
        for n in function_def.node_def if n.op == "Const" and not n.input)
    return sum(count - 1 for count in seen.values())
