"""Weights resolution and verification, with weights made in the test."""

import numpy as np
import pytest

from keras_s2s import zoo
from keras_s2s.zoo.weights import sha256_of

SRC = np.array([[5, 6, 7, 8, 0], [9, 10, 11, 0, 0]], "int32")
TINY = dict(encoder={"units": 8, "embedding_dim": 8},
            decoder={"units": 8, "embedding_dim": 8},
            attention={"units": 8}, source_vocab_size=30,
            target_vocab_size=30, generation={"method": "greedy",
                                              "max_length": 6})


@pytest.fixture
def shipped(tmp_path):
    model = zoo.load("bilstm_attn_mt", pretrained=False, **TINY)
    entry = zoo.save_for_zoo(model, tmp_path / "cache", "tiny_attn_mt")
    preset = zoo.describe("bilstm_attn_mt")
    preset["config"].update({k: v for k, v in TINY.items()
                             if k.endswith("_size")})
    for section in ("encoder", "decoder", "attention", "generation"):
        preset["config"][section].update(TINY[section])
    preset.update(entry)
    zoo.register("tiny_attn_mt", preset)
    yield model, tmp_path / "cache"
    zoo.unregister("tiny_attn_mt")


def test_pretrained_load_reproduces_the_model(shipped):
    model, cache = shipped
    loaded = zoo.load("tiny_attn_mt", cache_dir=cache)
    np.testing.assert_array_equal(
        np.asarray(model.search(SRC)["tokens"]),
        np.asarray(loaded.search(SRC)["tokens"]))


def test_corrupt_weights_are_named(shipped):
    _, cache = shipped
    path = cache / "tiny_attn_mt.weights.h5"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"tiny_attn_mt\.weights\.h5: sha256"):
        zoo.load("tiny_attn_mt", cache_dir=cache)


def test_missing_weights_say_where_they_were_looked_for(shipped, tmp_path):
    with pytest.raises(FileNotFoundError, match="no download URL"):
        zoo.load("tiny_attn_mt", cache_dir=tmp_path / "empty")


def test_user_weights_of_another_architecture_are_refused(shipped, tmp_path):
    other = zoo.load("bigru_attn_summ", pretrained=False,
                     encoder={"units": 8}, decoder={"units": 8},
                     attention={"units": 8}, source_vocab_size=30,
                     target_vocab_size=30)
    path = tmp_path / "other.weights.h5"
    other.save_weights(str(path))
    with pytest.raises(ValueError, match="could not load these weights"):
        zoo.load("tiny_attn_mt", weights=path)
    assert len(sha256_of(path)) == 64


def test_pretrained_with_a_new_vocabulary_keeps_the_rest(shipped):
    model, cache = shipped
    tuned = zoo.load("tiny_attn_mt", cache_dir=cache, target_vocab_size=40)
    assert tuned.decoder.output_projection.kernel.shape[-1] == 40
    for a, b in zip(model.encoder.get_weights(), tuned.encoder.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        np.asarray(model.decoder.cells[0].kernel),
        np.asarray(tuned.decoder.cells[0].kernel))


STORAGE_SIZES = {**TINY, "encoder": {"units": 32, "embedding_dim": 32},
                 "decoder": {"units": 64, "embedding_dim": 32}}


def stored_copies(tmp_path, dtype):
    """A small model, and the paths of its float32 and `dtype` files."""
    model = zoo.load("bilstm_attn_mt", pretrained=False, **STORAGE_SIZES)
    paths = []
    for stored in ("float32", dtype):
        entry = zoo.save_for_zoo(model, tmp_path / stored, "m", dtype=stored)
        paths.append(tmp_path / stored / entry["weights"]["file"])
        assert entry["weights"]["sha256"] == sha256_of(paths[-1])
    return model, *paths


def h5_arrays(path):
    import h5py

    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: found.update({name: item[()]})
                     if isinstance(item, h5py.Dataset) else None)
    return found


def test_float16_storage_halves_the_file_and_loads_rounded_weights(tmp_path):
    model, full_path, half_path = stored_copies(tmp_path, "float16")
    sizes = STORAGE_SIZES
    # Every array is stored in float16; the file is about half as big.
    assert {str(a.dtype) for a in h5_arrays(half_path).values()} == {
        "float16"}
    assert half_path.stat().st_size < 0.6 * full_path.stat().st_size
    # It loads into the float32 model as is: each weight rounded once.
    fresh = zoo.load("bilstm_attn_mt", pretrained=False, **sizes,
                     weights=str(half_path))
    for want, got in zip(model.get_weights(), fresh.get_weights()):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(
            got, want.astype(np.float16).astype(np.float32))
    with pytest.raises(ValueError, match="float32, float16, int8"):
        zoo.save_for_zoo(model, tmp_path / "8", "m", dtype="int4")


def test_int8_storage_quarters_the_matrices_and_loads_dequantized(tmp_path):
    model, full_path, small_path = stored_copies(tmp_path, "int8")
    sizes = STORAGE_SIZES
    stored, plain = h5_arrays(small_path), h5_arrays(full_path)
    # values, scales, biases
    assert {str(a.dtype) for a in stored.values()} == {"int8", "float32",
                                                       "float16"}
    # The arrays take a little over a quarter of the bytes (the scales).
    ratio = (sum(a.nbytes for a in stored.values())
             / sum(a.nbytes for a in plain.values()))
    assert 0.25 < ratio < 0.27
    # Loaded through the zoo: every matrix within half a step of its
    # column's scale (max |w| / 127), vectors rounded to float16.
    fresh = zoo.load("bilstm_attn_mt", pretrained=False, **sizes,
                     weights=str(small_path))
    for want, got in zip(model.get_weights(), fresh.get_weights()):
        assert got.dtype == np.float32
        if want.ndim >= 2:
            step = np.abs(want).max(axis=tuple(range(want.ndim - 1))) / 127
            assert np.all(np.abs(got - want) <= step / 2 + 1e-7)
            assert not np.array_equal(got, want)
        else:
            np.testing.assert_array_equal(
                got, want.astype(np.float16).astype(np.float32))
