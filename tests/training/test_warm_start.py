import json

import keras
import numpy as np
import pytest

from data_paths import requires_multi30k
from keras_s2s import zoo
from keras_s2s.cli import main
from keras_s2s.training import warm_start

TINY = {"encoder": {"units": 8, "embedding_dim": 8, "dropout": 0.0},
        "decoder": {"units": 8, "embedding_dim": 8, "dropout": 0.0},
        "attention": {"units": 8},
        "source_vocab_size": 50, "target_vocab_size": 50}


def tiny(name="bigru_attn_summ", decoder=None, **changes):
    config = json.loads(json.dumps(TINY))
    config["decoder"].update(decoder or {})
    config.update(changes)
    return zoo.load(name, pretrained=False, **config)


POINTER = {"class_name": "PointerGeneratorDecoder", "generator_vocab_size": 50}


def test_a_pointer_generator_starts_an_attention_decoder():
    source = tiny(decoder=POINTER)
    target = tiny()  # built later: its layers are numbered apart
    report = warm_start(target, source)
    # Everything but the switch, which an AttentionDecoder does not have.
    assert report["fresh"] == []
    assert sorted(report["unused"]) == ["decoder/switch/bias",
                                        "decoder/switch/kernel"]
    assert len(report["copied"]) == len(target.weights)
    assert "decoder/attention/query_kernel" in report["copied"]
    assert "decoder/cells/0/kernel" in report["copied"]
    for a, b in zip(target.encoder.weights, source.encoder.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        target.decoder.attention.weights[0].numpy(),
        source.decoder.attention.weights[0].numpy())
    np.testing.assert_array_equal(
        target.decoder.output_projection.kernel.numpy(),
        source.decoder.output_projection.kernel.numpy())
    # Copies, not shared variables: training one leaves the other.
    before = source.decoder.bridge.kernel.numpy()
    target.decoder.bridge.kernel.assign(before + 1.0)
    np.testing.assert_array_equal(source.decoder.bridge.kernel.numpy(), before)


def test_a_different_shape_is_left_fresh_and_reported():
    # A smaller generator: the pointer's output layer has 40 columns.
    source = tiny(decoder={**POINTER, "generator_vocab_size": 40})
    target = tiny()
    fresh_before = target.decoder.output_projection.kernel.numpy()
    report = warm_start(target, source)
    assert sorted(report["fresh"]) == ["decoder/output_projection/bias",
                                       "decoder/output_projection/kernel"]
    assert "decoder/output_projection/kernel" in report["unused"]
    np.testing.assert_array_equal(
        target.decoder.output_projection.kernel.numpy(), fresh_before)
    np.testing.assert_array_equal(target.decoder.embedding.embeddings.numpy(),
                                  source.decoder.embedding.embeddings.numpy())


def test_a_location_aware_attention_starts_an_additive_one():
    """The score's query and key projections and vector carry over; the
    location features (convolution, their projection) have no place."""
    location = {"class_name": "LocationAttention", "units": 8,
                "mode": "location_aware", "filters": 2, "kernel_size": 3,
                "position_features": False}
    source = tiny("bilstm_location_mt", attention=location)
    target = tiny("bilstm_attn_mt")
    report = warm_start(target, source)
    assert report["fresh"] == []
    shared = ("query_kernel", "key_kernel", "key_bias", "score_vector")
    for name in shared:
        assert f"decoder/attention/{name}" in report["copied"]
    assert report["unused"] and all(
        p.startswith("decoder/attention/") and p.rsplit("/", 1)[1]
        not in shared for p in report["unused"])
    by_name = {w.name: w for w in source.decoder.attention.weights}
    for weight in target.decoder.attention.weights:
        np.testing.assert_array_equal(weight.numpy(),
                                      by_name[weight.name].numpy())


def test_unrelated_models_are_refused():
    source = tiny(source_vocab_size=60, target_vocab_size=60,
                  encoder={"units": 4, "embedding_dim": 4, "dropout": 0.0},
                  decoder={"units": 4, "embedding_dim": 4},
                  attention={"units": 4})
    with pytest.raises(ValueError, match="no weight of the source matches"):
        warm_start(tiny(), source)


def test_two_layer_decoders_keep_their_cells_apart():
    two = {"num_layers": 2}
    source, target = tiny(decoder=two), tiny(decoder=two)
    report = warm_start(target, source)
    assert report["fresh"] == [] and report["unused"] == []
    for a, b in zip(target.decoder.cells, source.decoder.cells):
        np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    assert not np.array_equal(target.decoder.cells[0].kernel.numpy(),
                              source.decoder.cells[1].kernel.numpy()[:16])


CLI_TINY = {"encoder": {"units": 8, "embedding_dim": 8, "dropout": 0.0},
            "decoder": {"units": 16, "embedding_dim": 8, "dropout": 0.0},
            "attention": {"units": 8}, "generation": {"max_length": 8}}


def cli_args(out, overrides, extra=()):
    return ["train", "--model", "bilstm_attn_mt", "--data", "multi30k:en-de",
            "--out", str(out), "--epochs", "1", "--batch-size", "32",
            "--max-examples", "128", "--vocab-size", "400",
            "--val-examples", "4", "--val-loss-examples", "32",
            "--overrides", json.dumps(overrides),
            *extra]


@requires_multi30k
def test_train_init_from_copies_weights_and_vocabularies(tmp_path):
    pointer = dict(CLI_TINY, decoder={**CLI_TINY["decoder"],
                                      "class_name": "PointerGeneratorDecoder"})
    first, second = tmp_path / "pointer", tmp_path / "attention"
    assert main(cli_args(first, pointer)) == 0
    # At learning rate 0 the second run's weights stay where they started.
    assert main(cli_args(second, CLI_TINY,
                         ["--init-from", str(first), "--lr", "0"])) == 0
    run = json.loads((second / "run.json").read_text())
    assert run["init_from"]["fresh"] == []
    assert sorted(run["init_from"]["unused"]) == ["decoder/switch/bias",
                                                  "decoder/switch/kernel"]
    a = keras.saving.load_model(first / "model.keras", compile=False)
    b = keras.saving.load_model(second / "model.keras", compile=False)
    assert b.source_tokenizer.proto == a.source_tokenizer.proto
    assert b.target_tokenizer.proto == a.target_tokenizer.proto
    assert type(b.decoder).__name__ == "AttentionDecoder"
    for x, y in zip(b.encoder.weights, a.encoder.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    np.testing.assert_array_equal(b.decoder.output_projection.kernel.numpy(),
                                  a.decoder.output_projection.kernel.numpy())


@requires_multi30k
def test_init_from_is_refused_for_a_model_to_fine_tune(tmp_path, capsys):
    assert main(["train", "--model", "zoo:bilstm_attn_mt", "--data",
                 "multi30k:en-de", "--out", str(tmp_path / "x"),
                 "--max-examples", "64",
                 "--init-from", str(tmp_path / "missing.keras")]) == 2
    assert "--init-from starts a zoo model by name" in capsys.readouterr().err
