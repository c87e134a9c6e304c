"""Token-level cross-entropy that ignores padding, with label smoothing."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_s2s")
class MaskedCrossEntropy(keras.losses.Loss):
    """Mean cross-entropy over real target tokens, from logits.

    loss = mean over tokens with y != pad_id of
           (1 - eps) * -log p(y) + eps * mean_v(-log p(v))
    (label smoothing, Szegedy et al. 2016). Padding positions do not count
    in the mean, so batches of short and long sentences weigh tokens alike.

    Args:
        label_smoothing: float in [0, 1).
        pad_id: int. Target id that is ignored.
        name: str.
    """

    def __init__(self, label_smoothing=0.0, pad_id=0,
                 name="masked_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"MaskedCrossEntropy: `label_smoothing` must be "
                             f"in [0, 1), got {label_smoothing}.")
        self.label_smoothing = label_smoothing
        self.pad_id = pad_id

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        nll = self.token_losses(y_true, ops.cast(y_pred, "float32"))
        mask = ops.cast(ops.not_equal(y_true, self.pad_id), "float32")
        # Per-example values whose batch mean (Keras' reduction) is the mean
        # over all real tokens of the batch.
        batch = ops.cast(ops.shape(y_true)[0], "float32")
        per_example = ops.sum(nll * mask, axis=-1)
        return per_example * batch / ops.maximum(ops.sum(mask), 1.0)

    def token_losses(self, y_true, logits):
        """[B, T] (1 - eps) * -log p(y) + eps * mean_v(-log p(v)), padding
        included (`call` masks it)."""
        # Keras' sparse cross-entropy (TensorFlow's fused op): its gradient
        # is softmax - one-hot, where picking log p(y) out of [B, T, V]
        # log-probabilities had one that scatters into a [B, T, V] zero
        # tensor (118 ms of op time per step of the zoo's translator at
        # batch 64 on 2 cores, in parallel with other ops: the same wall
        # time within noise, `benchmarks/train.py`'s "gather loss" row).
        nll = ops.sparse_categorical_crossentropy(y_true, logits,
                                                  from_logits=True)
        if self.label_smoothing:
            # mean_v(-log p(v)) = logsumexp(z) - mean_v(z)
            smooth = (ops.logsumexp(logits, axis=-1)
                      - ops.mean(logits, axis=-1))
            nll = (1.0 - self.label_smoothing) * nll \
                + self.label_smoothing * smooth
        return nll

    def get_config(self):
        config = super().get_config()
        config.update({"label_smoothing": self.label_smoothing,
                       "pad_id": self.pad_id})
        return config
