"""Every public layer keeps its constructor arguments and serializes fully."""

import inspect

import keras
import pytest

from keras_s2s import layers
from keras_s2s.layers import ContentAttention

EXAMPLES = {
    "ContentAttention": dict(units=5, score="general", use_coverage=False),
    "LocationAttention": dict(units=5, mode="location", filters=3,
                              kernel_size=5, position_features=True,
                              max_length=9),
    "RNNEncoder": dict(cell="gru", units=5, bidirectional=True, num_layers=2,
                       dropout=0.1, vocab_size=9, embedding_dim=4, pad_id=0),
    "ConvEncoder": dict(vocab_size=9, embedding_dim=4, units=5, num_layers=2,
                        kernel_size=3, dropout=0.1, max_length=20, pad_id=0),
    "ImageEncoder": dict(units=5, backbone="small_cnn", backbone_weights=None,
                         filters=(4, 8), trainable_backbone=False,
                         dropout=0.1, image_size=16),
    "AttentionDecoder": dict(cell="lstm", units=5, attention=None,
                             vocab_size=9, embedding_dim=3,
                             input_feeding=False, num_layers=2, dropout=0.1,
                             coverage_loss_weight=0.5,
                             attention_regularization=0.25,
                             tie_embeddings=True, attentional_dim=3),
    "PointerGeneratorDecoder": dict(
        cell="lstm", units=5, attention=None, vocab_size=9, embedding_dim=4,
        input_feeding=True, num_layers=1, dropout=0.0,
        coverage_loss_weight=1.0, attention_regularization=0.0,
        generator_vocab_size=6),
    "RNNDecoder": dict(cell="gru", units=5, vocab_size=9, embedding_dim=5,
                       feed_context=False, num_layers=2, dropout=0.1,
                       tie_embeddings=True),
}

BASE_CLASSES = ("BaseAttention", "Encoder", "Decoder")


def expected_attention(name):
    return name in ("AttentionDecoder", "PointerGeneratorDecoder")


PUBLIC = [name for name in dir(layers)
          if inspect.isclass(getattr(layers, name))
          and name not in BASE_CLASSES]


def test_every_public_layer_has_an_example():
    assert sorted(PUBLIC) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", PUBLIC)
def test_arguments_are_attributes_and_config_is_complete(name):
    cls = getattr(layers, name)
    kwargs = EXAMPLES[name]
    layer = cls(**kwargs)
    config = layer.get_config()
    for arg in inspect.signature(cls.__init__).parameters:
        if arg in ("self", "kwargs"):
            continue
        assert hasattr(layer, arg), f"{name} keeps no attribute `{arg}`"
        assert arg in config, f"{name}.get_config() lacks `{arg}`"
        if arg == "attention" and expected_attention(name):
            assert isinstance(layer.attention, ContentAttention)
            continue
        expected = kwargs.get(arg)
        if isinstance(expected, tuple):
            expected = list(expected)
        value = getattr(layer, arg)
        value = list(value) if isinstance(value, tuple) else value
        assert value == expected, f"{name}.{arg}"
    clone = cls.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("name", PUBLIC)
def test_registered_for_keras_saving(name):
    cls = getattr(layers, name)
    assert keras.saving.get_registered_name(cls) == f"keras_s2s>{name}"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_layer_implements_one_of_the_base_interfaces(name):
    bases = [base for base in (layers.Encoder, layers.Decoder,
                               layers.BaseAttention)
             if issubclass(getattr(layers, name), base)]
    assert len(bases) == 1, (name, bases)
    expected = ("Encoder" if name.endswith("Encoder") else
                "Decoder" if name.endswith("Decoder") else "BaseAttention")
    assert bases[0].__name__ == expected
