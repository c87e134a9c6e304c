"""Keras' Adam with each variable's update in one fused TensorFlow op."""

import keras


@keras.saving.register_keras_serializable(package="keras_s2s")
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose update runs as one op per variable.

    Keras' Adam updates a variable with about ten element-wise passes over
    it, its gradient and its two moments (a subtraction, a multiplication,
    an `assign_add` and so on, each one op). On the TensorFlow backend this
    optimizer hands the whole update to TensorFlow's `ResourceApplyAdam`
    kernel, which reads and writes each of them once: the same update,
    the same variables (`_momentums`, `_velocities`), so checkpoints move
    between the two. The update of the 13.4M parameters of
    `bilstm_attn_mt` took about a third of Keras' time on a 2-core CPU
    (`benchmarks/train.py`'s optimizer rows). Keras' own update runs where
    the fused op would change the result or does not apply: gradients that
    are `tf.IndexedSlices` (an embedding's: Keras squares each slice before
    summing repeated rows, the fused op would square their sum), `amsgrad`,
    strategies other than the default and `MirroredStrategy` (under which
    the replicas' copies are tested to stay in step), and backends other
    than TensorFlow.

    Args:
        Those of `keras.optimizers.Adam` (`learning_rate`, `beta_1`,
        `beta_2`, `epsilon`, `amsgrad`, `clipnorm`, ...), unchanged.

    Example:

    >>> import numpy as np
    >>> w = keras.Variable(np.ones(3, "float32"))
    >>> opt = FusedAdam(0.1)
    >>> _ = opt.apply_gradients([(np.ones(3, "float32"), w)])
    >>> [round(float(x), 3) for x in w.numpy()]
    [0.9, 0.9, 0.9]

    Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization",
    ICLR 2015.
    """

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        if (keras.backend.backend() != "tensorflow" or self.amsgrad
                or isinstance(gradient, tf.IndexedSlices)
                or not _fused_under_strategy(tf)):
            return super().update_step(gradient, variable, learning_rate)

        var = variable.value if isinstance(variable, keras.Variable) \
            else variable
        dtype = var.dtype
        index = self._get_variable_index(variable)
        m = self._momentums[index].value
        v = self._velocities[index].value
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        return tf.raw_ops.ResourceApplyAdam(
            var=var.handle, m=m.handle, v=v.handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype))


def _fused_under_strategy(tf):
    """True under the default strategy and `MirroredStrategy`, where the
    fused update is tested; other strategies keep Keras' update."""
    return (not tf.distribute.has_strategy() or isinstance(
        tf.distribute.get_strategy(), tf.distribute.MirroredStrategy))
