"""TensorFlow Serving's C++ load-and-predict path, run from Python.

`harness/serving_harness.cc` is compiled once with g++ against the installed
tensorflow wheel (its `include/` and `libtensorflow_*.so.2`) and cached under
`~/.cache/keras_s2s/` (or `$KERAS_S2S_CACHE`). It loads a SavedModel with
`tensorflow::LoadSavedModel`, replays the warm-up records, binds requests with
`tensorflow::saved_model::GetInputValues` and runs `Session::Run`, as the
model server does. tensorflow-text's op libraries are loaded first, as the
server links them: by default those that register an op the SavedModel's
graphs use (tensorflow-text ships 22 libraries, each with its own copy of
the code they share, 4.4 MB resident apiece; the model server links one
copy of that code into its binary), or all of them.
"""

import fcntl
import functools
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HARNESS_SOURCE = os.path.join(os.path.dirname(__file__), "harness",
                              "serving_harness.cc")


class HarnessUnavailable(RuntimeError):
    """The C++ harness cannot be built here (no g++, or no TF headers)."""


class ServingError(Exception):
    """A request that the serving path answered with an error status.

    Attributes:
        code: the absl/TensorFlow status code (3 is INVALID_ARGUMENT, 9
            FAILED_PRECONDITION).
        message: the status message.
    """

    CODES = {3: "INVALID_ARGUMENT", 9: "FAILED_PRECONDITION",
             5: "NOT_FOUND", 8: "RESOURCE_EXHAUSTED", 13: "INTERNAL"}

    def __init__(self, code, message):
        super().__init__(f"{self.CODES.get(code, code)}: {message}")
        self.code = code
        self.message = message

    @property
    def name(self):
        return self.CODES.get(self.code, str(self.code))


def _tensorflow_dir():
    import tensorflow as tf

    return os.path.dirname(tf.__file__)


def op_libraries(saved_model_dir=None):
    """tensorflow-text's kernel libraries, which TF Serving links in: all of
    them, or those registering an op that `saved_model_dir`'s graphs (and
    their function libraries) use."""
    import tensorflow_text

    folder = os.path.join(os.path.dirname(tensorflow_text.__file__),
                          "python", "ops")
    libraries = sorted(glob.glob(os.path.join(folder, "*.so")))
    if saved_model_dir is None:
        return libraries
    from keras_s2s.export.op_check import graph_ops

    used = graph_ops(saved_model_dir)
    return [lib for lib in libraries if _registered_ops(lib) & used]


@functools.lru_cache(maxsize=None)
def _registered_ops(library):
    """The op names a kernel library registers (read once per process;
    importing tensorflow_text has loaded the library already)."""
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session

    handle = pywrap_tf_session.TF_LoadLibrary(library)
    ops = op_def_pb2.OpList()
    ops.ParseFromString(bytes(pywrap_tf_session.TF_GetOpList(handle)))
    return {op.name for op in ops.op}


def _cache_dir():
    root = os.environ.get("KERAS_S2S_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "keras_s2s")
    return os.path.join(root, "serving_harness")


def harness_path(build=True):
    """The compiled harness for this tensorflow wheel, built on first use.

    Raises:
        HarnessUnavailable: g++ is missing or the build fails.
    """
    import tensorflow as tf

    tf_dir = _tensorflow_dir()
    with open(HARNESS_SOURCE, "rb") as f:
        source = f.read()
    key = hashlib.sha256(source + tf_dir.encode() + tf.__version__.encode())
    binary = os.path.join(_cache_dir(), f"tf{tf.__version__}-"
                          f"{key.hexdigest()[:12]}", "serving_harness")
    if os.path.exists(binary) or not build:
        return binary
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    # One build per wheel: concurrent callers (pytest-xdist workers, a
    # parallel export) wait for the first one instead of each compiling.
    with open(f"{binary}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(binary):
            _build(binary, tf_dir)
    return binary


def _build(binary, tf_dir):
    compiler = shutil.which(os.environ.get("CXX", "g++"))
    if compiler is None:
        raise HarnessUnavailable(
            "no C++ compiler (g++) to build the TF Serving check; install "
            "g++ (apt-get install g++), or export with check=False.")
    include = os.path.join(tf_dir, "include")
    if not os.path.isdir(include):
        raise HarnessUnavailable(f"the tensorflow wheel at {tf_dir} ships "
                                 "no include/ folder to build against.")
    tmp = f"{binary}.tmp-{os.getpid()}"
    command = [compiler, "-std=c++17", "-O1", "-w", f"-I{include}",
               "-D_GLIBCXX_USE_CXX11_ABI=1", HARNESS_SOURCE, "-o", tmp,
               f"-L{tf_dir}", "-l:libtensorflow_cc.so.2",
               "-l:libtensorflow_framework.so.2", f"-Wl,-rpath,{tf_dir}"]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode:
        raise HarnessUnavailable("building the TF Serving check failed:\n"
                                 + proc.stderr[-3000:])
    os.replace(tmp, binary)


def _prediction_log(request):
    from tensorflow_serving.apis import prediction_log_pb2

    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))


