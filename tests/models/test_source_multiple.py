"""`search(..., source_multiple=N)`: token sources padded (masked) to a
multiple of N give the same results, for every zoo architecture."""

import numpy as np
import pytest
from zoo_sizes import tiny_overrides

from keras_s2s import zoo


def _inputs(name):
    """Three sources of 3, 5 and 11 positions (padded to 11): token ids,
    or images for the captioners."""
    rng = np.random.default_rng(0)
    if zoo.contract(name).source == "image":
        return rng.random((3, 32, 32, 3), dtype=np.float32)
    ids = np.zeros((3, 11), np.int32)
    for row, length in enumerate((3, 5, 11)):
        ids[row, :length] = rng.integers(4, 150, size=length)
    return ids


@pytest.mark.parametrize("name", zoo.list())
@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_padded_sources_search_to_the_same_results(name, method):
    model = zoo.load(name, pretrained=False, **tiny_overrides(name))
    inputs = _inputs(name)
    options = {"method": method, "max_length": 8, "return_alignments": True}
    if method == "beam":
        options.update(beam_size=3, num_return=2)
    plain = model.search(inputs, **options)
    padded = model.search(inputs, source_multiple=8, **options)
    np.testing.assert_array_equal(np.asarray(padded["tokens"]),
                                  np.asarray(plain["tokens"]))
    np.testing.assert_allclose(np.asarray(padded["scores"]),
                               np.asarray(plain["scores"]), atol=1e-5)
    plain_align = np.asarray(plain["alignments"])
    padded_align = np.asarray(padded["alignments"])
    if zoo.contract(name).source == "image":  # nothing to pad
        assert padded_align.shape == plain_align.shape
        return
    # 11 positions became 16; the 5 added ones get no attention.
    assert plain_align.shape[-1] == 11 and padded_align.shape[-1] == 16
    np.testing.assert_allclose(padded_align[..., :11], plain_align,
                               atol=1e-5)
    assert np.all(padded_align[..., 11:] == 0)


def test_padding_stops_at_max_source_length_and_checks_its_value():
    name = "bilstm_attn_mt"
    model = zoo.load(name, pretrained=False, max_source_length=12,
                     **tiny_overrides(name))
    inputs = _inputs(name)
    result = model.search(inputs, max_length=4, return_alignments=True,
                          source_multiple=8)
    assert np.asarray(result["alignments"]).shape[-1] == 12
    with pytest.raises(ValueError, match="source_multiple.*positive int"):
        model.search(inputs, max_length=4, source_multiple=0)
