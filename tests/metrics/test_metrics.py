import keras
import numpy as np
import pytest
import sacrebleu
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from rouge_score import rouge_scorer

from keras_s2s.metrics import GenerationMetricsCallback
from keras_s2s.metrics import caption_scores
from keras_s2s.metrics import corpus_bleu
from keras_s2s.metrics import corpus_chrf
from keras_s2s.metrics import rouge_scores
from keras_s2s.training import EpochTensorBoard
from tensorboard_events import tensorboard_events

HYPS = ["Ein Mann fährt auf einem Pferd.", "Zwei Hunde spielen im Schnee",
        "Eine Frau liest ein Buch ."]
REFS = ["Ein Mann reitet auf einem Pferd.", "Zwei Hunde spielen im Schnee.",
        "Eine Frau liest eine Zeitung."]


def test_bleu_and_chrf_reproduce_sacrebleu():
    ours = corpus_bleu(HYPS, REFS)
    theirs = sacrebleu.corpus_bleu(HYPS, [REFS])
    assert ours["score"] == pytest.approx(theirs.score)
    assert "tok:13a" in ours["signature"] and "case:mixed" in ours["signature"]
    lower = corpus_bleu(HYPS, REFS, lowercase=True)
    assert lower["score"] == pytest.approx(
        sacrebleu.corpus_bleu(HYPS, [REFS], lowercase=True).score)
    assert corpus_chrf(HYPS, REFS)["score"] == pytest.approx(
        sacrebleu.corpus_chrf(HYPS, [REFS]).score)
    assert corpus_bleu(REFS, REFS)["score"] == pytest.approx(100.0)


def test_bleu_multiple_references():
    refs = [[r, h] for r, h in zip(REFS, HYPS)]
    assert corpus_bleu(HYPS, refs)["score"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="references"):
        corpus_bleu(HYPS, REFS[:2])


def test_rouge_reproduces_rouge_score():
    ours = rouge_scores(HYPS, REFS)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"],
                                      use_stemmer=True)
    for key in ours:
        expected = np.mean([scorer.score(r, h)[key].fmeasure
                            for h, r in zip(HYPS, REFS)]) * 100
        assert ours[key] == pytest.approx(expected)


def test_caption_scores_reproduce_pycocoevalcap():
    hyps = ["a red circle to the left of a blue square", "a green triangle",
            "a small white circle on a dark background"]
    refs = [["a red circle to the left of a blue square",
             "a blue square to the right of a red circle"],
            ["a large green triangle", "a green triangle"],
            ["a small yellow square", "a yellow square"]]
    ours = caption_scores(hyps, refs)
    gts = {i: r for i, r in enumerate(refs)}
    res = {i: [h] for i, h in enumerate(hyps)}
    assert ours["BLEU-4"] == pytest.approx(
        100 * Bleu(4).compute_score(gts, res, verbose=0)[0][3])
    assert ours["CIDEr-D"] == pytest.approx(
        100 * Cider().compute_score(gts, res)[0])
    worse = caption_scores(["a dog", "a cat", "a horse"], refs)
    assert worse["CIDEr-D"] < ours["CIDEr-D"]


def test_callback_logs_metrics_and_tensorboard(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = GenerationMetricsCallback(
        lambda inputs: [HYPS[i] for i in inputs], [0, 1, 2], REFS,
        metric="bleu", log_dir=str(tmp_path))
    # Keras' callback with an integer update_freq (1 step per epoch here,
    # never a multiple of 3) used to swallow every epoch-end summary.
    board = EpochTensorBoard(str(tmp_path), update_freq=3)
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2,
                        verbose=0, callbacks=[callback, board])
    expected = sacrebleu.corpus_bleu(HYPS, [REFS]).score
    assert history.history["val_bleu"] == pytest.approx([expected] * 2)
    logged = tensorboard_events(tmp_path / "validation")
    assert logged["generation/bleu"] == pytest.approx([expected] * 2)
    assert HYPS[0] in logged["generation/samples"][0]
    assert logged["epoch_bleu"] == pytest.approx([expected] * 2)
    train = tensorboard_events(tmp_path / "train")
    assert train["epoch_loss"] == pytest.approx(history.history["loss"])
    with pytest.raises(ValueError, match="metric"):
        GenerationMetricsCallback(len, [], [], metric="meteor")


def test_caption_scores_reject_a_str_reference():
    # A str where a list of captions belongs would be read as one reference
    # per character and score every caption near 0.
    with pytest.raises(ValueError, match=r"references\[1\]"):
        caption_scores(["a red circle", "a blue square"],
                       [["a red circle"], "a blue square"])


def test_callback_scores_captions_given_one_str_reference_each():
    # The trainer passes one caption per validation image; a first caption
    # run logged BLEU-4 ~1e-12 for correct captions when they were scored as
    # lists of characters.
    refs = ["a red circle to the left of a blue square",
            "a large green triangle", "a small white circle"]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = GenerationMetricsCallback(
        lambda inputs: [refs[i] for i in inputs], [0, 1, 2], refs,
        metric="caption")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=1,
                        verbose=0, callbacks=[callback])
    expected = caption_scores(refs, [[r] for r in refs])
    assert history.history["val_BLEU-4"] == pytest.approx(
        [expected["BLEU-4"]])
    assert expected["BLEU-4"] > 90
