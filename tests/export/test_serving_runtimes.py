"""Exports made here (TensorFlow 2.21) load and answer on TF Serving's C++
path under an older runtime: TensorFlow + tensorflow-text 2.20, the pair that
tensorflow/serving 2.20 is built with.

Slow: it needs a second environment, made by
`tools/serving_runtime_venv.sh 2.20` (about 2.3 GB), and builds the harness
against that wheel. Run with
`.venv/bin/python -m pytest -m slow tests/export/test_serving_runtimes.py`.
"""

import json
import pathlib
import subprocess

import numpy as np
import pytest
import tensorflow as tf

from keras_s2s import zoo
from keras_s2s.export import ExportSettings
from keras_s2s.export import export_saved_model
from keras_s2s.export import predict_request
from keras_s2s.export import run_serving_path
from keras_s2s.export import serving_harness
from serving_fixtures import TEXTS
from serving_fixtures import build
from serving_fixtures import is_image_model
from serving_fixtures import make_tokenizers

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNTIMES = sorted(ROOT.glob(".venv-serving-tf*/bin/python"))
pytestmark = pytest.mark.slow

# Runs in the other environment: only tensorflow, tensorflow_text and the
# serving protos there; the harness module is loaded from its file.
DRIVER = r"""
import importlib.util, json, sys
import tensorflow as tf, tensorflow_text
from tensorflow_serving.apis import prediction_log_pb2
spec = importlib.util.spec_from_file_location("serving_harness", sys.argv[1])
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)
jobs = json.load(open(sys.argv[2]))
out = {"tensorflow": tf.__version__,
       "tensorflow_text": tensorflow_text.__version__, "models": {}}
def plain(value):
    if value.dtype == object:
        return [s.decode("utf-8") for s in value.reshape(-1)], list(value.shape)
    return value.reshape(-1).tolist(), list(value.shape)
for name, job in jobs.items():
    requests = [prediction_log_pb2.PredictionLog.FromString(r)
                .predict_log.request
                for r in tf.data.TFRecordDataset(job["requests"])
                .as_numpy_iterator()]
    report, results = harness.run_serving_path(job["path"], requests)
    out["models"][name] = {"report": report, "results": [
        {"error": str(r)} if isinstance(r, Exception)
        else {k: plain(v) for k, v in r.items()} for r in results]}
json.dump(out, open(sys.argv[3], "w"))
"""


def _requests(name, tokenizers):
    raw = (tokenizers["images"] if is_image_model(name)
           else [t.encode() for t in TEXTS])
    options = {"beam_size": np.int32(2), "num_return": np.int32(2),
               "max_length": np.int32(5), "length_penalty": np.float32(0.0)}
    return [predict_request({"inputs": raw}),
            predict_request({"inputs": raw[:2]}, "nbest"),
            predict_request({"inputs": raw[:2], **options},
                            "nbest_options_unbatched")]


@pytest.mark.skipif(not RUNTIMES, reason="no .venv-serving-tf*/ (make one "
                    "with tools/serving_runtime_venv.sh 2.20)")
@pytest.mark.parametrize("python", RUNTIMES, ids=lambda p: p.parts[-3])
def test_exports_answer_under_another_runtime(python, tmp_path):
    tokenizers = make_tokenizers()
    jobs, expected = {}, {}
    for name in zoo.list():
        model = build(name, tokenizers)
        settings = ExportSettings.for_model(model, beam_size=3, num_return=2,
                                            max_length=6)
        path = export_saved_model(model, tmp_path / name, settings=settings)
        requests = _requests(name, tokenizers)
        request_file = tmp_path / f"{name}.tfrecord"
        with tf.io.TFRecordWriter(str(request_file)) as writer:
            for request in requests:
                writer.write(serving_harness._prediction_log(
                    request).SerializeToString())
        jobs[name] = {"path": path, "requests": str(request_file)}
        _, expected[name] = run_serving_path(path, requests)
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    proc = subprocess.run(
        [str(python), "-c", DRIVER, serving_harness.__file__,
         str(tmp_path / "jobs.json"), str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    print(f"{python.parts[-3]}: tensorflow {out['tensorflow']}, "
          f"tensorflow-text {out['tensorflow_text']}")
    for name in zoo.list():
        got = out["models"][name]
        assert got["report"]["loaded"] and got["report"]["exit_code"] == 0
        assert got["report"]["warmup_records"] == (
            2 if is_image_model(name) else 4)
        for mine, theirs in zip(expected[name], got["results"]):
            assert "error" not in theirs, (name, theirs)
            for key, value in mine.items():
                values, shape = theirs[key]
                assert list(value.shape) == shape, (name, key)
                if value.dtype == object:
                    assert [s.decode() for s in value.reshape(-1)] == values
                else:
                    np.testing.assert_allclose(value.reshape(-1), values,
                                               atol=1e-4)
