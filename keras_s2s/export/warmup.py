"""TF Serving warm-up requests (`assets.extra/tf_serving_warmup_requests`)."""

import os

import tensorflow as tf

WARMUP_FILE = "tf_serving_warmup_requests"


def write_warmup_requests(saved_model_dir, model_name, examples,
                          signature_names=("serving_default",)):
    """Writes `PredictionLog` records that TF Serving replays on load.

    Args:
        saved_model_dir: the version folder being written.
        model_name: the model's name in the server.
        examples: list of batches; each batch a list of str or bytes for the
            signature's `inputs`.
        signature_names: the signatures to warm up, each with every batch.
            Only signatures whose inputs are all batch-major belong here:
            the server replays the records through its batcher when
            batching is on, and a failing record fails the model's load.
    Returns the path written.
    """
    from tensorflow_serving.apis import model_pb2
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_log_pb2

    folder = os.path.join(saved_model_dir, "assets.extra")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, WARMUP_FILE)
    with tf.io.TFRecordWriter(path) as writer:
        for signature_name in signature_names:
            for batch in examples:
                request = predict_pb2.PredictRequest(
                    model_spec=model_pb2.ModelSpec(
                        name=model_name, signature_name=signature_name))
                request.inputs["inputs"].CopyFrom(
                    tf.make_tensor_proto(batch, dtype=tf.string))
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(
                        request=request))
                writer.write(log.SerializeToString())
    return path


def read_warmup_requests(path):
    """Parses a warm-up file back into `PredictionLog` messages."""
    from tensorflow_serving.apis import prediction_log_pb2

    logs = []
    for record in tf.data.TFRecordDataset(path):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
    return logs
