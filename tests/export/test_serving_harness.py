"""The C++ harness itself, and what it catches that Python's loader does
not."""

import os

import keras
import numpy as np
import pytest
import sentencepiece
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_log_pb2

from keras_s2s.export import ServingError
from keras_s2s.export import check_serving
from keras_s2s.export import export_saved_model
from keras_s2s.export import predict_request
from keras_s2s.export import run_serving_path
from keras_s2s.export import track_function_variables
from serving_fixtures import build
from serving_fixtures import make_tokenizers


class DenseModule(tf.Module):
    """A one-layer Keras model in a tf.Module, as a user might save it."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)
        self.dense.build((None, 3))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32,
                                                name="x")])
    def serve(self, x):
        return {"y": self.dense(x)}


@pytest.fixture(scope="module")
def tokenizers():
    return make_tokenizers()


def _save_dense(path, track):
    module = DenseModule()
    if track:
        track_function_variables(module, [module.serve])
    tf.saved_model.save(module, str(path),
                        signatures={"serving_default": module.serve})
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    return x, module.serve(tf.constant(x))["y"].numpy()


def test_keras_variables_need_tracking_for_the_cpp_loader(tmp_path):
    x, expected = _save_dense(tmp_path / "untracked", track=False)
    # Python's object-graph loader is happy with it...
    loaded = tf.saved_model.load(str(tmp_path / "untracked"))
    np.testing.assert_allclose(
        loaded.signatures["serving_default"](x=tf.constant(x))["y"],
        expected, rtol=1e-6)
    # ...TF Serving's C++ path is not.
    report, [error] = run_serving_path(tmp_path / "untracked",
                                       [predict_request({"x": x})])
    assert report["loaded"]
    assert isinstance(error, ServingError)
    assert "Could not find variable" in error.message

    x, expected = _save_dense(tmp_path / "tracked", track=True)
    _, [answer] = run_serving_path(tmp_path / "tracked",
                                   [predict_request({"x": x})])
    np.testing.assert_allclose(answer["y"], expected, rtol=1e-6)


def test_export_without_the_variable_tracking_writes_nothing(
        tmp_path, tokenizers, monkeypatch):
    """Without the variable tracking the export cannot be written: the
    model is held out of the SavedModel's object graph (its weights are
    saved once, as the variables the graphs read), so TensorFlow refuses
    the untracked variables, and the export leaves nothing behind."""
    import keras_s2s.export.saved_model as saved_model

    monkeypatch.setattr(saved_model, "track_function_variables",
                        lambda module, functions: [])
    model = build("gru_luong_mt", tokenizers)
    with pytest.raises(AssertionError, match="untracked"):
        export_saved_model(model, tmp_path / "m")
    assert os.listdir(tmp_path / "m") == []


def test_request_rules_follow_tf_serving(tmp_path):
    x, expected = _save_dense(tmp_path / "dense", track=True)
    report, results = run_serving_path(tmp_path / "dense", [
        predict_request({}),
        predict_request({"x": x, "z": x}),
        predict_request({"x": x}, signature_name="nope"),
        predict_request({"x": x}, output_filter=["nope"]),
        predict_request({"x": x}, output_filter=["y"]),
    ])
    assert "serving_default" in report["signatures"]
    missing, extra, unknown, bad_filter, good = results
    assert "Missing but required: {x}" in missing.message
    assert "Sent extra: {z}" in extra.message
    assert unknown.name == "FAILED_PRECONDITION"
    assert "output tensor alias not found" in bad_filter.message
    np.testing.assert_allclose(good["y"], expected, rtol=1e-6)
    # Memory at four points and the peak, for benchmarks/serve_cpp.py: the
    # libraries alone take most of it; nothing is below what came before
    # the model, and the peak is the highest of all.
    if report.get("loader") != "tf.compat.v1":  # the compiled harness
        rss = report["rss_mb"]
        assert 100 < rss["start"] <= rss["loaded"]
        assert report["peak_rss_mb"] >= max(rss.values()) - 1


def test_check_serving_reports_a_failing_warmup(tmp_path):
    from keras_s2s.export import write_warmup_requests

    _save_dense(tmp_path / "dense", track=True)
    # A warm-up record the signature cannot take (strings for floats):
    # the server would refuse to load the model.
    write_warmup_requests(str(tmp_path / "dense"), "m", [["text"]])
    with pytest.raises(ValueError, match="warm-up record 0"):
        check_serving(tmp_path / "dense")


def test_invalid_utf8_never_reaches_a_string_output(tmp_path, tokenizers):
    """A model pushed to write a lone byte piece (<0xC3>, which starts a
    two-byte character) answers valid UTF-8 with U+FFFD in its place."""
    model = build("gru_luong_mt", tokenizers)
    processor = sentencepiece.SentencePieceProcessor(
        model_proto=model.target_tokenizer.proto)
    byte_id = processor.piece_to_id("<0xC3>")
    assert processor.id_to_piece(byte_id) == "<0xC3>"
    bias = model.decoder.output_projection.bias
    bias.assign(np.where(np.arange(bias.shape[0]) == byte_id, 50.0,
                         0.0).astype("float32"))
    assert model.generate(["A red circle."], method="greedy")[0].startswith(
        "\ufffd")
    path = export_saved_model(model, tmp_path / "m", check=False)
    _, results = run_serving_path(path, [
        predict_request({"inputs": ["A red circle."]}),
        predict_request({"inputs": ["A red circle."]}, "nbest")])
    for result in results:
        for value in result.values():
            if value.dtype == object:
                for item in value.reshape(-1):
                    item.decode("utf-8")  # strict: raises on invalid bytes
    assert results[0]["outputs"][0].decode().startswith("\ufffd")


def test_without_a_compiler_the_session_loader_checks(tmp_path, monkeypatch,
                                                      capsys):
    """No g++ (no cached harness either): the check falls back to TF1's
    Session loader, which restores through the SaverDef too, and says so."""
    from keras_s2s.export import HarnessUnavailable
    from keras_s2s.export import harness_path

    monkeypatch.setenv("KERAS_S2S_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-g++"))
    with pytest.raises(HarnessUnavailable, match="g\\+\\+"):
        harness_path()
    for track in (True, False):
        folder = tmp_path / f"dense-{track}"
        x, _ = _save_dense(folder, track=track)
        # A warm-up record with the float input, as a user's would carry.
        request = predict_pb2.PredictRequest()
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(x))
        os.makedirs(folder / "assets.extra")
        with tf.io.TFRecordWriter(str(folder / "assets.extra" /
                                      "tf_serving_warmup_requests")) as w:
            w.write(prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(
                    request=request)).SerializeToString())
        if track:
            report = check_serving(folder)
            assert report["loader"] == "tf.compat.v1"
            assert report["warmup_records"] == 1
        else:
            with pytest.raises(ValueError, match="Could not find variable"):
                check_serving(folder)
    assert "Session loader instead" in capsys.readouterr().err


def test_concurrent_first_uses_build_the_harness_once(tmp_path, monkeypatch):
    """Two callers needing the harness at once (two pytest-xdist workers,
    two exports): the second waits for the first one's build and reuses it.
    The compiler is a stand-in that logs its runs and writes the output file
    after a pause; the lock (`flock` on a file each caller opens itself, so
    two threads contend as two processes do) and the cache are the real
    ones."""
    import threading

    from keras_s2s.export import harness_path

    fake = tmp_path / "fake-g++"
    log = tmp_path / "runs.log"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo run >> {log}\n"
        "sleep 1\n"
        'while [ "$1" != "-o" ]; do shift; done\n'
        'echo built > "$2"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("KERAS_S2S_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CXX", str(fake))
    both = threading.Barrier(2)
    paths = []

    def first_use():
        both.wait()
        paths.append(harness_path())

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(paths) == 2 and paths[0] == paths[1]
    assert open(paths[0]).read() == "built\n"
    assert log.read_text() == "run\n"


@pytest.mark.parametrize("loader", ["harness", "session"])
def test_an_op_no_library_registers_is_refused_at_load(tmp_path, loader,
                                                       monkeypatch):
    """`check_ops` reads op names only; an op of a function that TensorFlow
    core and tensorflow-text do not register (the server would fail its
    first request) is refused by `check_serving`'s load, naming it, on the
    C++ path and on the fallback without a compiler."""
    from tensorflow.core.protobuf import saved_model_pb2

    from keras_s2s.export import check_ops

    _save_dense(tmp_path / "m", track=True)
    pb = tmp_path / "m" / "saved_model.pb"
    saved = saved_model_pb2.SavedModel.FromString(pb.read_bytes())
    renamed = 0
    for function in saved.meta_graphs[0].graph_def.library.function:
        for node in function.node_def:
            if node.op == "MatMul":
                node.op, renamed = "MadeUpMatMul", renamed + 1
    assert renamed
    pb.write_bytes(saved.SerializeToString())
    assert "MadeUpMatMul" in check_ops(tmp_path / "m")
    if loader == "session":
        monkeypatch.setenv("KERAS_S2S_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("CXX", str(tmp_path / "no-such-g++"))
    with pytest.raises(ValueError, match="not registered .*MadeUpMatMul"):
        check_serving(tmp_path / "m")


def test_the_peak_memory_is_the_harness_own_not_its_parents(tmp_path):
    # Linux keeps getrusage's ru_maxrss across execve, so a harness started
    # by a large Python process (this one, with TensorFlow imported, plus a
    # 1 GB ballast) would report at least that parent's size. The harness
    # reads its own high-water mark (VmHWM) instead.
    ballast = np.ones(1 << 28, np.float32)  # 1 GB, touched
    _save_dense(tmp_path / "dense", track=True)
    report, _ = run_serving_path(tmp_path / "dense")
    if report.get("loader") == "tf.compat.v1":
        pytest.skip("the compiled harness is not available here")
    rss = report["rss_mb"]
    assert report["peak_rss_mb"] < 1000 < ballast.nbytes / 2**20
    assert max(rss.values()) - 1 <= report["peak_rss_mb"] <= \
        max(rss.values()) + 100


def test_the_harness_loads_the_op_libraries_the_graphs_use(tmp_path,
                                                           tokenizers):
    """tensorflow-text ships 22 op libraries; the harness loads those whose
    ops the export's graphs use (SentencePiece's, for a text model), which
    answer as all 22 do, in less resident memory."""
    from keras_s2s.export.op_check import graph_ops
    from keras_s2s.export.serving_harness import _registered_ops
    from keras_s2s.export.serving_harness import op_libraries

    path = export_saved_model(build("gru_luong_mt", tokenizers),
                              tmp_path / "m", check=False)
    everything, used = op_libraries(), op_libraries(path)
    names = {os.path.basename(lib) for lib in used}
    assert "_sentencepiece_tokenizer.so" in names
    assert len(used) < len(everything)
    ops = graph_ops(path)
    for lib in everything:  # exactly those registering a graph's op
        assert (lib in used) == bool(_registered_ops(lib) & ops)
    _save_dense(tmp_path / "dense", track=True)
    assert op_libraries(tmp_path / "dense") == []

    requests = [predict_request({"inputs": ["A red circle.", "Two dogs."]}),
                predict_request({"inputs": ["A blue square."]})]
    few, few_results = run_serving_path(path, requests)
    if few.get("loader") == "tf.compat.v1":
        pytest.skip("the compiled harness is not available here")
    full, full_results = run_serving_path(path, requests,
                                          all_op_libraries=True,
                                          inter_op_threads=1,
                                          intra_op_threads=1)
    for a, b in zip(few_results, full_results):
        np.testing.assert_array_equal(a["outputs"], b["outputs"])
    # 4.4 MB resident per library here (2026-11-29); at least 2 MB apiece.
    assert full["rss_mb"]["start"] - few["rss_mb"]["start"] > \
        2 * (len(everything) - len(used))
    # Resident memory after each request, for benchmarks/serve_cpp.py.
    assert len(few["run_rss_mb"]) == len(requests)
    assert few["rss_mb"]["warm"] <= few["run_rss_mb"][0] <= \
        few["peak_rss_mb"] + 1
