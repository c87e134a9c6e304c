"""`tf.distribute` strategies by the names `keras-s2s train` takes."""

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def make_strategy(name):
    """A `tf.distribute` strategy by name."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        # TF_CONFIG names the cluster; collectives must be set up before any
        # other TF op runs. Keras' fit() cannot run under this strategy
        # (tensorflow/tensorflow#72388): `train` uses `fit_multi_worker`.
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown strategy {name!r}; valid strategies are "
                     f"{', '.join(STRATEGIES)}.")
