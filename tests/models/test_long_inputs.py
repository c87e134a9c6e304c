"""Paragraphs are translated sentence by sentence; what is cut is said."""

import os
import subprocess
import sys
import warnings

import pytest

from keras_s2s import zoo
from keras_s2s.models import TruncationWarning

SENTENCES = ["A man rides a horse on the beach.",
             "Two dogs are playing in the snow.",
             "A little girl climbs into a wooden playhouse."]


@pytest.fixture(scope="module")
def model():
    return zoo.load("bilstm_attn_mt")


def test_a_paragraph_is_translated_sentence_by_sentence(model):
    assert model.split_sentences
    one_by_one = model.generate(SENTENCES, method="greedy")
    paragraph = " ".join(SENTENCES)
    assert model.generate([paragraph, SENTENCES[0]], method="greedy") == [
        " ".join(one_by_one), one_by_one[0]]
    whole = model.generate([paragraph], method="greedy",
                           split_sentences=False)
    assert whole != [" ".join(one_by_one)]


def test_a_truncated_input_warns(model):
    long_text = " ".join(["A man rides a horse"] * 80)
    with pytest.warns(TruncationWarning, match="input 1 .* cut to the first "
                      "200 pieces"):
        model.generate(["Two dogs.", long_text], method="greedy",
                       max_length=5, split_sentences=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncationWarning)
        model.generate(["Two dogs play."], method="greedy", max_length=5)


def test_cli_translates_a_paragraph_quietly(model):
    # The installed console script, as a user runs it.
    script = os.path.join(os.path.dirname(sys.executable), "keras-s2s")
    paragraph = " ".join(SENTENCES)
    proc = subprocess.run([script, "translate", "--model", "bilstm_attn_mt",
                           "--method", "greedy", paragraph, ""],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [" ".join(model.generate(SENTENCES, method="greedy")),
                     ""]
    # No TensorFlow, absl or SentencePiece log line, no Keras warning.
    assert proc.stderr == "", proc.stderr
    verbose = subprocess.run([script, "translate", "--verbose", "--model",
                              "bilstm_attn_mt", "--method", "greedy",
                              "Two dogs."], capture_output=True, text=True,
                             timeout=300)
    assert verbose.returncode == 0, verbose.stderr
    assert "precompiled_charsmap is empty" in verbose.stderr
    assert verbose.stdout.splitlines() == model.generate(["Two dogs."],
                                                         method="greedy")


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_an_empty_input_gets_nothing_whatever_its_batch(model, method):
    # What the model would write for no source depends on the other
    # entries' shapes (near ties); the answer for an empty input must not.
    import numpy as np
    import tensorflow as tf

    options = dict(method=method, max_length=6, return_alignments=True)
    if method == "beam":
        options.update(beam_size=3, num_return=2)
    for batch in ([""], ["   ", SENTENCES[0]], [SENTENCES[1], "", ""]):
        result = {k: np.asarray(v) for k, v in model.search(
            tf.constant(batch), **options).items()}
        for i, text in enumerate(batch):
            if text.strip():
                assert result["lengths"][i].min() > 0
                continue
            assert set(result["text"][i].tolist()) == {b""}
            assert (result["tokens"][i] == model.pad_id).all()
            for name in ("lengths", "scores", "log_probs", "alignments"):
                assert not result[name][i].any(), name
