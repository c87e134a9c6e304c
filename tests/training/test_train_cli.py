import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from data_paths import requires_multi30k
from keras_s2s.cli import main
from keras_s2s.training import MaskedCrossEntropy
from keras_s2s.training import WarmupInverseSqrt
from tensorboard_events import tensorboard_events

TINY = json.dumps({"encoder": {"units": 16, "embedding_dim": 16,
                               "dropout": 0.0},
                   "decoder": {"units": 32, "embedding_dim": 16,
                               "dropout": 0.0},
                   "attention": {"units": 16},
                   "generation": {"max_length": 16}})


def cli(*args):
    return [sys.executable, "-m", "keras_s2s.cli", *args]


def train_args(out, epochs=2, extra=()):
    return ["train", "--model", "bilstm_attn_mt", "--data", "multi30k:en-de",
            "--out", str(out), "--epochs", str(epochs), "--batch-size", "32",
            "--max-examples", "256", "--vocab-size", "400",
            "--checkpoint-every", "3", "--lr", "0.003",
            "--val-examples", "16", "--val-loss-examples", "64",
            "--overrides", TINY, *extra]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """`train_args` run to the end, once for the tests of this file."""
    out = tmp_path_factory.mktemp("finished") / "run"
    assert main(train_args(out, epochs=2)) == 0
    return out


