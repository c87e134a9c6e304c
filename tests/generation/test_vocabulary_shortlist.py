"""`VocabularyShortlist` and `Seq2Seq.search(..., shortlist=True)`: the
lexicon, the candidates, the search over them (the same as a full search
whose other scores are masked), refusals, and an export on the C++ path."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_s2s.generation import VocabularyShortlist
from keras_s2s.layers import AttentionDecoder
from keras_s2s.layers import ContentAttention
from keras_s2s.layers import PointerGeneratorDecoder
from keras_s2s.layers import RNNEncoder
from keras_s2s.models import Seq2Seq

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1]
                       / "export"))
from serving_fixtures import build  # noqa: E402
from serving_fixtures import export_and_serve  # noqa: E402
from serving_fixtures import make_tokenizers  # noqa: E402

V = 40


def corpus(n=200, seed=0):
    """Source word w (5..24) always translates to target word w + 10, in a
    shuffled order, with a frequent target word 4 in every sentence."""
    rng = np.random.default_rng(seed)
    sources, targets = [], []
    for _ in range(n):
        words = rng.choice(np.arange(5, 25), size=rng.integers(2, 6),
                           replace=False)
        sources.append(words)
        targets.append(np.append(rng.permutation(words + 10), 4))
    return sources, targets


def test_lexicon_finds_each_words_translation():
    sources, targets = corpus()
    shortlist = VocabularyShortlist.fit(sources, targets, V, V, size=1,
                                        frequent=1, multiple=1)
    for word in range(5, 25):
        assert shortlist.table[word, 0] == word + 10
    assert list(shortlist.frequent) == [4]
    # Sorted, reserved ids first and in place, each source's translation.
    candidates = np.asarray(shortlist.candidates(np.array([[7, 12, 0]])))
    assert list(candidates) == [0, 1, 2, 3, 4, 17, 22]


def test_saved_and_loaded(tmp_path):
    sources, targets = corpus()
    shortlist = VocabularyShortlist.fit(sources, targets, V, V, size=3,
                                        frequent=2, multiple=8)
    shortlist.save(tmp_path / "s.npz")
    again = VocabularyShortlist.load(tmp_path / "s.npz")
    np.testing.assert_array_equal(again.table, shortlist.table)
    np.testing.assert_array_equal(again.frequent, shortlist.frequent)
    assert (again.target_vocab_size, again.multiple) == (V, 8)
    other = tmp_path / "other.npz"
    np.savez(other, table=np.zeros((2, 2), "int32"))
    with pytest.raises(ValueError, match="not a vocabulary shortlist"):
        VocabularyShortlist.load(other)


def test_candidates_are_rounded_up_with_the_lowest_other_ids():
    sources, targets = corpus()
    exact = VocabularyShortlist.fit(sources, targets, V, V, size=1,
                                    frequent=1, multiple=1)
    rounded = VocabularyShortlist(exact.table, exact.frequent, V,
                                  multiple=8)
    for source in ([[7, 12, 0]], [[5, 6, 7, 8, 9, 10, 11, 12, 13]]):
        want = np.asarray(exact.candidates(np.array(source)))
        got = np.asarray(rounded.candidates(np.array(source)))
        assert len(got) % 8 == 0 and len(got) >= len(want)
        assert (np.diff(got) > 0).all()  # sorted, each id once
        assert set(want) <= set(got)
        others = sorted(set(range(V)) - set(want))
        assert set(got) - set(want) == set(others[:len(got) - len(want)])
    everything = VocabularyShortlist(np.zeros((V, 1)), np.arange(35), V,
                                     multiple=16)
    assert len(everything.candidates(np.array([[5]]))) == V  # 48, capped


def test_bad_ids_are_refused():
    with pytest.raises(ValueError, match="outside"):
        VocabularyShortlist(np.full((5, 2), V), [], V)
    with pytest.raises(ValueError, match="reserved"):
        VocabularyShortlist(np.zeros((5, 2)), [], V).check_ids(2, 3, 7)


def model(decoder="attention"):
    keras.utils.set_random_seed(1)
    encoder = RNNEncoder("lstm", 8, bidirectional=True, vocab_size=V,
                         embedding_dim=8)
    if decoder == "pointer":
        dec = PointerGeneratorDecoder("lstm", 16, vocab_size=V,
                                      attention=ContentAttention(8),
                                      embedding_dim=8)
    else:
        dec = AttentionDecoder("lstm", 16, vocab_size=V,
                               attention=ContentAttention(8),
                               embedding_dim=8)
    net = Seq2Seq(encoder, dec, start_id=2, end_id=3)
    net({"source": np.ones((1, 3), "int32"),
         "target_in": np.ones((1, 2), "int32")})
    return net


SOURCE = np.array([[5, 9, 14, 0], [20, 21, 0, 0], [7, 8, 11, 12]], "int32")


@pytest.mark.parametrize("method, options", [
    ("greedy", {}), ("beam", {"beam_size": 3, "num_return": 2}),
    ("beam", {"beam_size": 4, "no_repeat_ngram_size": 2, "alpha": 0.6})])
@pytest.mark.parametrize("precision, layout", [
    ("float32", "in_out"), ("bfloat16", "in_out"), ("bfloat16", "out_in")])
def test_search_equals_a_full_search_with_the_rest_masked(method, options,
                                                          precision, layout):
    net = model()
    sources, targets = corpus()
    net.vocabulary_shortlist = VocabularyShortlist.fit(
        sources, targets, V, V, size=2, frequent=2, multiple=1)
    allowed = np.asarray(net.vocabulary_shortlist.candidates(SOURCE))
    assert 8 < len(allowed) < V
    got = net.search(SOURCE, method=method, shortlist=True, max_length=7,
                     output_precision=precision, kernel_layout=layout,
                     **options)
    # The reference: every step scores all V ids, those outside the
    # candidates set to -1e9 (exp of which is 0 in the normaliser).
    outside = ~np.isin(np.arange(V), allowed)
    step = net.decoder.step

    def masked(ids, state, memory):
        logits, state = step(ids, state, memory)
        return ops.where(outside[None], -1e9, logits), state

    net.decoder.step = masked
    try:
        want = net.search(SOURCE, method=method, max_length=7,
                          output_precision=precision, kernel_layout=layout,
                          **options)
    finally:
        del net.decoder.step
    np.testing.assert_array_equal(got["tokens"], want["tokens"])
    np.testing.assert_array_equal(got["lengths"], want["lengths"])
    np.testing.assert_allclose(got["log_probs"], want["log_probs"],
                               atol=1e-4)
    assert np.isin(np.asarray(got["tokens"]), allowed).all()


def test_a_shortlist_of_everything_changes_nothing():
    net = model()
    net.vocabulary_shortlist = VocabularyShortlist(
        np.zeros((V, 1)), np.arange(V), V)
    got = net.search(SOURCE, method="beam", beam_size=3, shortlist=True)
    want = net.search(SOURCE, method="beam", beam_size=3)
    for key in ("tokens", "lengths"):
        np.testing.assert_array_equal(got[key], want[key])
    np.testing.assert_allclose(got["scores"], want["scores"], atol=1e-5)


def test_what_cannot_take_a_shortlist_is_refused():
    net = model()
    with pytest.raises(ValueError, match="needs a vocabulary shortlist"):
        net.search(SOURCE, shortlist=True)
    with pytest.raises(ValueError, match="target vocabulary of 50"):
        net.vocabulary_shortlist = VocabularyShortlist(np.zeros((V, 1)), [],
                                                       50)
    with pytest.raises(ValueError, match="source vocabulary of 30"):
        net.vocabulary_shortlist = VocabularyShortlist(np.zeros((30, 1)),
                                                       [], V)
    with pytest.raises(ValueError, match="copies source tokens"):
        model("pointer").vocabulary_shortlist = VocabularyShortlist(
            np.zeros((V, 1)), [], V)


def test_an_export_with_a_shortlist_serves_on_the_cpp_path(tmp_path):
    tokenizers = make_tokenizers()
    net = build("bilstm_attn_mt", tokenizers)
    texts = ["A red circle is left of a blue square.", "Two green triangles."]
    pairs = [(t, t.lower()) for t in texts * 4]
    net.vocabulary_shortlist = VocabularyShortlist.fit_texts(
        net, *zip(*pairs), size=3, frequent=5)
    net.generation_config["shortlist"] = True
    path = export_and_serve(net, tmp_path / "m", texts, check=False,
                            warmup=False)
    # The table is saved once, as a variable, not as a constant per graph.
    reader = tf.train.load_checkpoint(f"{path}/variables/variables")
    table = list(net.vocabulary_shortlist.table.shape)
    assert table in reader.get_variable_to_shape_map().values()
    graphs = tf.saved_model.load(path).signatures
    for name, function in graphs.items():
        graph = function.graph.as_graph_def()
        nodes = list(graph.node) + [node for f in graph.library.function
                                    for node in f.node_def]
        constants = [node for node in nodes if node.op == "Const" and [
            d.size for d in node.attr["value"].tensor.tensor_shape.dim]
            == table]
        assert not constants, name
    assert net.vocabulary_shortlist.stored_table is None


def test_the_cli_fits_one_on_data_or_reads_a_file(tmp_path):
    from keras_s2s.cli import _shortlist
    from keras_s2s.cli import build_parser

    net = build("bilstm_attn_mt", make_tokenizers())
    src, tgt = tmp_path / "train.en", tmp_path / "train.de"
    src.write_text("A red circle.\nTwo green triangles.\n" * 20)
    tgt.write_text("a red circle.\ntwo green triangles.\n" * 20)
    fitted = _shortlist(net, f"{src},{tgt}")
    piece = int(np.asarray(net.source_tokenizer(["circle"]))[0, 0])
    assert piece in np.asarray(fitted.candidates(np.array([[piece]])))
    fitted.save(tmp_path / "s.npz")
    read = _shortlist(net, str(tmp_path / "s.npz"))
    np.testing.assert_array_equal(read.table, fitted.table)
    with pytest.raises(ValueError, match="fitted on text sources"):
        _shortlist(net, "shapes:10")
    args = build_parser().parse_args(
        ["export", "bilstm_attn_mt", "--out", "x", "--shortlist", "s.npz"])
    assert args.shortlist == "s.npz"
    # Its size and frequent pieces, when fitted on data.
    small = _shortlist(net, f"{src},{tgt}", size=1, frequent=0)
    assert small.frequent.size == 0 and small.table.shape[1] == 1
    assert fitted.table.shape[1] > 1
    with pytest.raises(ValueError, match="fitted already"):
        _shortlist(net, str(tmp_path / "s.npz"), size=1)
    args = build_parser().parse_args(
        ["export", "bilstm_attn_mt", "--out", "x", "--shortlist", "d",
         "--shortlist-size", "50", "--shortlist-frequent", "1000"])
    assert (args.shortlist_size, args.shortlist_frequent) == (50, 1000)
