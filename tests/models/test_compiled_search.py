"""`keras_s2s.models.compiled_search`: `generate(..., compiled=True)` gives
what the eager search gives, tracing once per setting and kind of input."""

import pathlib
import sys

import numpy as np
import pytest

from data_paths import requires_multi30k
from keras_s2s import zoo
from keras_s2s.datasets import generate_shapes

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "export"))
from serving_fixtures import make_tokenizers  # noqa: E402
from serving_fixtures import tiny  # noqa: E402


@pytest.fixture(scope="module")
def translator():
    tokenizer = make_tokenizers()["text"]
    model = zoo.load("bilstm_attn_mt", pretrained=False,
                     source_tokenizer=tokenizer, target_tokenizer=tokenizer,
                     **tiny("bilstm_attn_mt"))
    model.generate(["a"])  # built
    return model


def traces(model):
    return sum(f.experimental_get_tracing_count()
               for f in model.__dict__.get("_compiled_searches", {}).values())


TEXTS = ["A red circle.", "Two blue squares and a green triangle.",
         "A big yellow star next to a small red circle on the left. Blue.",
         ""]


@pytest.mark.parametrize("options", [
    {}, {"method": "greedy"}, {"method": "beam", "beam_size": 3,
                               "num_return": 2}])
def test_compiled_generate_gives_the_eager_outputs(translator, options):
    model = translator
    before = traces(model)
    for batch in (TEXTS, TEXTS[1:3], TEXTS[2:]):  # other sizes and lengths
        assert model.generate(batch, compiled=True, **options) == \
            model.generate(batch, **options)
    assert traces(model) == before + 1  # one trace for all three batches


def test_a_changed_setting_or_new_weights_are_seen(translator):
    model = translator
    texts = TEXTS[:2]
    first = model.generate(texts, compiled=True, method="greedy")
    before = traces(model)
    model.generation_config["max_length"] = 3
    try:
        short = model.generate(texts, compiled=True, method="greedy")
        assert short == model.generate(texts, method="greedy")
        assert traces(model) == before + 1
    finally:
        del model.generation_config["max_length"]
    # The graph reads the variables: weights changed after the trace are
    # the ones it decodes with.
    kernel = model.decoder.output_projection.kernel
    saved = kernel.numpy()
    try:
        kernel.assign(np.random.default_rng(0).normal(
            0, 1, saved.shape).astype("float32"))
        changed = model.generate(texts, compiled=True, method="greedy")
        assert changed == model.generate(texts, method="greedy")
        assert changed != first
    finally:
        kernel.assign(saved)


def test_images_compile_too():
    model = zoo.load("cnn_attn_caption", pretrained=False,
                     **tiny("cnn_attn_caption"))
    images = generate_shapes(3, image_size=model.contract.image_size,
                             seed=1)[0].astype("float32")
    eager = model.generate(images)
    assert model.generate(images, compiled=True) == eager
    assert model.generate(images[:2], compiled=True) == eager[:2]
    assert traces(model) == 1


def test_a_new_random_seed_does_not_break_a_traced_search(translator):
    """`keras.utils.set_random_seed` clears the eager kernel cache, which
    drops the SentencePiece resources a traced graph captured."""
    import keras

    texts = TEXTS[:2]
    expected = translator.generate(texts, compiled=True, method="greedy")
    keras.utils.set_random_seed(7)
    assert translator.generate(texts, compiled=True,
                               method="greedy") == expected


@requires_multi30k
def test_evaluate_past_one_batch_scores_the_eager_outputs():
    """`keras-s2s evaluate` compiles its search past one batch; the score
    is BLEU of what the eager search writes (the shipped translator, so
    that the score is far from 0)."""
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.metrics import corpus_bleu
    from keras_s2s.training.evaluator import evaluate

    metrics = evaluate("bilstm_attn_mt", "multi30k:en-de", split="test",
                       method="greedy", max_examples=8, batch_size=4,
                       verbose=False)
    sources, references = (x[:8] for x in load_multi30k("test"))
    eager = zoo.load("bilstm_attn_mt").generate(sources, method="greedy")
    expected = corpus_bleu(eager, references)["score"]
    assert expected > 10 and metrics["bleu"] == expected
