"""`keras-s2s train` options: --freeze-encoder (on a shipped model), --patience,
--precision bfloat16, --matmul-precision, shared embeddings through --overrides, and
`keras-s2s zoo pack` on a trained run."""

import json

import keras
import numpy as np
import pytest

from data_paths import requires_multi30k
from keras_s2s import zoo
from keras_s2s.cli import main

TINY = {"encoder": {"units": 16, "embedding_dim": 16, "dropout": 0.0},
        "decoder": {"units": 32, "embedding_dim": 16, "dropout": 0.0},
        "attention": {"units": 16}, "generation": {"max_length": 16}}


def train_args(out, epochs=1, model="bilstm_attn_mt", extra=(),
               overrides=TINY):
    return ["train", "--model", model, "--data", "multi30k:en-de",
            "--out", str(out), "--epochs", str(epochs), "--batch-size", "32",
            "--max-examples", "128", "--vocab-size", "400",
            "--checkpoint-every", "100", "--lr", "0.003",
            "--val-examples", "16", "--val-loss-examples", "64",
            *(["--overrides", json.dumps(overrides)] if overrides else []),
            *extra]


def load(path):
    return keras.saving.load_model(path, compile=False)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("base")
    assert main(train_args(out)) == 0
    return out


@requires_multi30k
def test_overrides_are_refused_for_a_saved_model(base_run, tmp_path, capsys):
    # A saved model's config is fixed: overrides are refused, not ignored.
    out = tmp_path / "tuned"
    assert main(train_args(out, model=str(base_run / "model.keras"))) == 2
    assert "overrides apply to zoo names only" in capsys.readouterr().err
    assert not (out / "vocab").exists()


@requires_multi30k
def test_patience_stops_when_the_metric_stops_improving(tmp_path):
    # lr 0: weights never change, so val BLEU is the same every epoch and
    # early stopping (patience 1) ends the run after the second epoch.
    args = train_args(tmp_path / "r", epochs=5,
                      extra=["--patience", "1"])
    args[args.index("--lr") + 1] = "0"
    assert main(args) == 0
    history = json.loads((tmp_path / "r" / "history.json").read_text())
    assert len(history["val_bleu"]) == 2
    assert history["val_bleu"][0] == history["val_bleu"][1]


@pytest.fixture(scope="module")
def shared_bfloat16_run(tmp_path_factory):
    """One run for two options that are independent of each other: shared
    embeddings (through --overrides) and --matmul-precision bfloat16."""
    out = tmp_path_factory.mktemp("shared") / "r"
    overrides = {**TINY, "encoder": {**TINY["encoder"], "embedding_dim": 16},
                 "share_embeddings": True}
    assert main(train_args(out, overrides=overrides,
                           extra=["--matmul-precision", "bfloat16"])) == 0
    return out


@requires_multi30k
def test_shared_embeddings_train_one_vocabulary_and_one_matrix(
        shared_bfloat16_run):
    vocab = shared_bfloat16_run / "vocab"
    # One vocabulary trained on both sides, written for each side.
    assert (vocab / "source.spm").read_bytes() == \
        (vocab / "target.spm").read_bytes()
    model = load(shared_bfloat16_run / "model.keras")
    assert model.share_embeddings
    assert model.decoder.embedding is model.encoder.source_embedding()
    tables = [w for w in model.weights if w.shape == (400, 16)]
    assert len(tables) == 1
    text = ["two dogs play in the snow ."]
    assert isinstance(model.generate(text, method="greedy")[0], str)


@requires_multi30k
def test_mixed_precision_computes_in_bfloat16_and_restores_policy(tmp_path):
    assert main(train_args(tmp_path / "r",
                           extra=["--precision", "bfloat16"])) == 0
    assert keras.mixed_precision.global_policy().name == "float32"
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["policy"] == "mixed_bfloat16"
    model = load(tmp_path / "r" / "model.keras")
    assert model.decoder.compute_dtype == "bfloat16"
    assert all(w.dtype == "float32" for w in model.weights)  # fp32 master
    history = json.loads((tmp_path / "r" / "history.json").read_text())
    assert np.isfinite(history["loss"]).all()
    # What the bfloat16 model decodes: finite scores, and the text is the
    # detokenized tokens.
    result = model.search(["a man is riding a bike ."], method="greedy",
                          max_length=12)
    assert np.isfinite(np.asarray(result["scores"], "float32")).all()
    n = int(np.asarray(result["lengths"])[0, 0])
    tokens = np.asarray(result["tokens"])[0, 0, :n]
    expected = model.target_tokenizer.detokenize(tokens[None]).numpy()[0]
    assert model.generate(["a man is riding a bike ."], method="greedy",
                          max_length=12) == [expected.decode()]


