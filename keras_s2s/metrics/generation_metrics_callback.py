"""A Keras callback that scores generations on a validation set."""

import keras

from keras_s2s.metrics.bleu import corpus_bleu
from keras_s2s.metrics.bleu import corpus_chrf
from keras_s2s.metrics.caption_metrics import caption_scores
from keras_s2s.metrics.rouge import rouge_scores


def _score(metric, hypotheses, references):
    if metric == "bleu":
        return {"bleu": corpus_bleu(hypotheses, references)["score"]}
    if metric == "chrf":
        return {"chrf": corpus_chrf(hypotheses, references)["score"]}
    if metric == "rouge":
        return rouge_scores(hypotheses, references)
    # One caption per image may come as a str: it is that image's only
    # reference (scoring the str itself would compare characters).
    return caption_scores(hypotheses, [[r] if isinstance(r, str) else r
                                       for r in references])


METRICS = ("bleu", "chrf", "rouge", "caption")


class GenerationMetricsCallback(keras.callbacks.Callback):
    """Generates for validation inputs at epoch end and logs task metrics.

    The scores go into the epoch's `logs` (as `val_<name>`, so
    `EarlyStopping(monitor="val_bleu", mode="max")` and `ModelCheckpoint`
    can use them) and, with `log_dir`, into TensorBoard as scalars, with a
    few sample generations as text.

    Args:
        generate_fn: callable `inputs -> list of str`.
        inputs: the validation inputs passed to `generate_fn`.
        references: list of str (or lists of str for captions).
        metric: `"bleu"`, `"chrf"`, `"rouge"` or `"caption"`.
        every: int. Score every this many epochs.
        log_dir: str or None. TensorBoard folder (a `validation` subfolder).
        num_samples: int. Generations written to TensorBoard as text.
    """

    def __init__(self, generate_fn, inputs, references, metric="bleu",
                 every=1, log_dir=None, num_samples=3):
        super().__init__()
        if metric not in METRICS:
            raise ValueError(f"GenerationMetricsCallback: unknown `metric` "
                             f"{metric!r}; valid metrics are "
                             f"{', '.join(METRICS)}.")
        self.generate_fn = generate_fn
        self.inputs = inputs
        self.references = references
        self.metric = metric
        self.every = every
        self.log_dir = log_dir
        self.num_samples = num_samples
        self.history = []
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        hypotheses = list(self.generate_fn(self.inputs))
        scores = _score(self.metric, hypotheses, self.references)
        self.history.append(scores)
        if logs is not None:
            logs.update({f"val_{k}": v for k, v in scores.items()})
        if self.log_dir:
            import tensorflow as tf

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(
                    f"{self.log_dir}/validation")
            with self._writer.as_default(), tf.summary.record_if(True):
                for key, value in scores.items():
                    tf.summary.scalar(f"generation/{key}", value, step=epoch)
                samples = "\n\n".join(
                    f"**output:** {h}  \n**reference:** {r}"
                    for h, r in list(zip(hypotheses, self.references))
                    [:self.num_samples])
                tf.summary.text("generation/samples", samples, step=epoch)
            self._writer.flush()
