import numpy as np
import pytest

from data_paths import requires_multi30k
from keras_s2s.datasets import load_multi30k
from keras_s2s.datasets import make_seq2seq_dataset
from keras_s2s.text import SentencePieceTokenizer
from keras_s2s.text import train_sentencepiece
from keras_s2s.training.trainer import _bucket_boundaries


@pytest.fixture(scope="module")
def data():
    en, de = load_multi30k("val")
    tok_en = SentencePieceTokenizer(train_sentencepiece(en, 600,
                                                        progress=False))
    tok_de = SentencePieceTokenizer(train_sentencepiece(de, 600,
                                                        progress=False))
    return en, de, tok_en, tok_de


def collect(ds):
    batches = [(x["source"].numpy(), x["target_in"].numpy(), y.numpy())
               for x, y in ds]
    return batches


@requires_multi30k
@pytest.mark.parametrize("buckets,bucket_by", [
    (None, "longest"), ([8, 12, 16], "longest"), ([8, 12, 16], "source")])
def test_batches_are_shifted_padded_and_complete(data, buckets, bucket_by):
    en, de, tok_en, tok_de = data
    ds, report = make_seq2seq_dataset(
        en, de, tok_de, tok_en, batch_size=32, max_source_length=20,
        max_target_length=24, bucket_boundaries=buckets,
        bucket_by=bucket_by, shuffle=False)
    batches = collect(ds)
    # tf.data knows how many batches there are (bucketed or not), so
    # Keras' progress bar has a total and fit does not say the input "ran
    # out of data" at the end of an epoch.
    assert int(ds.cardinality()) == len(batches)
    seen = sum(len(b[0]) for b in batches)
    assert report["examples"] == len(en)
    assert report["kept"] == seen
    assert report["kept"] + report["dropped_too_long"] + \
        report["dropped_empty"] == len(en)
    assert report["dropped_too_long"] > 0
    targets = set()
    for src, tin, tout in batches:
        assert tin.shape == tout.shape
        assert np.all(tin[:, 0] == 2)
        for i in range(len(tin)):
            n = int((tout[i] != 0).sum())
            # target_in = <s> y, target_out = y </s>, padded with 0.
            np.testing.assert_array_equal(tin[i, 1:n], tout[i, :n - 1])
            assert tout[i, n - 1] == 3 and np.all(tout[i, n:] == 0)
            assert np.all(tin[i, n:] == 0)
            assert n <= 24
            assert int((src[i] != 0).sum()) <= 20
            targets.add(tuple(tout[i, :n - 1]))
        if buckets:
            # Every example of a batch is in one bucket: of its source
            # length, or of the longer of source and target (`<s> y`).
            lengths = (src != 0).sum(1)
            if bucket_by == "longest":
                lengths = np.maximum(lengths, (tout != 0).sum(1))
            edges = [0] + buckets + [10**6]
            bucket = [np.searchsorted(edges, n, side="right") for n in lengths]
            assert len(set(bucket)) == 1
    detok = tok_de.detokenize([list(t) for t in sorted(targets)[:5]])
    assert all(s for s in detok.numpy())


@requires_multi30k
def test_truncate_policy_keeps_everything(data):
    en, de, tok_en, tok_de = data
    ds, report = make_seq2seq_dataset(
        en, de, tok_de, tok_en, batch_size=64, max_source_length=6,
        max_target_length=7, length_policy="truncate", shuffle=False)
    assert report["kept"] == len(en) and report["truncated"] > 0
    for src, _, tout in collect(ds):
        assert src.shape[1] <= 6 and tout.shape[1] <= 7


def test_empty_targets_are_counted_and_images_pass_through():
    images = np.arange(4, dtype="uint8")[:, None, None, None] * np.ones(
        (4, 8, 8, 3), "uint8")  # image i is all i: order is visible

    class Tokenizer:
        def tokenize(self, texts):
            import tensorflow as tf

            return tf.ragged.constant(
                [[5 + len(w) for w in t.numpy().decode().split()]
                 for t in texts], dtype=tf.int32)

    ds, report = make_seq2seq_dataset(
        images, ["a red circle", "", "a blue square", "a cat"],
        Tokenizer(), batch_size=8, shuffle=False)
    assert report["dropped_empty"] == 1 and report["kept"] == 3
    (x, y), = list(ds)
    # The kept images, in order, beside their shifted targets (word lengths
    # + 5, then </s> = 3, padded with 0).
    np.testing.assert_array_equal(x["source"].numpy(), images[[0, 2, 3]])
    np.testing.assert_array_equal(
        y.numpy(), [[6, 8, 11, 3], [6, 9, 11, 3], [6, 8, 3, 0]])
    np.testing.assert_array_equal(
        x["target_in"].numpy(), [[2, 6, 8, 11], [2, 6, 9, 11], [2, 6, 8, 0]])


def test_bad_policy():
    with pytest.raises(ValueError, match="length_policy"):
        make_seq2seq_dataset(["a"], ["b"], None, length_policy="cut")
    with pytest.raises(ValueError, match="longest, source"):
        make_seq2seq_dataset(["a"], ["b"], None, bucket_by="target")


@requires_multi30k
def test_longest_side_buckets_pad_targets_less(data):
    en, de, tok_en, tok_de = data

    def target_share(bucket_by):
        ds, _ = make_seq2seq_dataset(
            en, de, tok_de, tok_en, batch_size=32, max_source_length=40,
            max_target_length=40, bucket_boundaries=_bucket_boundaries(40),
            bucket_by=bucket_by, shuffle=False)
        real = padded = 0
        for _, y in ds:
            real += int((y.numpy() != 0).sum())
            padded += y.numpy().size
        return real / padded

    by_source, by_longest = target_share("source"), target_share("longest")
    assert by_longest > 0.9 and by_longest > by_source + 0.1, (
        by_source, by_longest)


@requires_multi30k
def test_fit_over_the_dataset_runs_its_epochs_without_warning(data, recwarn):
    import keras

    from keras_s2s.zoo import load
    en, de, tok_en, tok_de = data
    ds, _ = make_seq2seq_dataset(en[:300], de[:300], tok_de, tok_en,
                                 batch_size=32, bucket_boundaries=[8, 12, 16])
    model = load("gru_luong_mt", pretrained=False, source_tokenizer=tok_en,
                 target_tokenizer=tok_de,
                 encoder={"units": 8, "num_layers": 1, "embedding_dim": 8},
                 decoder={"units": 8, "embedding_dim": 8})
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True, ignore_class=0))
    history = model.fit(ds.take(3), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    # Neither "Your input ran out of data" nor "`shuffle=True` was passed,
    # but will be ignored": nothing the user could act on.
    assert [str(w.message) for w in recwarn] == []
