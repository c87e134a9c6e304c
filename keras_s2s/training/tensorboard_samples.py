"""Writes sample generations, attention heat maps and the learning rate to
TensorBoard at the end of each epoch."""

import keras
import tensorflow as tf
from keras import ops

from keras_s2s.plotting import attention_png
from keras_s2s.plotting import model_alignment


class TensorBoardSamples(keras.callbacks.Callback):
    """Logs `num_samples` generations (text) and their attention (images).

    Args:
        sources: a few validation inputs (strings or images).
        references: their references, shown beside the outputs.
        log_dir: TensorBoard folder (writes into `<log_dir>/samples`).
    """

    def __init__(self, sources, references, log_dir, num_samples=2):
        super().__init__()
        self.sources = sources[:num_samples]
        self.references = references[:num_samples]
        self.writer = tf.summary.create_file_writer(f"{log_dir}/samples")

    def on_epoch_end(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        # record_if(True): Keras' TensorBoard callback with an integer
        # update_freq leaves a step filter open that would drop these.
        with self.writer.as_default(), tf.summary.record_if(True):
            tf.summary.scalar("learning_rate",
                              float(ops.convert_to_numpy(lr)), step=epoch)
            lines = []
            for i, (source, reference) in enumerate(zip(self.sources,
                                                        self.references)):
                batch = [source] if isinstance(source, str) else source[None]
                weights, src, out, text = model_alignment(self.model, batch)
                lines.append(f"**output:** {text}  \n**reference:** "
                             f"{reference}")
                png = attention_png(weights, src, out, title=text[:80])
                tf.summary.image(f"attention/{i}",
                                 tf.image.decode_png(png)[None], step=epoch)
            tf.summary.text("samples", "\n\n".join(lines), step=epoch)
        self.writer.flush()
