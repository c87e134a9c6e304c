"""Keras' TensorBoard callback, with epoch summaries written whatever the
batch-level `update_freq`."""

import keras
import tensorflow as tf


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` whose epoch-end summaries always land.

    With an integer `update_freq`, Keras' callback keeps
    `tf.summary.record_if(step % update_freq == 0)` open for the whole of
    training, so its own epoch scalars (losses, learning rate, validation
    metrics) and any other callback's summaries are dropped unless the
    epoch's last step happens to be a multiple of `update_freq`. Here the
    epoch-end summaries are recorded unconditionally; batch-level scalars
    still follow `update_freq`. Other callbacks that write summaries at
    epoch end need their own `tf.summary.record_if(True)` (ours have it).

    Args:
        log_dir: the TensorBoard folder (`train/` and `validation/` inside).
        update_freq: `"epoch"`, `"batch"` or an int: how often batch-level
            scalars are written.
        **kwargs: passed to `keras.callbacks.TensorBoard`.

    Example:
    >>> model.fit(ds, epochs=3, callbacks=[
    ...     EpochTensorBoard("runs/x/logs", update_freq=200)])
    """

    def __init__(self, log_dir="logs", update_freq="epoch", **kwargs):
        super().__init__(log_dir=log_dir, update_freq=update_freq, **kwargs)

    def on_epoch_end(self, epoch, logs=None):
        with tf.summary.record_if(True):
            super().on_epoch_end(epoch, logs)
        for writer in (self._train_writer, self._val_writer):
            writer.flush()
