"""Checkpoints every N steps that a restarted run resumes from exactly."""

import errno
import json
import os
import shutil
import time

import keras
import numpy as np

#: Set when an HDF5 write failed: the HDF5 library may then crash when
#: Python finalizes, so the command line ends the process without it.
HDF5_WRITE_FAILED = []


def _from_h5py(tb):
    while tb is not None:
        if "h5py" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _silence_h5py():
    """Keeps h5py's noise about a failed file's objects (printed through
    `sys.excepthook`, then `sys.unraisablehook`, as each is freed) out of
    the console; other errors print as before. Returns a function that
    puts the previous hooks back."""
    import sys

    excepthook, unraisablehook = sys.excepthook, sys.unraisablehook

    def quiet_excepthook(kind, value, tb):
        if not _from_h5py(tb):
            excepthook(kind, value, tb)

    def quiet_unraisablehook(unraisable):
        if "h5py" not in repr(unraisable.object):
            unraisablehook(unraisable)

    sys.excepthook, sys.unraisablehook = quiet_excepthook, quiet_unraisablehook

    def restore():
        sys.excepthook, sys.unraisablehook = excepthook, unraisablehook

    return restore


def _is_full_disk(error):
    return (getattr(error, "errno", None) == errno.ENOSPC
            or "No space left on device" in str(error))


def state_bytes(model):
    """Bytes of the model's weights and its optimizer's variables: about
    what a `.weights.h5` checkpoint (or a compiled `.keras` file) holds."""
    variables = list(model.weights)
    if getattr(model, "optimizer", None) is not None:
        variables += list(model.optimizer.variables)
    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize
               for v in variables)


def ensure_free_space(path, needed):
    """Raises `OSError` (ENOSPC, naming `path`) when the file system that
    will hold `path` has less than `needed` bytes free, before anything is
    written: a file cut short by a full disk is worse than none (h5py can
    even crash the process when it fails to close one)."""
    folder = os.path.dirname(os.path.abspath(path))
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise OSError(errno.ENOSPC,
                      f"{os.strerror(errno.ENOSPC)} ({free:,} bytes free, "
                      f"about {needed:,} needed)", path)


class ResumableCheckpoint(keras.callbacks.Callback):
    """Saves weights, optimizer state and the global step every N steps.

    Written atomically (to a temporary name, then renamed), so a run killed at
    any moment leaves the previous complete checkpoint. Free space is checked
    first: on a full disk the save raises `OSError` (ENOSPC) and the previous
    checkpoint stays the newest, whole. `restore()` loads the newest one and
    returns its step; the trainer skips the batches already seen, so a
    restarted run loses at most `every` steps.

    It also keeps the run's training time across restarts: `seconds` sums
    the wall time of the epochs (their steps and Keras' validation loss;
    not the callbacks that run after this one at epoch end, such as the
    generation metrics) and is saved with each checkpoint; at each epoch's
    end it goes into the logs as `train_seconds`, so History and TensorBoard
    (`epoch_train_seconds`) record it. A restart loses the time since the
    last checkpoint.

    Args:
        directory: folder for `ckpt-<step>.weights.h5` and `state.json`.
        every: int. Save every this many steps (and at each epoch end).
        keep: int. Checkpoint files kept.
    """

    def __init__(self, directory, every=100, keep=2, initial_step=0):
        super().__init__()
        self.directory = directory
        self.every = every
        self.keep = keep
        self.step = initial_step
        self.seconds = 0.0
        self._mark = None
        os.makedirs(directory, exist_ok=True)

    @property
    def state_path(self):
        return os.path.join(self.directory, "state.json")

    def remove_partial_files(self):
        """Deletes what a killed run left half-written (`.tmp-*` files and
        `state.json.tmp`); the finished checkpoints stay."""
        for name in os.listdir(self.directory):
            if name.startswith(".tmp-") or name == "state.json.tmp":
                os.remove(os.path.join(self.directory, name))

    def restore(self, model):
        """Loads the newest checkpoint into `model`; returns its step (and
        removes partial files a killed run left)."""
        self.remove_partial_files()
        if not os.path.exists(self.state_path):
            return 0
        with open(self.state_path) as f:
            state = json.load(f)
        path = os.path.join(self.directory, state["weights"])
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(path)
        self.step = int(state["step"])
        self.seconds = float(state.get("seconds", 0.0))
        return self.step

    def _tick(self):
        now = time.perf_counter()
        if self._mark is not None:
            self.seconds += now - self._mark
        self._mark = now

    def save(self):
        self._tick()
        name = f"ckpt-{self.step}.weights.h5"
        path = os.path.join(self.directory, name)
        # Keras insists on the .weights.h5 suffix: the temporary name keeps it.
        tmp = os.path.join(self.directory, f".tmp-{name}")
        ensure_free_space(tmp, self._needed_bytes())
        restore_hooks = _silence_h5py()
        try:
            self.model.save_weights(tmp)
            os.replace(tmp, path)
        except BaseException as error:
            if os.path.exists(tmp):
                os.remove(tmp)
            if isinstance(error, Exception) and _is_full_disk(error):
                # The disk filled after the check (another writer): the
                # previous checkpoint stays the newest, whole. The failed
                # file's objects are freed later: their noise stays
                # silenced, and the command line leaves without finalizing.
                HDF5_WRITE_FAILED.append(True)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC),
                              tmp) from None
            restore_hooks()
            raise
        restore_hooks()
        state_tmp = self.state_path + ".tmp"
        with open(state_tmp, "w") as f:
            json.dump({"step": self.step, "weights": name,
                       "seconds": round(self.seconds, 3)}, f)
        os.replace(state_tmp, self.state_path)
        self._prune(name)

    def _needed_bytes(self):
        """A checkpoint's size: the last one's, or the variables' bytes,
        with room for the HDF5 structure."""
        sizes = [os.path.getsize(os.path.join(self.directory, f))
                 for f in os.listdir(self.directory)
                 if f.startswith("ckpt-") and f.endswith(".weights.h5")]
        estimate = int(state_bytes(self.model) * 1.05) + (256 << 10)
        return max([estimate] + [int(s * 1.05) for s in sizes])

    def _prune(self, newest):
        files = sorted(
            (f for f in os.listdir(self.directory)
             if f.startswith("ckpt-") and f.endswith(".weights.h5")),
            key=lambda f: int(f[5:-11]))
        for f in files[:-self.keep]:
            if f != newest:
                os.remove(os.path.join(self.directory, f))

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every == 0:
            self.save()

    def on_epoch_begin(self, epoch, logs=None):
        self._mark = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.save()
        if logs is not None:
            logs["train_seconds"] = self.seconds
        self._mark = None  # what comes between epochs is not training
