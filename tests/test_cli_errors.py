"""Bad input and faults end in one line and an exit code, never a traceback."""

import errno
import os
import subprocess
import sys

import pytest

from data_paths import requires_multi30k
from keras_s2s.cli import main


def run(capsys, *argv):
    """(exit code, stderr) of the CLI, argparse's own exits included."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv,words", [
    (["translate", "--model", "bilstm_attn_mt", "--batch-size", "-2", "x"],
     "--batch-size: must be at least 1, got -2"),
    (["translate", "--model", "bilstm_attn_mt", "--batch-size", "0", "x"],
     "--batch-size: must be at least 1, got 0"),
    (["translate", "--model", "bilstm_attn_mt", "--beam-size", "0", "x"],
     "--beam-size: must be at least 1, got 0"),
    (["train", "--model", "bilstm_attn_mt", "--batch-size", "0"],
     "--batch-size: must be at least 1, got 0"),
    (["evaluate", "--model", "bilstm_attn_mt", "--data", "multi30k",
      "--beam-size", "two"], "--beam-size: not an integer: 'two'"),
])
def test_bad_numbers_are_refused_before_any_work(capsys, argv, words):
    code, err = run(capsys, *argv)
    assert code == 2
    assert words in err and "Traceback" not in err


def test_damaged_model_files_get_one_line(capsys, tmp_path):
    from keras_s2s import layers
    from keras_s2s.models import Seq2Seq

    model = Seq2Seq(layers.RNNEncoder("gru", 4, vocab_size=10),
                    layers.AttentionDecoder("gru", 4, vocab_size=10))
    model.build(model.contract.input_shapes())
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "half.keras").write_bytes(data[:len(data) // 2])
    for path, words in ((tmp_path / "half.keras", "not a readable .keras"),
                        (tmp_path / "m.weights.h5", "holds weights only")):
        code, err = run(capsys, "translate", "--model", str(path), "x")
        assert code == 2 and words in err, err
        assert len(err.strip().splitlines()) == 1, err


def test_runtime_errors_say_what_happened_in_one_line(capsys, monkeypatch):
    import keras_s2s.cli as cli

    def full_disk(args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC),
                      "/runs/x/checkpoints/ckpt-4.weights.h5")

    monkeypatch.setattr(cli, "_demo", full_disk)
    code, err = run(capsys, "demo")
    assert code == 1
    assert err == ("keras-s2s demo: error: No space left on device writing "
                   "/runs/x/checkpoints/ckpt-4.weights.h5; free some space or "
                   "write elsewhere (--out), then run the same command again. "
                   "(--debug shows where)\n")

    import tensorflow as tf

    def op_error(args):
        raise tf.errors.ResourceExhaustedError(None, None,
                                               "OOM when allocating\nmore")

    monkeypatch.setattr(cli, "_demo", op_error)
    code, err = run(capsys, "demo")
    assert code == 1
    assert err == ("keras-s2s demo: error: ResourceExhaustedError: OOM when "
                   "allocating (--debug shows where)\n")
    # --debug (anywhere) or KERAS_S2S_DEBUG=1 shows the traceback instead.
    with pytest.raises(tf.errors.ResourceExhaustedError):
        main(["demo", "--debug"])
    monkeypatch.setenv("KERAS_S2S_DEBUG", "1")
    with pytest.raises(tf.errors.ResourceExhaustedError):
        main(["demo"])


def test_the_console_script_exits_with_the_code(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "keras-s2s")
    proc = subprocess.run([script, "translate", "--model",
                           str(tmp_path / "none.keras"), "x"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.startswith("keras-s2s translate: error: ")
    assert "no model there" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@requires_multi30k
def test_unknown_override_is_refused_before_vocabularies_are_trained(
        capsys, tmp_path):
    code, err = run(capsys, "train", "--model", "bilstm_attn_mt", "--data",
                    "multi30k:en-de", "--out", str(tmp_path / "run"),
                    "--overrides", '{"encoder": {"unitz": 3}}')
    assert code == 2
    assert "config['encoder']: RNNEncoder takes no argument 'unitz'" in err
    assert not (tmp_path / "run" / "vocab").exists()