@requires_multi30k
def test_matmul_precision_trains_and_is_recorded(base_run,
                                                 shared_bfloat16_run):
    run = json.loads((shared_bfloat16_run / "run.json").read_text())
    assert run["policy"] == "float32"
    assert run["matmul_precision"] == "bfloat16"
    model = load(shared_bfloat16_run / "model.keras")
    assert model.matmul_precision == "bfloat16"
    history = json.loads((shared_bfloat16_run / "history.json").read_text())
    assert np.isfinite(history["loss"]).all()
    # The default stays float32.
    run = json.loads((base_run / "run.json").read_text())
    assert run["matmul_precision"] == "float32"
    assert load(base_run / "model.keras").matmul_precision == "float32"


@requires_multi30k
def test_zoo_pack_writes_files_that_load_into_the_preset(base_run, tmp_path,
                                                         capsys):
    preset = zoo.describe("bilstm_attn_mt")
    config = preset["config"]
    for section, values in TINY.items():
        config[section] = {**config[section], **values}
    zoo.register("tiny_attn_mt", {**preset, "config": config})
    try:
        capsys.readouterr()
        assert main(["zoo", "pack", str(base_run), "tiny_attn_mt",
                     "--into", str(tmp_path)]) == 0
        entry = json.loads(capsys.readouterr().out)
        zoo.register("tiny_attn_mt", {**preset, "config": config,
                                      "weights": entry["weights"],
                                      "vocab": entry["vocab"]},
                     overwrite=True)
        shipped = zoo.load("tiny_attn_mt", cache_dir=str(tmp_path))
        trained = load(base_run / "model.keras")
        text = ["two dogs play in the snow ."]
        assert shipped.generate(text, method="greedy") == \
            trained.generate(text, method="greedy")
        assert main(["zoo", "pack", str(base_run), "nonexistent_mt"]) == 2
        assert "bilstm_attn_mt" in capsys.readouterr().err
    finally:
        zoo.unregister("tiny_attn_mt")


@requires_multi30k
def test_fine_tuning_a_shipped_model_keeps_its_vocabularies(tmp_path):
    import hashlib

    out = tmp_path / "tuned"
    args = ["train", "--model", "zoo:bilstm_attn_mt", "--data",
            "multi30k:en-de", "--out", str(out), "--epochs", "1",
            "--batch-size", "16", "--max-examples", "32", "--lr", "1e-4",
            "--val-examples", "8", "--val-loss-examples", "32",
            "--freeze-encoder"]
    assert main(args) == 0
    shipped = zoo.load("bilstm_attn_mt")
    tuned = load(out / "model.keras")
    # The vocabularies inside are the shipped ones, by the digest every
    # install (checkout or download) is checked against.
    vocab = zoo.describe("bilstm_attn_mt")["vocab"]
    for side in ("source", "target"):
        proto = getattr(tuned, f"{side}_tokenizer").proto
        assert hashlib.sha256(proto).hexdigest() == vocab[side]["sha256"]
    # --freeze-encoder: the encoder is the shipped one, the decoder moved.
    for a, b in zip(shipped.encoder.get_weights(),
                    tuned.encoder.get_weights()):
        np.testing.assert_array_equal(a, b)
    moved = [not np.allclose(a, b) for a, b in zip(
        shipped.decoder.get_weights(), tuned.decoder.get_weights())]
    assert sum(moved) >= len(moved) - 1  # all but maybe an unused bias
    assert tuned.generate(["Two dogs play in the snow."],
                          method="greedy")[0].startswith("Zwei Hunde")


def test_new_vocabularies_keep_the_presets_symbols_whole(tmp_path):
    from keras_s2s import zoo
    from keras_s2s.training.trainer import _tokenizers

    symbols = zoo.preset("bigru_attn_summ").user_defined_symbols
    assert "#Person1#" in symbols and "#Person7#" in symbols
    dialogues = [f"#Person1#: the {c} dog. #Person2#: it is #Person1#'s."
                 for c in ["brown", "black", "white"] * 40]
    summaries = [f"#Person1# has a {c} dog." for c in ["brown", "black",
                                                       "white"] * 40]
    source, target = _tokenizers(zoo.contract("bigru_attn_summ"), "unigram",
                                 (dialogues, summaries), str(tmp_path), 300,
                                 (None, None), symbols)
    assert source is target  # one shared vocabulary
    ids = [int(i) for i in target.tokenize(["#Person2# asks #Person1#."])[0]]
    pieces = [p.decode() for p in target.id_to_piece(ids).numpy()]
    assert "#Person2#" in pieces and "#Person1#" in pieces, pieces


@requires_multi30k
def test_train_optimizes_with_fused_adam(base_run):
    from keras_s2s.training import FusedAdam

    model = keras.saving.load_model(base_run / "model.keras")
    assert isinstance(model.optimizer, FusedAdam)
    assert int(model.optimizer.iterations.numpy()) > 0