def predict_request(inputs, signature_name="serving_default",
                    model_name="model", output_filter=()):
    """A `tensorflow.serving.PredictRequest` from `{name: array-like}`.

    Strings (str or bytes) become DT_STRING tensors; Python ints int32 and
    floats float32 unless given as typed NumPy arrays.
    """
    import numpy as np
    import tensorflow as tf
    from tensorflow_serving.apis import model_pb2
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
        name=model_name, signature_name=signature_name))
    for name, value in inputs.items():
        array = np.asarray(value)
        if array.dtype.kind in "US" or array.dtype == object:
            proto = tf.make_tensor_proto(value, dtype=tf.string)
        elif array.dtype.kind == "i" and not isinstance(value, np.ndarray):
            proto = tf.make_tensor_proto(array.astype(np.int32))
        elif array.dtype.kind == "f" and not isinstance(value, np.ndarray):
            proto = tf.make_tensor_proto(array.astype(np.float32))
        else:
            proto = tf.make_tensor_proto(array)
        request.inputs[name].CopyFrom(proto)
    request.output_filter.extend(output_filter)
    return request


def run_serving_path(saved_model_dir, requests=(), batching=False,
                     warmup=True, timeout=600, batched=(),
                     all_op_libraries=False, inter_op_threads=0,
                     intra_op_threads=0):
    """Loads an export on TF Serving's C++ path and answers `requests`.

    Args:
        saved_model_dir: a version folder (holding `saved_model.pb`).
        requests: `PredictRequest` messages (see `predict_request`).
        batching: merge all requests into one run, as `--enable_batching`
            does for requests that arrive together.
        batched: more requests, merged as with `batching` after `requests`
            ran one by one, in the same load of the model.
        warmup: replay `assets.extra/tf_serving_warmup_requests` first.
        all_op_libraries: load every tensorflow-text op library, not only
            those the graphs use (about 90 MB more resident memory).
        inter_op_threads, intra_op_threads: the session's thread pools, as
            the model server's `--tensorflow_inter_op_parallelism` and
            `--tensorflow_intra_op_parallelism` set them (0: TensorFlow's
            choice, one per core).

    Returns:
        `(report, results)`: the harness's JSON report (`loaded`,
        `warmup_records`, `signatures`, or `error`) and, per request (those
        of `batched` last), a dict `{alias: numpy array}` or a
        `ServingError`.
    """
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    binary = harness_path()
    with tempfile.TemporaryDirectory(prefix="keras_s2s_serving_") as tmp:
        command = [binary, "--saved_model", os.path.abspath(saved_model_dir)]
        for library in op_libraries(
                None if all_op_libraries else saved_model_dir):
            command += ["--op_library", library]
        if not warmup:
            command.append("--no_warmup")
        command += ["--inter_op_threads", str(inter_op_threads),
                    "--intra_op_threads", str(intra_op_threads)]
        if batching:
            command.append("--batching")
        elif batched:
            command += ["--batch_from", str(len(requests))]
        requests = list(requests) + list(batched)
        responses = os.path.join(tmp, "responses.tfrecord")
        if requests:
            path = os.path.join(tmp, "requests.tfrecord")
            with tf.io.TFRecordWriter(path) as writer:
                for request in requests:
                    writer.write(_prediction_log(request).SerializeToString())
            command += ["--requests", path, "--responses", responses]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.run(command, capture_output=True, text=True,
                              env=env, timeout=timeout)
        lines = [line for line in proc.stdout.splitlines()
                 if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"the serving harness ended with exit code "
                               f"{proc.returncode} and no report:\n"
                               f"{proc.stderr[-3000:]}")
        report = json.loads(lines[-1])
        report["exit_code"] = proc.returncode
        results = []
        if requests and proc.returncode == 0:
            for record in tf.data.TFRecordDataset(responses):
                data = record.numpy()
                if data[:1] == b"K":
                    response = predict_pb2.PredictResponse()
                    response.ParseFromString(data[1:])
                    results.append({k: tf.make_ndarray(v) for k, v in
                                    response.outputs.items()})
                else:
                    code, message = data[1:].decode(
                        "utf-8", "replace").split("\t", 1)
                    results.append(ServingError(int(code), message))
    return report, results


