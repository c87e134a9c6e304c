import doctest
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.training import FusedAdam
from keras_s2s.training import fused_adam


def variables(seed=0):
    rng = np.random.default_rng(seed)
    return [keras.Variable(rng.normal(0, 0.1, shape).astype("float32"))
            for shape in ((20, 6), (6,), (6, 9))]


def gradients(vs, step):
    """Dense gradients, the first as `tf.IndexedSlices` (an embedding's)."""
    rng = np.random.default_rng(100 + step)
    grads = [tf.constant(rng.normal(0, 1, v.shape).astype("float32"))
             for v in vs]
    rows = tf.constant([1, 4, 4, 7])
    grads[0] = tf.IndexedSlices(tf.gather(grads[0], rows), rows,
                                tf.constant([20, 6]))
    return grads


def applier(opt, vs):
    def apply(grads):
        opt.apply_gradients(zip(grads, vs))

    return apply


@pytest.mark.parametrize("options", [
    {}, {"clipnorm": 1.0}, {"global_clipnorm": 0.5, "beta_1": 0.8},
    {"amsgrad": True},
])
def test_updates_equal_keras_adam_in_a_tf_function(options):
    runs = {}
    for cls in (keras.optimizers.Adam, FusedAdam):
        vs = variables()
        opt = cls(keras.optimizers.schedules.ExponentialDecay(
            1e-2, 3, 0.5), **options)
        opt.build(vs)
        apply = tf.function(applier(opt, vs))
        for step in range(5):
            apply(gradients(vs, step))
        runs[cls] = [v.numpy() for v in vs] + [
            v.numpy() for v in opt.variables]
    for keras_value, fused_value in zip(*runs.values()):
        np.testing.assert_allclose(fused_value, keras_value, rtol=1e-5,
                                   atol=1e-7)


def test_the_update_is_one_fused_op_per_variable():
    vs = variables()
    opt = FusedAdam(1e-3, clipnorm=1.0)
    opt.build(vs)
    graph = tf.function(lambda g: opt.apply_gradients(zip(g, vs)))
    ops = [op.type for op in graph.get_concrete_function(
        [tf.TensorSpec(v.shape) for v in vs]).graph.get_operations()]
    # Keras' Adam writes each moment and variable with its own
    # AssignAdd/AssignSub ops (3 per variable); here one op does all three.
    assert ops.count("ResourceApplyAdam") == len(vs)
    assert "AssignSubVariableOp" not in ops


def test_trains_a_model_like_keras_adam_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 30, (64, 4)), rng.integers(0, 3, 64)

    def compiled(optimizer):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,), dtype="int32"),
                                  keras.layers.Embedding(30, 8),
                                  keras.layers.GlobalAveragePooling1D(),
                                  keras.layers.Dense(3)])
        model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
        return model

    def fitted(optimizer):
        model = compiled(optimizer)
        history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model, history.history["loss"]

    keras_model, keras_loss = fitted(keras.optimizers.Adam(1e-2,
                                                           clipnorm=1.0))
    model, loss = fitted(FusedAdam(1e-2, clipnorm=1.0))
    np.testing.assert_allclose(loss, keras_loss, rtol=1e-5)
    assert loss[-1] < loss[0]
    # The same optimizer variables, so a checkpoint (`save_weights`, as
    # `ResumableCheckpoint` writes) of one resumes in the other; the class
    # survives a config round trip.
    path = str(tmp_path / "keras_adam.weights.h5")
    keras_model.save_weights(path)
    resumed = compiled(FusedAdam(1e-2, clipnorm=1.0))
    resumed.optimizer.build(resumed.trainable_variables)
    resumed.load_weights(path)
    for a, b in zip(resumed.optimizer.variables,
                    keras_model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    again = keras.optimizers.deserialize(
        keras.optimizers.serialize(model.optimizer))
    assert isinstance(again, FusedAdam)
    assert again.get_config() == model.optimizer.get_config()


def test_docstring_example_runs():
    failures = doctest.run_docstring_examples(
        FusedAdam, {"keras": keras, "FusedAdam": FusedAdam}, name="FusedAdam")
    assert failures is None
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(fused_adam, "fused_adam"):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


MIRRORED = textwrap.dedent("""
    import keras, numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from keras_s2s.training import FusedAdam
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    results = []
    for cls in (keras.optimizers.Adam, FusedAdam):
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(2)])
            model.compile(cls(1e-2, clipnorm=1.0), "mse")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        kernel = model.layers[0].kernel.value
        copies = [v.numpy() for v in kernel.values]
        assert len(copies) == 2 and np.array_equal(copies[0], copies[1])
        results.append(copies[0])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5)
    print("SAME")
""")


def test_under_a_mirrored_strategy_the_replicas_stay_in_step():
    proc = subprocess.run([sys.executable, "-c", MIRRORED],
                          capture_output=True, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "SAME" in proc.stdout
