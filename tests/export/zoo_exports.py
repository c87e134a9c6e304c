"""Zoo architectures exported and answered on TF Serving's C++ path
(`LoadSavedModel`, warm-up replay, `GetInputValues`, `Session::Run`), plain
and with the batcher's merge-and-split, compared with `model.search`.

The tests live here and run from `test_export_zoo_*.py`, each of which takes
a share of `zoo.list()` (its `NAMES`): pytest-xdist hands out whole files, so
the exports, the slowest set-up of the suite, are split between workers.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_s2s import zoo
from keras_s2s.export import ExportSettings
from keras_s2s.export import ServingError
from keras_s2s.export import export_saved_model
from keras_s2s.export import predict_request
from keras_s2s.export import read_warmup_requests
from keras_s2s.export import refused_ops
from keras_s2s.export import run_serving_path
from keras_s2s.export import saved_model_ops
from serving_fixtures import BAD_UTF8
from serving_fixtures import TEXTS
from serving_fixtures import build
from serving_fixtures import constant_copies
from serving_fixtures import functions
from serving_fixtures import is_image_model
from serving_fixtures import make_tokenizers

SETTINGS = {"beam_size": 3, "num_return": 2, "length_penalty": 0.6,
            "max_length": 6, "max_beam_size": 4, "max_output_length": 10,
            # TEXTS holds a 100,000-character input (truncated by the model).
            "max_batch_size": 6, "max_input_bytes": 100_000}
# serving_default searches greedy in this one export, beam in the others.
GREEDY = "gru_luong_mt"
OPTIONS = {"beam_size": 2, "num_return": 2, "length_penalty": 0.0,
           "max_length": 5}


@pytest.fixture(scope="module")
def tokenizers():
    return make_tokenizers()


def _inputs(name, tokenizers):
    """(what the server gets, what model.search gets) for `name`."""
    if is_image_model(name):
        return tokenizers["images"], tokenizers["pixels"]
    raw = [t.encode() for t in TEXTS] + [BAD_UTF8]
    return raw, TEXTS + [BAD_UTF8.decode("utf-8", "replace")]


def _requests(name, raw):
    a, b = raw[:2], raw[2:4]
    requests = {
        "default": ("serving_default", {"inputs": raw}),
        "default_a": ("serving_default", {"inputs": a}),
        "default_b": ("serving_default", {"inputs": b}),
        "nbest_a": ("nbest", {"inputs": a}),
        "nbest_b": ("nbest", {"inputs": b}),
        "options": ("nbest_options_unbatched",
                    {"inputs": a, **OPTIONS}),
        "options_defaults": ("nbest_options_unbatched", {"inputs": a}),
        "empty": ("serving_default", {"inputs": np.array([], object)}),
        "nbest_empty": ("nbest", {"inputs": np.array([], object)}),
        "beam_over_limit": ("nbest_options_unbatched",
                            {"inputs": a, "beam_size": 5}),
        "length_over_limit": ("nbest_options_unbatched",
                              {"inputs": a, "max_length": 11}),
        "returns_over_beam": ("nbest_options_unbatched",
                              {"inputs": a, "beam_size": 2,
                               "num_return": 3}),
        "batch_over_limit": ("serving_default", {"inputs": raw[:1] * 7}),
        "nbest_batch_over_limit": ("nbest", {"inputs": raw[:1] * 7}),
        "input_over_limit": ("nbest_options_unbatched",
                             {"inputs": [b"x" * 100_001]}),
        "at_the_limits": ("serving_default",
                          {"inputs": [b"x" * 100_000] + raw[:1] * 5}),
    }
    if is_image_model(name):
        requests["corrupt"] = ("serving_default",
                               {"inputs": [b"not an image"]})
    return requests


def _typed(inputs):
    out = dict(inputs)
    for key in ("beam_size", "num_return", "max_length"):
        if key in out:
            out[key] = np.int32(out[key])
    if "length_penalty" in out:
        out["length_penalty"] = np.float32(out["length_penalty"])
    return out


def _run(path, named, batched_keys):
    """One load: every request alone, then `batched_keys` merged as the
    batcher would (requests to one signature in one run)."""

    def request(key):
        inputs = _typed(named[key][1])
        return predict_request(inputs, named[key][0], model_name="m")

    keys = list(named)
    report, results = run_serving_path(
        path, [request(k) for k in keys],
        batched=[request(k) for k in batched_keys])
    assert report["exit_code"] == 0, report
    return (report, dict(zip(keys, results)),
            dict(zip(batched_keys, results[len(keys):])))


def share(index, shares):
    """The zoo architectures of test file `index` of `shares`; the shares
    together are `zoo.list()`, each name once."""
    return zoo.list()[index::shares]


def parametrize_names(metafunc, names):
    """Gives the tests of a `test_export_zoo_*` file their `name`s."""
    if "name" in metafunc.fixturenames:
        metafunc.parametrize("name", names)


@pytest.fixture(scope="module")
def exported(request, tokenizers, tmp_path_factory):
    """The test module's zoo architectures (its `NAMES`) exported and
    answered on the C++ path: plain, then under the batcher (requests to
    one signature merged)."""
    root = tmp_path_factory.mktemp("serving")
    out = {}
    for name in request.module.NAMES:
        model = build(name, tokenizers)
        settings = ExportSettings.for_model(
            model, search="greedy" if name == GREEDY else None, **SETTINGS)
        # export's own check (op check, C++ load and warm-up) is left to
        # the exports of the README, the notebooks and test_export.py: the
        # reports below load every export the same way, warm-up included.
        path = export_saved_model(model, root / name, name="m",
                                  settings=settings, check=False)
        raw, python_inputs = _inputs(name, tokenizers)
        requests = _requests(name, raw)
        report, plain, batched = _run(path, requests, (
            "default_a", "default_b", "nbest_a", "nbest_b", "options"))
        out[name] = {"model": model, "path": path, "report": report,
                     "plain": plain, "batched": batched,
                     "inputs": python_inputs}
    return out


def _text(array):
    return [s.decode("utf-8") for s in np.asarray(array).reshape(-1)]


def test_serving_default_matches_search(name, exported):
    case = exported[name]
    got = case["plain"]["default"]
    method = "greedy" if name == GREEDY else "beam"
    expected = case["model"].search(case["inputs"], method=method)
    with open(os.path.join(case["path"], "assets.extra",
                           "keras_s2s_export.json")) as f:
        assert json.load(f)["serving_default"] == {"search": method}
    assert _text(got["outputs"]) == _text(expected["text"].numpy()[:, 0])
    np.testing.assert_allclose(got["scores"],
                               expected["scores"].numpy()[:, 0], atol=1e-4)
    if not is_image_model(name):
        assert _text(got["outputs"])[2] == "" and got["scores"][2] == 0.0
    # Loaded, and the warm-up records (text: 2 batches, images: 1, for each
    # of serving_default and nbest) replayed.
    assert case["report"]["warmup_records"] == (
        2 if is_image_model(name) else 4)


def test_each_weight_is_saved_once(name, exported):
    """The checkpoint holds the model's weights once (not also Keras' own
    copies, which the server would restore beside them)."""
    case = exported[name]
    reader = tf.train.load_checkpoint(
        os.path.join(case["path"], "variables", "variables"))
    shapes = reader.get_variable_to_shape_map()
    saved = sum(int(np.prod(shape)) for key, shape in shapes.items()
                if key != "_CHECKPOINTABLE_OBJECT_GRAPH")
    assert saved == case["model"].count_params()


def test_functions_hold_each_constant_once(name, exported):
    """Export shares the copies of a constant that tracing writes
    (`share_constants`); the answers above come from those graphs."""
    library = functions(exported[name]["path"])
    assert library and sum(map(constant_copies, library)) == 0


def test_nbest_takes_only_inputs_and_matches_search(name, exported):
    case = exported[name]
    expected = case["model"].search(
        case["inputs"][:2], method="beam", beam_size=3, alpha=0.6,
        max_length=6, num_return=2, return_alignments=True)
    got = case["plain"]["nbest_a"]
    assert np.asarray(got["outputs"]).shape == (2, 2)
    assert [_text(row) for row in got["outputs"]] == [
        _text(row) for row in expected["text"].numpy()]
    np.testing.assert_allclose(got["scores"], expected["scores"].numpy(),
                               atol=1e-4)
    alignments = expected["alignments"].numpy()
    src = alignments.shape[-1]
    np.testing.assert_allclose(got["alignments"][..., :src], alignments,
                               atol=1e-5)
    assert not got["alignments"][..., src:].any()  # padding to fixed S
    np.testing.assert_array_equal(got["lengths"], expected["lengths"])
    # The pieces a client labels the alignment matrix with: the output's
    # tokens and the source's, as the tokenizers spell them.
    model = case["model"]
    assert got["output_pieces"].shape == (2, 2, 6)
    pieces = model.target_tokenizer.id_to_piece(expected["tokens"]).numpy()
    assert got["output_pieces"].tolist() == [
        [[p.decode("utf-8", "replace").encode() for p in beam]
         for beam in row] for row in pieces]
    if not is_image_model(name):
        assert got["source_pieces"].shape == (2, got["alignments"].shape[-1])
        source = model.encode_inputs(case["inputs"][:2]).numpy()
        source_pieces = model.source_tokenizer.id_to_piece(source).numpy()
        n = source.shape[1]
        assert got["source_pieces"][:, :n].tolist() == [
            [p.decode("utf-8", "replace").encode() for p in row]
            for row in source_pieces]


def test_nbest_options_signature(name, exported):
    case = exported[name]
    plain = case["plain"]
    expected = case["model"].search(
        case["inputs"][:2], method="beam", return_alignments=True,
        alpha=OPTIONS["length_penalty"], **{k: OPTIONS[k] for k in (
            "beam_size", "num_return", "max_length")})
    got = plain["options"]
    assert [_text(row) for row in got["outputs"]] == [
        _text(row) for row in expected["text"].numpy()]
    assert got["output_pieces"].shape[1:] == (2, 5)
    np.testing.assert_allclose(got["scores"], expected["scores"].numpy(),
                               atol=1e-4)
    np.testing.assert_array_equal(got["lengths"], expected["lengths"])
    # Omitted inputs take the SignatureDef defaults (GetInputValues), which
    # are the nbest settings.
    for key in ("outputs", "scores", "lengths"):
        np.testing.assert_array_equal(plain["options_defaults"][key],
                                      plain["nbest_a"][key])


def test_requests_beyond_the_limits_are_invalid_argument(name, exported):
    plain = exported[name]["plain"]
    for key, needle in (("beam_over_limit", "max_beam_size 4"),
                        ("length_over_limit", "max_output_length 10"),
                        ("returns_over_beam", "num_return must not exceed"),
                        ("batch_over_limit", "max_batch_size 6"),
                        ("nbest_batch_over_limit", "max_batch_size 6"),
                        ("input_over_limit", "max_input_bytes 100000")):
        error = plain[key]
        assert isinstance(error, ServingError), (key, error)
        assert error.name == "INVALID_ARGUMENT" and needle in error.message
    # Up to the limits is answered (images: x-bytes do not decode, so only
    # text models are asked).
    if not is_image_model(name):
        assert np.asarray(plain["at_the_limits"]["outputs"]).shape == (6,)


def test_batched_requests_get_their_own_answers(name, exported):
    case = exported[name]
    plain, batched = case["plain"], case["batched"]
    for key in ("default_a", "default_b", "nbest_a", "nbest_b"):
        got, want = batched[key], plain[key]
        assert set(got) == set(want), key
        # A merged batch runs other matrix shapes, so float sums differ in
        # the last bits. An untrained tiny model has near-ties between
        # hypotheses, and the beam may then keep the other one of equal
        # score. Answers mixed up between requests would change the scores.
        np.testing.assert_allclose(got["scores"], want["scores"], atol=1e-3)
        same = got["outputs"] == want["outputs"]
        assert same.mean() >= 0.5, key
        for output, value in want.items():
            if output in ("outputs", "scores"):
                continue
            rows = same if same.ndim == 1 else same.all(axis=1)
            if value.dtype == object:
                np.testing.assert_array_equal(got[output][rows], value[rows])
            else:
                np.testing.assert_allclose(got[output][rows], value[rows],
                                           atol=1e-4)
    # Scalar options cannot go through the batcher: it says so.
    error = batched["options"]
    assert isinstance(error, ServingError)
    assert "at least one dimension" in error.message


def test_empty_batches_and_corrupt_images(name, exported):
    plain = exported[name]["plain"]
    assert plain["empty"]["outputs"].shape == (0,)
    assert plain["nbest_empty"]["outputs"].shape == (0, 2)
    assert plain["nbest_empty"]["alignments"].shape[:3] == (0, 2, 6)
    if not is_image_model(name):
        # An empty text in a batch: nothing written, whatever its batch.
        pad = exported[name]["model"].target_tokenizer.id_to_piece(
            exported[name]["model"].pad_id).numpy()
        empty = plain["nbest_b"]  # inputs "" and a long text
        assert (empty["output_pieces"][0] == pad).all()
        assert not empty["lengths"][0].any()
        assert not empty["alignments"][0].any()
    if is_image_model(name):
        error = plain["corrupt"]
        assert isinstance(error, ServingError)
        assert error.name == "INVALID_ARGUMENT"
        assert "image" in error.message.lower()


def test_batchable_signatures_are_batch_major(exported):
    """REST needs every input in the request and row format needs one
    dimension 0: serving_default and nbest take `inputs` alone, and every
    input and output is [batch, ...] with its other dimensions fixed."""
    from tensorflow.python.saved_model import loader_impl

    for name, case in exported.items():
        graph = loader_impl.parse_saved_model(case["path"]).meta_graphs[0]
        for key in ("serving_default", "nbest"):
            signature = graph.signature_def[key]
            assert list(signature.inputs) == ["inputs"], (name, key)
            assert not signature.defaults
            for alias, info in [*signature.inputs.items(),
                                *signature.outputs.items()]:
                dims = [d.size for d in info.tensor_shape.dim]
                assert dims and dims[0] == -1, (name, key, alias, dims)
                assert all(d >= 0 for d in dims[1:]), (name, key, alias, dims)


def test_saved_model_cli_lists_the_signatures(exported):
    path = next(iter(exported.values()))["path"]
    cli = pathlib.Path(sys.executable).parent / "saved_model_cli"
    proc = subprocess.run([str(cli), "show", "--dir", path, "--all"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for needle in ("signature_def['serving_default']",
                   "signature_def['nbest']",
                   "signature_def['nbest_options_unbatched']",
                   "inputs['inputs']", "inputs['beam_size']",
                   "outputs['outputs']", "outputs['scores']",
                   "outputs['alignments']"):
        assert needle in proc.stdout


def test_settings_and_defaults_are_recorded(name, exported):
    from tensorflow.python.saved_model import loader_impl

    path = exported[name]["path"]
    signature = loader_impl.parse_saved_model(path).meta_graphs[0] \
        .signature_def["nbest_options_unbatched"]
    defaults = {k: tf.make_ndarray(v).item()
                for k, v in signature.defaults.items()}
    assert defaults == pytest.approx({"beam_size": 3, "num_return": 2,
                                      "max_length": 6,
                                      "length_penalty": 0.6})
    with open(os.path.join(path, "assets.extra",
                           "keras_s2s_export.json")) as f:
        recorded = json.load(f)
    assert recorded["limits"] == {"max_beam_size": 4, "max_output_length": 10,
                                  "max_batch_size": 6,
                                  "max_input_bytes": 100_000}
    assert recorded["nbest"]["beam_size"] == 3


def test_every_op_is_core_or_tf_text(exported):
    names = sorted(exported)
    reports = saved_model_ops(*[exported[n]["path"] for n in names])
    for name, (ops, unregistered) in zip(names, reports):
        assert unregistered == [] and refused_ops(ops, unregistered) == []
        assert not ops & {"PyFunc", "EagerPyFunc"}
        assert "SentencepieceTokenizeOp" in ops or is_image_model(name)
        assert not any(">" in op for op in ops)


def test_warmup_requests_name_the_model_and_batchable_signatures(
        name, exported):
    path = exported[name]["path"]
    logs = read_warmup_requests(
        os.path.join(path, "assets.extra", "tf_serving_warmup_requests"))
    batches = 1 if is_image_model(name) else 2
    assert [log.predict_log.request.model_spec.signature_name
            for log in logs] == (["serving_default"] * batches
                                 + ["nbest"] * batches)
    for log in logs:
        request = log.predict_log.request
        assert request.model_spec.name == "m"
        assert list(request.inputs) == ["inputs"]