# Without a compiler: TF1's Session loader in a bare process restores
# variables through the SaverDef as the C++ loader does; the warm-up records
# are fed to the signatures' tensor names (SignatureDef defaults are not
# applied, so records must carry every input).
_SESSION_CHECK = r"""
import json, os, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401
from tensorflow_serving.apis import prediction_log_pb2

path = sys.argv[1]
report = {"loaded": False, "warmup_records": 0, "loader": "tf.compat.v1"}
warmup = os.path.join(path, "assets.extra", "tf_serving_warmup_requests")
records = ([r.numpy() for r in tf.data.TFRecordDataset(warmup)]
           if os.path.exists(warmup) else [])
graph = tf.Graph()
with tf.compat.v1.Session(graph=graph) as session:
    try:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], path)
    except Exception as error:
        report["error"] = "load: " + " ".join(str(error).split())[:1500]
        print(json.dumps(report)); sys.exit(3)
    from tensorflow.python.framework import op_def_registry
    ops = {n.op for n in meta.graph_def.node} | {
        n.op for f in meta.graph_def.library.function for n in f.node_def}
    missing = sorted(op for op in ops if op_def_registry.get(op) is None)
    if missing:
        report["error"] = ("op registry: ops not registered by TensorFlow or "
                           "the loaded op libraries: " + ", ".join(missing))
        print(json.dumps(report)); sys.exit(3)
    report["loaded"] = True
    report["signatures"] = sorted(meta.signature_def)
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record)
        request = log.predict_log.request
        signature = meta.signature_def[
            request.model_spec.signature_name or "serving_default"]
        feeds = {signature.inputs[k].name: tf.make_ndarray(v)
                 for k, v in request.inputs.items()}
        fetches = {k: v.name for k, v in signature.outputs.items()}
        try:
            session.run(fetches, feeds)
        except Exception as error:
            report["error"] = ("warm-up record %d: " % report["warmup_records"]
                               + " ".join(str(error).split())[:1500])
            print(json.dumps(report)); sys.exit(4)
        report["warmup_records"] += 1
print(json.dumps(report))
"""


def _check_with_session_loader(saved_model_dir):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", _SESSION_CHECK,
                           os.path.abspath(saved_model_dir)],
                          capture_output=True, text=True, env=env)
    lines = [line for line in proc.stdout.splitlines()
             if line.startswith("{")]
    if not lines:
        raise RuntimeError("the Session loader check ended with exit code "
                           f"{proc.returncode}:\n{proc.stderr[-3000:]}")
    report = json.loads(lines[-1])
    report["exit_code"] = proc.returncode
    return report


def check_serving(saved_model_dir):
    """Raises `ValueError` with the reason if TF Serving's C++ path cannot
    load `saved_model_dir` or replay its warm-up records; returns the
    harness report otherwise.

    Where the harness cannot be built (no g++), the check falls back to
    TF1's Session loader in a bare process (the same SaverDef restore), and
    says so on stderr.
    """
    try:
        report, _ = run_serving_path(saved_model_dir)
    except HarnessUnavailable as reason:
        print(f"keras-s2s: {reason}\nkeras-s2s: checking the export with "
              "tf.compat.v1's Session loader instead.", file=sys.stderr)
        report = _check_with_session_loader(saved_model_dir)
    if not report.get("loaded") or report.get("exit_code"):
        loader = ("tf.compat.v1's Session loader (no g++ for the C++ "
                  "check)" if report.get("loader") else
                  "TensorFlow Serving's C++ loader (LoadSavedModel + warm-up "
                  "replay)")
        raise ValueError(
            f"{loader} refused the SavedModel: "
            f"{report.get('error', 'exit code ' + str(report['exit_code']))}"
            ".")
    return report


if __name__ == "__main__":  # python -m keras_s2s.export.serving_harness DIR
    print(json.dumps(check_serving(sys.argv[1])))
