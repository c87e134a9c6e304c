"""A full disk during training: one line, exit 1, the last checkpoint whole,
and the same command resumes once there is room (on a real 3 MB tmpfs)."""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

from data_paths import requires_multi30k
from keras_s2s.training.resumable_checkpoint import ensure_free_space

OVERRIDES = json.dumps({"encoder": {"units": 64, "embedding_dim": 32},
                        "decoder": {"units": 64, "embedding_dim": 32},
                        "attention": {"units": 32},
                        "generation": {"max_length": 8}})


def test_a_save_that_cannot_fit_is_refused_before_writing(tmp_path,
                                                          monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: usage._replace(free=1000))
    with pytest.raises(OSError, match="1,000 bytes free, about 5,000 "
                                      "needed") as error:
        ensure_free_space(tmp_path / "x.weights.h5", 5000)
    assert error.value.filename == tmp_path / "x.weights.h5"
    assert os.listdir(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): "
                    + made.stderr.strip())
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@requires_multi30k
def test_full_disk_keeps_the_last_checkpoint_and_resumes(small_disk):
    script = os.path.join(os.path.dirname(sys.executable), "keras-s2s")
    out = small_disk / "run"
    command = [script, "train", "--model", "bilstm_attn_mt", "--data",
               "multi30k:en-de", "--out", str(out), "--epochs", "1",
               "--batch-size", "32", "--max-examples", "256",
               "--vocab-size", "400", "--checkpoint-every", "4",
               "--val-examples", "4", "--val-loss-examples", "32",
               "--overrides", OVERRIDES]
    # 177,488 parameters: a checkpoint with Adam's state is about 2.1 MB,
    # so the first (step 4) fits in 3 MB and the second (the end of the
    # epoch, step 7) does not.
    full = subprocess.run(command, capture_output=True, text=True,
                          timeout=600)
    assert full.returncode == 1, full.stderr[-3000:]
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], lines
    assert "--out" in lines[0] and "Traceback" not in full.stderr
    checkpoints = out / "checkpoints"
    state = json.loads((checkpoints / "state.json").read_text())
    assert state.pop("seconds") > 0  # the training time so far
    assert state == {"step": 4, "weights": "ckpt-4.weights.h5"}
    assert sorted(os.listdir(checkpoints)) == ["ckpt-4.weights.h5",
                                               "state.json"]
    # Room again: the same command resumes from step 4 and finishes.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)],
                   check=True)
    again = subprocess.run(command, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Resuming from step 4" in again.stdout
    assert json.loads((checkpoints / "state.json").read_text())["step"] == 7
    from keras_s2s.models import load_model
    model = load_model(out)
    assert model.count_params() == 177_488


def test_export_to_a_full_disk_says_so_and_leaves_nothing(small_disk):
    script = os.path.join(os.path.dirname(sys.executable), "keras-s2s")
    proc = subprocess.run([script, "export", "bilstm_attn_mt", "--out",
                           str(small_disk / "mt")], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], lines
    assert "bytes free" in lines[0] and "Traceback" not in proc.stderr
    assert os.listdir(small_disk / "mt") == []


BYPASS = """
import os
import keras_s2s_console
# What the keras-s2s script does first (keep TensorFlow's logs out).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras_s2s_console._start_stderr_filter()
import keras_s2s.training.resumable_checkpoint as checkpoint
import keras_s2s.training.trainer as trainer
from keras_s2s.cli import exit_with, main
# The disk fills after the free-space check, as when another process
# writes to it: the check is skipped, so the HDF5 write itself fails.
checkpoint.ensure_free_space = trainer.ensure_free_space = (
    lambda path, needed: None)
exit_with(main())
"""


@requires_multi30k
def test_a_disk_that_fills_during_a_write_still_ends_cleanly(small_disk):
    out = small_disk / "run"
    proc = subprocess.run(
        [sys.executable, "-c", BYPASS, "train", "--model", "bilstm_attn_mt",
         "--data", "multi30k:en-de", "--out", str(out), "--epochs", "2",
         "--batch-size", "32", "--max-examples", "256", "--vocab-size",
         "400", "--checkpoint-every", "4", "--val-examples", "4",
         "--val-loss-examples", "32", "--overrides", OVERRIDES],
        capture_output=True, text=True, timeout=600)
    # Before: "Can't decrement id ref count" noise, then a segfault (-11).
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        f"keras-s2s train: error: No space left on device writing "
        f"{out}/checkpoints/.tmp-ckpt-7.weights.h5; free some space or "
        "write elsewhere (--out), then run the same command again. "
        "(--debug shows where)"], lines
    assert sorted(os.listdir(out / "checkpoints")) == ["ckpt-4.weights.h5",
                                                      "state.json"]
