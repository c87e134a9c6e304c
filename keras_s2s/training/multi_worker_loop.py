"""A custom training loop for `MultiWorkerMirroredStrategy`.

Keras 3's `fit` cannot run under `MultiWorkerMirroredStrategy`: its
TensorFlow trainer reduces scalar logs with `strategy.reduce(..., axis=0)`,
which that strategy rejects (tensorflow/tensorflow#72388). This loop does
the same work with `strategy.run`: each worker reads its shard of the
batches, gradients are summed over all replicas by the optimizer (Keras'
TensorFlow optimizer all-reduces in replica context), so every worker ends
with the same weights.

Workers leave together: `wait_for_all_workers` holds each one until every
worker has arrived, so none shuts its server down while a peer may still
pull the last step's tensors from it (a peer that has gone shows up as
"Collective ops is aborted by: failed to connect ... RecvBuf").
"""

import keras
from keras import ops


def fit_multi_worker(model, dataset, steps_per_epoch, epochs, strategy,
                     validation_data=None, verbose=1, log_dir=None):
    """Trains a compiled `model` on `dataset` under `strategy`.

    Args:
        model: a compiled `keras.Model` (optimizer and loss), built and
            compiled inside `strategy.scope()`. Its `losses` (e.g. coverage
            loss) are added to the compiled loss.
        dataset: a `tf.data.Dataset` of `(inputs, targets)` batches of the
            global batch size; repeated, so that every worker can take
            `steps_per_epoch * epochs` batches from its shard.
        steps_per_epoch, epochs: ints, the same on every worker.
        strategy: a `tf.distribute` strategy (any, not only multi-worker).
        validation_data: optional dataset; its mean loss is logged per epoch.
        verbose: 0 or 1 (a progress bar per epoch).
        log_dir: optional TensorBoard folder: `epoch_loss` and
            `epoch_learning_rate` go to `<log_dir>/train`, the validation
            `epoch_loss` to `<log_dir>/validation`, as Keras' callback names
            them. Give each worker its own folder.

    Returns:
        a history dict: `loss` (and `val_loss`) per epoch.
    """
    import tensorflow as tf

    loss_fn, optimizer = model.loss, model.optimizer
    replicas = strategy.num_replicas_in_sync
    with strategy.scope():  # optimizer slots are created cross-replica
        optimizer.build(model.trainable_variables)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = ops.mean(loss_fn.call(y, logits))
            if model.losses:
                loss = loss + ops.sum(model.losses)
            # Gradients are summed over replicas: scale to their mean.
            scaled = loss / replicas
        variables = model.trainable_variables
        optimizer.apply(tape.gradient(scaled, variables), variables)
        return loss

    @tf.function
    def train_step(iterator):
        x, y = next(iterator)
        losses = strategy.run(replica_step, args=(x, y))
        return strategy.reduce(tf.distribute.ReduceOp.MEAN, losses,
                               axis=None)

    # Validation batches differ in length: one generalized trace, not one
    # per shape.
    @tf.function(reduce_retracing=True)
    def val_step(x, y):
        return ops.mean(loss_fn.call(y, model(x, training=False)))

    iterator = iter(strategy.experimental_distribute_dataset(dataset))
    history = {"loss": []}
    writers = {}
    if log_dir:
        writers = {split: tf.summary.create_file_writer(
            f"{log_dir}/{split}") for split in ("train", "validation")}

    def log(split, name, value, epoch):
        if split in writers:
            with writers[split].as_default(), tf.summary.record_if(True):
                tf.summary.scalar(name, value, step=epoch)
            writers[split].flush()

    for epoch in range(epochs):
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
            bar = keras.utils.Progbar(steps_per_epoch)
        total = 0.0
        for step in range(steps_per_epoch):
            total += float(train_step(iterator))
            if verbose:
                bar.update(step + 1, [("loss", total / (step + 1))])
        history["loss"].append(total / steps_per_epoch)
        log("train", "epoch_loss", history["loss"][-1], epoch)
        log("train", "epoch_learning_rate",
            float(ops.convert_to_numpy(optimizer.learning_rate)), epoch)
        if validation_data is not None:
            values = [float(val_step(x, y)) for x, y in validation_data]
            history.setdefault("val_loss", []).append(
                sum(values) / max(1, len(values)))
            log("validation", "epoch_loss", history["val_loss"][-1], epoch)
            if verbose:
                print(f"val_loss: {history['val_loss'][-1]:.4f}")
    return history


def wait_for_all_workers(strategy, name, timeout_s=600):
    """Blocks until every worker of `strategy` has reached barrier `name`.

    Uses the coordination service's barrier where TensorFlow runs one (TF
    >= 2.9 starts it for `MultiWorkerMirroredStrategy`): a worker leaves it
    on the service's answer, with no collective left in flight. Otherwise an
    all-reduce of a scalar serves as the barrier. `name` must be unique per
    barrier. Single-worker strategies return at once.
    """
    import tensorflow as tf
    from tensorflow.python.eager import context

    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().jobs:
        return
    if context.context().coordination_service:
        context.context().wait_at_barrier(name, int(timeout_s * 1000))
    else:
        strategy.reduce(tf.distribute.ReduceOp.SUM,
                        strategy.run(lambda: tf.ones([])), axis=None)