@requires_multi30k
def test_train_lowers_validation_loss_and_evaluate_prints_bleu(
        finished_run, tmp_path, capsys):
    out = finished_run
    history = json.loads((out / "history.json").read_text())
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert "val_bleu" in history
    saved = keras.saving.load_model(out / "model.keras", compile=False)
    # --val-loss-examples 64: the last epoch's validation loss is the final
    # model's loss over the first 64 validation pairs.
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.datasets import make_seq2seq_dataset
    val_ds, _ = make_seq2seq_dataset(
        *(x[:64] for x in load_multi30k("val")), saved.target_tokenizer,
        saved.source_tokenizer, batch_size=32, max_source_length=100,
        max_target_length=100, length_policy="truncate", shuffle=False)
    saved.compile(loss=MaskedCrossEntropy(0.1))
    assert saved.evaluate(val_ds, verbose=0) == pytest.approx(
        history["val_loss"][-1], rel=1e-5)
    assert (out / "vocab" / "source.spm").read_bytes() == \
        saved.source_tokenizer.proto
    assert (out / "vocab" / "target.spm").read_bytes() == \
        saved.target_tokenizer.proto
    # The last checkpoint is the end of training (2 epochs of 7 steps) and
    # holds the final weights.
    state = json.loads((out / "checkpoints" / "state.json").read_text())
    assert state["step"] == 2 * 7
    checkpoint = keras.saving.load_model(out / "model.keras", compile=False)
    checkpoint.load_weights(out / "checkpoints" / state["weights"])
    for a, b in zip(checkpoint.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(a, b)
    # --checkpoint-every 3 does not divide the epoch (7 steps): TensorBoard
    # still holds every epoch's numbers, as the history reports them.
    train = tensorboard_events(out / "logs" / "train")
    val = tensorboard_events(out / "logs" / "validation")
    samples = tensorboard_events(out / "logs" / "samples")
    np.testing.assert_allclose(train["epoch_loss"], history["loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(val["epoch_loss"], history["val_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(val["epoch_bleu"], history["val_bleu"],
                               rtol=1e-5)
    # The training time: cumulative, in the history, TensorBoard and the
    # checkpoint's state (which a resumed run continues from).
    seconds = history["train_seconds"]
    assert len(seconds) == 2 and 0 < seconds[0] < seconds[1]
    np.testing.assert_allclose(train["epoch_train_seconds"], seconds,
                               rtol=1e-5)
    assert state["seconds"] == pytest.approx(seconds[-1], abs=1e-3)
    # --lr 0.003 without warm-up: a constant learning rate.
    np.testing.assert_allclose(train["epoch_learning_rate"], [0.003] * 2,
                               rtol=1e-6)
    np.testing.assert_allclose(samples["learning_rate"], [0.003] * 2,
                               rtol=1e-6)
    # The last epoch's samples are what the saved model writes for the first
    # validation sentences, beside their references.
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.plotting import model_alignment
    val_en, val_de = load_multi30k("val")
    assert len(samples["samples"]) == 2
    for i in range(2):
        text = model_alignment(saved, [val_en[i]])[3]
        assert f"**output:** {text}  \n**reference:** {val_de[i]}" in \
            samples["samples"][-1]
    assert len(samples["attention/0"]) == 2
    import tensorflow as tf
    image = tf.io.decode_png(samples["attention/0"][-1]).numpy()
    assert image.shape[0] > 50 and image.shape[1] > 50 and image.std() > 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(out), "--data", "multi30k:en-de",
                 "--max-examples", "20", "--method", "greedy",
                 "--out", str(tmp_path / "m.json")]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert "bleu" in metrics and "tok:13a" in metrics["bleu_signature"]
    assert str(round(metrics["bleu"], 1))[:3] in printed
    assert metrics["examples"] == 20
    # The run recorded its data settings; evaluate used its seed.
    assert json.loads((out / "run.json").read_text()) == {
        "model": "bilstm_attn_mt", "data": "multi30k:en-de", "seed": 0,
        "image_size": 64, "policy": "float32", "matmul_precision": "float32"}
    assert metrics["seed"] == 0
    # The score is BLEU of what the saved model writes for those sentences.
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.metrics import corpus_bleu
    val_en, val_de = (x[:20] for x in load_multi30k("val"))
    outputs = saved.generate(val_en, method="greedy")
    assert metrics["bleu"] == pytest.approx(
        corpus_bleu(outputs, val_de)["score"], abs=1e-6)
    assert metrics["bleu_lowercase"] == pytest.approx(
        corpus_bleu(outputs, val_de, lowercase=True)["score"], abs=1e-6)


@requires_multi30k
def test_evaluate_length_penalty_and_settle_reach_the_beam_search(
        finished_run, tmp_path, capsys, monkeypatch):
    """`evaluate --length-penalty` and `--settle` hand alpha and the stop
    rule to the beam search, score what it writes and say so in the
    metrics; greedy refuses them."""
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.metrics import corpus_bleu
    from keras_s2s.models import Seq2Seq

    saved = keras.saving.load_model(finished_run / "model.keras",
                                    compile=False)
    val_en, val_de = (x[:12] for x in load_multi30k("val"))
    searched = []
    generate = Seq2Seq.generate

    def spy(self, inputs, *args, **options):
        searched.append(options)
        return generate(self, inputs, *args, **options)

    monkeypatch.setattr(Seq2Seq, "generate", spy)
    for alpha, settle in ((0.0, None), (2.0, "best")):
        out = tmp_path / f"a{alpha}.json"
        searched.clear()
        rule = ["--settle", settle] if settle else []
        assert main(["evaluate", "--model", str(finished_run), "--data",
                     "multi30k:en-de", "--max-examples", "12",
                     "--beam-size", "3", "--length-penalty", str(alpha),
                     *rule, "--out", str(out)]) == 0
        metrics = json.loads(out.read_text())
        expected = {"method": "beam", "beam_size": 3, "alpha": alpha}
        if settle:
            expected["settle"] = settle
        assert metrics["search"] == expected
        assert searched and all(o.get("alpha") == alpha
                                and o.get("settle") == settle
                                for o in searched)
        outputs = generate(saved, val_en, method="beam", beam_size=3,
                           alpha=alpha, **({"settle": settle} if settle
                                           else {}))
        assert metrics["bleu"] == pytest.approx(
            corpus_bleu(outputs, val_de)["score"], abs=1e-6)
    capsys.readouterr()
    assert main(["evaluate", "--model", str(finished_run), "--data",
                 "multi30k:en-de", "--max-examples", "4", "--method",
                 "greedy", "--length-penalty", "1.0"]) == 2
    assert "beam search only" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(finished_run), "--data",
                 "multi30k:en-de", "--max-examples", "4", "--method",
                 "greedy", "--settle", "best"]) == 2
    assert "beam search only" in capsys.readouterr().err


