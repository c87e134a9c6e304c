import os

import keras
import numpy as np
import pytest
from zoo_sizes import tiny_overrides

from data_paths import requires_dialogsum
from data_paths import requires_multi30k
from keras_s2s import zoo
from keras_s2s.datasets import generate_shapes
from keras_s2s.datasets import load_dialogsum
from keras_s2s.datasets import load_multi30k
from keras_s2s.datasets import make_seq2seq_dataset
from keras_s2s.models import Seq2Seq
from keras_s2s.text import SentencePieceTokenizer
from keras_s2s.text import train_sentencepiece


@pytest.fixture(scope="module")
def task_data():
    data = {}
    en, de = load_multi30k("val")
    en, de = en[:128], de[:128]
    data["translation"] = (
        en, de, SentencePieceTokenizer(train_sentencepiece(en, 400,
                                                           progress=False)),
        SentencePieceTokenizer(train_sentencepiece(de, 400, progress=False)))
    dialogues, summaries = load_dialogsum("dev")
    dialogues = [" ".join(d.split()[:30]) for d in dialogues[:96]]
    summaries = summaries[:96]
    shared = SentencePieceTokenizer(train_sentencepiece(
        dialogues + summaries, 400, progress=False))
    data["summarization"] = (dialogues, summaries, shared, shared)
    images, captions, _ = generate_shapes(96, image_size=32, seed=0)
    flat_images = np.repeat(images, 1, axis=0)
    first = [c[0] for c in captions]
    data["captioning"] = (flat_images, first, None, SentencePieceTokenizer(
        train_sentencepiece([c for cs in captions for c in cs], 320,
                            progress=False)))
    return data


def compiled(model):
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True, ignore_class=0))
    return model


@requires_multi30k
@requires_dialogsum
@pytest.mark.parametrize("name", zoo.list())
def test_every_zoo_model_trains_generates_and_round_trips(name, task_data,
                                                          tmp_path):
    task = zoo.describe(name)["task"]
    sources, targets, src_tok, tgt_tok = task_data[task]
    model = zoo.load(name, pretrained=False, source_tokenizer=src_tok,
                     target_tokenizer=tgt_tok, **tiny_overrides(name))
    assert isinstance(model, Seq2Seq)
    ds, report = make_seq2seq_dataset(sources, targets, tgt_tok, src_tok,
                                      batch_size=32, max_source_length=60,
                                      max_target_length=30,
                                      length_policy="truncate", shuffle=False)
    compiled(model)
    history = model.fit(ds, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses

    inputs = sources[:3]
    texts = model.generate(inputs)
    assert len(texts) == 3 and all(isinstance(t, str) for t in texts)
    nbest = model.generate(inputs, method="beam", beam_size=3, num_return=2)
    assert all(len(row) == 2 for row in nbest)

    path = os.path.join(tmp_path, f"{name}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.generate(inputs) == texts
    assert loaded.generate(inputs, method="beam", beam_size=3,
                           num_return=2) == nbest


def test_every_preset_is_complete_and_counts_its_parameters():
    for name in zoo.list():
        preset = zoo.describe(name)
        for key in ("task", "description", "paper", "parameters", "config",
                    "weights", "vocab", "metrics"):
            assert key in preset, (name, key)
        parts = name.split("_")
        assert parts[-1] in {"mt", "summ", "caption"}, name
        model = zoo.load(name, pretrained=False)
        assert model.count_params() == preset["parameters"], name


def test_required_names_exist():
    assert set(zoo.list()) >= {
        "bilstm_attn_mt", "gru_luong_mt", "conv_attn_mt", "bilstm_location_mt",
        "pointer_generator_summ", "bigru_attn_summ", "cnn_attn_caption",
        "cnn_location_caption"}
    assert zoo.list("captioning") == ["cnn_attn_caption",
                                      "cnn_location_caption"]
    assert zoo.describe("bigru_attn_summ")["config"]["generation"][
        "no_repeat_ngram_size"] == 3


def test_the_no_attention_baseline_has_no_attention_to_change():
    from keras_s2s.layers import RNNDecoder

    assert "bilstm_noattn_mt" in zoo.list("translation")
    model = zoo.load("bilstm_noattn_mt", pretrained=False,
                     encoder={"units": 8}, decoder={"units": 16})
    assert isinstance(model.decoder, RNNDecoder)
    assert not any("attention" in w.path for w in model.weights)
    with pytest.raises(ValueError, match="no attention to override"):
        zoo.load("bilstm_noattn_mt", pretrained=False,
                 attention={"units": 8})


def test_registry_errors_list_valid_names(unshipped):
    with pytest.raises(ValueError, match="bilstm_attn_mt"):
        zoo.load("transformer_mt")
    with pytest.raises(ValueError, match="valid names"):
        zoo.describe("nope")
    with pytest.raises(ValueError, match="already registered.*gru_luong_mt"):
        zoo.register("gru_luong_mt", zoo.describe("gru_luong_mt"))
    with pytest.raises(ValueError, match="valid tasks"):
        zoo.list("speech")
    with pytest.raises(ValueError, match="pretrained=False"):
        zoo.load(unshipped)
    with pytest.raises(ValueError, match="unknown overrides"):
        zoo.load("gru_luong_mt", pretrained=False, hidden=3)


def test_register_a_user_model():
    preset = zoo.describe("bigru_attn_summ")
    preset["config"]["encoder"]["units"] = 8
    zoo.register("tiny_attn_summ", preset)
    try:
        assert "tiny_attn_summ" in zoo.list("summarization")
        model = zoo.load("tiny_attn_summ", pretrained=False)
        assert model.encoder.units == 8
    finally:
        zoo.unregister("tiny_attn_summ")
    assert "tiny_attn_summ" not in zoo.list()


def test_presets_are_typed_and_checked_when_registered():
    preset = zoo.preset("bilstm_attn_mt")
    assert isinstance(preset, zoo.Preset)
    assert preset.task == "translation" and preset.subword_model == "unigram"
    assert zoo.preset("cnn_attn_caption").subword_model == "bpe"
    assert zoo.describe("bilstm_attn_mt") == preset.to_dict()
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        preset.task = "summarization"
    good = zoo.describe("bigru_attn_summ")
    for change, words in (
            ({"tsk": "summarization"}, r"unknown keys \['tsk'\]"),
            ({"task": "speech"}, "unknown task 'speech'"),
            ({"subword_model": "char"}, "unknown subword_model 'char'"),
            ({"config": {**good["config"], "encoder": {
                "class_name": "TransformerEncoder"}}},
             "'TransformerEncoder', which is not a keras_s2s.layers class")):
        with pytest.raises(ValueError, match=words):
            zoo.register("bad_attn_summ", {**good, **change})
        assert "bad_attn_summ" not in zoo.list()
    lacking = {k: v for k, v in good.items() if k != "paper"}
    with pytest.raises(ValueError, match=r"lacks \['paper'\]"):
        zoo.register("bad_attn_summ", lacking)
