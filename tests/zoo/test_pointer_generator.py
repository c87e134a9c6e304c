import keras
import numpy as np

from keras_s2s import zoo

VOCAB, GENERATOR = 40, 20


def copy_task(n, seed):
    """Sources of 3-6 ids in 4..39; the target copies the source."""
    rng = np.random.default_rng(seed)
    src = np.zeros((n, 6), "int32")
    tin = np.zeros((n, 7), "int32")
    tout = np.zeros((n, 7), "int32")
    for i in range(n):
        k = rng.integers(3, 7)
        ids = rng.choice(np.arange(4, VOCAB), size=k, replace=False)
        src[i, :k] = ids
        tin[i, 0], tin[i, 1:k + 1] = 2, ids
        tout[i, :k], tout[i, k] = ids, 3
    return src, tin, tout


def test_pointer_generator_copies_words_outside_its_generator_vocabulary():
    keras.utils.set_random_seed(0)
    model = zoo.load(
        "pointer_generator_summ", pretrained=False,
        encoder={"units": 32, "embedding_dim": 16},
        decoder={"units": 32, "embedding_dim": 16,
                 "generator_vocab_size": GENERATOR, "dropout": 0.0},
        attention={"units": 32}, source_vocab_size=VOCAB,
        target_vocab_size=VOCAB,
        generation={"method": "greedy", "max_length": 8,
                    "no_repeat_ngram_size": 0})
    assert model.decoder.generator_vocab_size == GENERATOR
    src, tin, tout = copy_task(3000, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True, ignore_class=0))
    model.fit({"source": src, "target_in": tin}, tout, batch_size=64,
              epochs=6, verbose=0)

    test_src, _, _ = copy_task(200, seed=1)
    outputs = model.generate(test_src)
    copied = total = exact = 0
    for ids, out in zip(test_src, outputs):
        source = [int(i) for i in ids if i]
        exact += out[:-1] == source
        for token in source:
            if token >= GENERATOR:  # only reachable by copying
                total += 1
                copied += token in out
    assert total > 100
    assert copied / total > 0.9, (copied, total)
    assert exact / len(test_src) > 0.7