KILLED_AFTER_A_CHECKPOINT = """
import os, signal, sys
from keras_s2s.cli import exit_with, main
from keras_s2s.training.resumable_checkpoint import ResumableCheckpoint

save, at_step = ResumableCheckpoint.save, int(sys.argv[1])

def save_then_die(self):
    save(self)
    if self.step >= at_step:
        os.kill(os.getpid(), signal.SIGKILL)

ResumableCheckpoint.save = save_then_die
exit_with(main(sys.argv[2:]))
"""


@requires_multi30k
def test_killed_run_resumes_from_its_checkpoint(finished_run, tmp_path):
    """A SIGKILLed run restarted with the same command ends with the same
    step count and weights as an uninterrupted run (dropout off)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
    clean = finished_run
    interrupted = tmp_path / "interrupted"
    # The run kills itself with SIGKILL right after its first checkpoint at
    # step 6 or later: at a known point, however fast the machine.
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_A_CHECKPOINT, "6",
         *train_args(interrupted)], env=env, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-2000:] + \
        proc.stderr[-2000:]
    state = interrupted / "checkpoints" / "state.json"
    killed_at = json.loads(state.read_text())["step"]
    seconds_at_kill = json.loads(state.read_text())["seconds"]
    assert seconds_at_kill > 0
    total = json.loads((clean / "checkpoints" / "state.json").read_text())[
        "step"]
    assert 6 <= killed_at < total
    # What a kill in the middle of a save leaves: a partial temporary file.
    partial = state.parent / f".tmp-ckpt-{killed_at + 3}.weights.h5"
    partial.write_bytes(b"\x89HDF\r\n half")
    again = subprocess.run(cli(*train_args(interrupted)), env=env,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert f"Resuming from step {killed_at}" in again.stdout
    assert json.loads(state.read_text())["step"] == total
    # The training time goes on from the checkpoint's, not from zero.
    history = json.loads((interrupted / "history.json").read_text())
    assert history["train_seconds"][0] > seconds_at_kill
    assert not [f for f in os.listdir(state.parent) if f.startswith(".tmp")]
    a = keras.saving.load_model(clean / "model.keras", compile=False)
    b = keras.saving.load_model(interrupted / "model.keras", compile=False)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=1e-4)


def test_bad_data_gives_one_clear_line(tmp_path, capsys):
    src, tgt = tmp_path / "a.en", tmp_path / "a.de"
    src.write_text("one\ntwo\nthree\n")
    tgt.write_text("eins\nzwei\n")
    assert main(["train", "--data", f"{src},{tgt}", "--out",
                 str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "a.de ends first, at line 2" in err and "Traceback" not in err
    assert main(["train", "--data", str(tmp_path / "missing.jsonl") +
                 ":dialogue:summary", "--out", str(tmp_path / "r")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"dialogue": "hi", "summary": ""}\n')
    assert main(["train", "--data", f"{bad}:dialogue:summary", "--out",
                 str(tmp_path / "r")]) == 2
    assert "line 1: field 'summary'" in capsys.readouterr().err
    assert main(["train", "--data", "wikipedia", "--out",
                 str(tmp_path / "r")]) == 2
    assert "multi30k:en-de" in capsys.readouterr().err


def test_masked_cross_entropy_and_schedule():
    logits = np.log(np.array([[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1],
                               [0.3, 0.3, 0.4]]], "float32"))
    y = np.array([[1, 1, 0]])
    loss = float(MaskedCrossEntropy()(y, logits))
    assert loss == pytest.approx(-(np.log(0.2) + np.log(0.8)) / 2, rel=1e-5)
    smooth = float(MaskedCrossEntropy(label_smoothing=0.3)(y, logits))
    expected = np.mean([0.7 * -np.log(p) + 0.3 * -np.mean(np.log(row))
                        for p, row in ((0.2, [0.7, 0.2, 0.1]),
                                       (0.8, [0.1, 0.8, 0.1]))])
    assert smooth == pytest.approx(expected, rel=1e-5)
    schedule = WarmupInverseSqrt(1e-3, warmup_steps=10)
    rates = [float(schedule(s)) for s in (0, 4, 9, 39)]
    assert rates[0] < rates[1] < rates[2] == pytest.approx(1e-3)
    assert rates[3] == pytest.approx(1e-3 * (10 / 40) ** 0.5)
