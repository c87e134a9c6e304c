"""Export's refusals and its versioned folders: py_function graphs,
interrupted and racing exports, killed exports' leftovers, TF Serving's
models config. The zoo's exports on the C++ path are in
`test_export_zoo_*.py` (tests in `zoo_exports.py`)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_s2s.export import check_ops
from keras_s2s.export import export_saved_model
from keras_s2s.export import next_version
from keras_s2s.export import write_models_config
from serving_fixtures import build
from serving_fixtures import make_tokenizers


@pytest.fixture(scope="module")
def tokenizers():
    return make_tokenizers()


def test_py_function_graphs_are_refused(tmp_path, tokenizers, monkeypatch):
    class Bad(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def f(self, x):
            return tf.py_function(lambda s: s, [x], tf.string)

    tf.saved_model.save(Bad(), str(tmp_path / "bad"))
    with pytest.raises(ValueError, match="EagerPyFunc"):
        check_ops(tmp_path / "bad")

    model = build("gru_luong_mt", tokenizers)
    original = model.target_tokenizer.detokenize
    # The tokenizer is the module's fixture: patched for this test only.
    monkeypatch.setattr(
        model.target_tokenizer, "detokenize", lambda ids: tf.py_function(
            lambda i: original(i), [ids], tf.string))
    with pytest.raises(ValueError, match="EagerPyFunc"):
        export_saved_model(model, tmp_path / "refused", warmup=False)
    assert not (tmp_path / "refused" / "1").exists()
    assert os.listdir(tmp_path / "refused") == []


def test_interrupted_export_leaves_no_version(tmp_path, tokenizers,
                                             monkeypatch):
    import keras_s2s.export.saved_model as saved_model

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(saved_model, "write_warmup_requests", interrupt)
    model = build("gru_luong_mt", tokenizers)
    with pytest.raises(KeyboardInterrupt):
        export_saved_model(model, tmp_path / "m", check=False)
    assert os.listdir(tmp_path / "m") == []


def test_a_version_taken_meanwhile_goes_to_the_next_number(
        tmp_path, tokenizers, monkeypatch):
    """Two exports to one folder at once: the one that renames second finds
    its version taken (the rename fails: the folder is not empty) and takes
    the next number instead of failing."""
    import keras_s2s.export.saved_model as saved_model

    real = saved_model.next_version
    calls = []

    def racing(out_dir):
        calls.append(out_dir)
        if len(calls) == 1:  # the competitor renamed its version 1 just now
            (tmp_path / "m" / "1").mkdir()
            (tmp_path / "m" / "1" / "saved_model.pb").write_bytes(b"theirs")
            return 1
        return real(out_dir)

    monkeypatch.setattr(saved_model, "next_version", racing)
    model = build("gru_luong_mt", tokenizers)
    path = export_saved_model(model, tmp_path / "m", check=False,
                              warmup=False)
    assert path == str(tmp_path / "m" / "2") and len(calls) == 2
    assert (tmp_path / "m" / "1" / "saved_model.pb").read_bytes() == b"theirs"
    assert (tmp_path / "m" / "2" / "saved_model.pb").exists()
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "2"]
    # An explicit version taken meanwhile is refused, nothing left behind.
    calls.clear()
    monkeypatch.setattr(saved_model, "next_version", real)
    original_rename = os.rename

    def taken(src, dst):
        os.makedirs(os.path.join(dst, "variables"))
        return original_rename(src, dst)

    monkeypatch.setattr(saved_model.os, "rename", taken)
    with pytest.raises(FileExistsError, match="another export meanwhile"):
        export_saved_model(model, tmp_path / "m", version=7, check=False,
                           warmup=False)
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "2", "7"]


def test_the_next_export_removes_folders_of_killed_exports(tmp_path,
                                                          tokenizers):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os;print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    base = tmp_path / "m"
    (base / f".tmp-3-{dead}-abcd1234" / "variables").mkdir(parents=True)
    (base / f".tmp-next-{os.getpid()}-ef015678").mkdir()  # alive: kept
    model = build("gru_luong_mt", tokenizers)
    export_saved_model(model, base, check=False, warmup=False)
    assert sorted(os.listdir(base)) == [f".tmp-next-{os.getpid()}-ef015678",
                                        "1"]


def test_versions_and_models_config(tmp_path, tokenizers):
    assert next_version(tmp_path / "none") == 1
    (tmp_path / "m" / "3").mkdir(parents=True)
    (tmp_path / "m" / ".tmp-9-abc").mkdir()
    assert next_version(tmp_path / "m") == 4
    model = build("gru_luong_mt", tokenizers)
    with pytest.raises(FileExistsError):
        export_saved_model(model, tmp_path / "m", version=3, check=False)
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    models = {"mt": "/models/mt", "caption": "/models/c",
              'odd "name"': "/models/with space"}
    text = write_models_config(models, tmp_path / "models.config")
    # What TF Serving reads: the file parsed as its ModelServerConfig.
    parsed = text_format.Parse((tmp_path / "models.config").read_text(),
                               model_server_config_pb2.ModelServerConfig())
    assert text == (tmp_path / "models.config").read_text()
    assert sorted((c.name, c.base_path, c.model_platform)
                  for c in parsed.model_config_list.config) == sorted(
        (name, path, "tensorflow") for name, path in models.items())


def test_an_export_of_serving_default_alone(tmp_path, tokenizers):
    """`signatures` leaves the n-best searches out of the graphs: the
    server loads and warms up what remains (export's C++ check), and a
    request to a left-out signature names it."""
    from tensorflow.python.saved_model import loader_impl

    from keras_s2s.export import ExportSettings
    from keras_s2s.export import ServingError
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    model = build("bilstm_attn_mt", tokenizers)
    full = export_saved_model(model, tmp_path / "full", check=False)
    # Neither is checked by export: `alone` is loaded on the C++ path
    # below, its warm-up (serving_default's records only) replayed.
    alone = export_saved_model(model, tmp_path / "alone", settings=(
        ExportSettings.for_model(model, signatures=("serving_default",))),
        check=False)

    def signatures(path):
        graph = loader_impl.parse_saved_model(str(path)).meta_graphs[0]
        return {k for k in graph.signature_def if not k.startswith("__")}

    assert signatures(full) == {"serving_default", "nbest",
                                "nbest_options_unbatched"}
    assert signatures(alone) == {"serving_default"}
    size = [os.path.getsize(os.path.join(p, "saved_model.pb"))
            for p in (full, alone)]
    assert size[1] < 0.7 * size[0], size
    texts = ["A red circle.", "Two blue squares."]
    report, results = run_serving_path(alone, [
        predict_request({"inputs": texts}),
        predict_request({"inputs": texts}, "nbest")])
    assert report["loaded"] and report["warmup_records"] == 2, report
    assert [t.decode() for t in results[0]["outputs"]] == \
        model.generate(texts)
    assert isinstance(results[1], ServingError), results[1]
    assert "nbest" in results[1].message


def test_cli_export_pads_sources_and_compacts_in_steps_same_answers(
        tmp_path, tokenizers, capsys):
    """`keras-s2s export` pads sources to a multiple of 8 and shrinks the
    batch in steps of 4 by default: on TF Serving's C++ path it answers as
    an export without either, for a batch whose sentences end at
    different steps and a lone sentence, every signature. So does one
    whose beam searches run their first step in the loop (`--first-step
    in-loop`), from a smaller graph."""

    from keras_s2s.cli import main
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    model = build("bilstm_attn_mt", tokenizers)
    path = tmp_path / "model.keras"
    model.save(path)
    outs = {}
    for name, extra in (("plain", ["--source-multiple", "1",
                                   "--compact-multiple", "1"]),
                        ("default", []),
                        ("in_loop", ["--first-step", "in-loop"])):
        # --no-check: both are loaded on the C++ path below.
        assert main(["export", str(path), "--out", str(tmp_path / name),
                     "--version", "1", "--no-check", *extra]) == 0
        outs[name] = capsys.readouterr().out
    assert "not checked: --no-check" in outs["default"]
    assert "padded to a multiple of 8, batches shrunk to a multiple of 4" \
        in outs["default"]
    assert "padded to a multiple of 1, batches shrunk to a multiple of 1" \
        in outs["plain"]
    # float32 kernels keep their layout whatever the CPU (--kernel-layout
    # auto).
    assert "recurrent cells in float32, kernels laid out in_out" \
        in outs["default"]
    assert "runs its first step apart" in outs["default"]
    assert "runs its first step in the loop" in outs["in_loop"]
    graph_bytes = {name: (tmp_path / name / "1" / "saved_model.pb").stat()
                   .st_size for name in outs}
    assert graph_bytes["in_loop"] < 0.95 * graph_bytes["default"], \
        graph_bytes
    texts = ["A red circle.", "Two blue squares and a green triangle.",
             "A big yellow star next to a small red circle on the left.",
             "Blue.", "A green square.", "Three red circles in a row.", ""]
    requests = [predict_request({"inputs": texts}),
                predict_request({"inputs": texts[2:3]}),
                predict_request({"inputs": texts}, "nbest")]
    answers = {}
    for name in outs:
        report, answers[name] = run_serving_path(tmp_path / name / "1",
                                                 requests)
        assert report["loaded"] and report["warmup_records"] >= 1, report
    for plain, padded in (pair for other in ("default", "in_loop")
                          for pair in zip(answers["plain"], answers[other])):
        assert sorted(plain) == sorted(padded)
        for alias in plain:
            if plain[alias].dtype == object:
                np.testing.assert_array_equal(padded[alias], plain[alias])
            else:
                np.testing.assert_allclose(padded[alias], plain[alias],
                                           atol=1e-5, err_msg=alias)


def test_cli_export_settle_best_and_the_shipped_shortlist(tmp_path, capsys):
    """`keras-s2s export --settle best --shortlist zoo`, the fastest
    settings: on TF Serving's C++ path the shipped translator answers as
    its search with `settle="best"` (OpenNMT-py's stop) and its shipped
    vocabulary shortlist does, not as the exact one."""

    from keras_s2s import zoo
    from keras_s2s.cli import main
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path
    from keras_s2s.models import load_model

    assert main(["export", "bilstm_attn_mt", "--out", str(tmp_path / "m"),
                 "--version", "1", "--settle", "best", "--signatures",
                 "serving_default", "--shortlist", "zoo",
                 "--no-check"]) == 0  # loaded on the C++ path below
    assert "beam search stops a sentence: best" in capsys.readouterr().out
    for refused, words in (
            (["gru_luong_mt"], "ships no vocabulary shortlist; the models "
                               "that do are bilstm_attn_mt"),
            (["bilstm_attn_mt", "--shortlist-size", "5"],
             "--shortlist-size and --shortlist-frequent apply when it is "
             "fitted on data")):
        assert main(["export", *refused, "--shortlist", "zoo", "--out",
                     str(tmp_path / "no")]) == 2
        assert words in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
    # Multi30k test sentences the two rules translate differently.
    texts = ["Three men in same colored vests are in the outdoors.",
             "A construction worker is driving heavy equipment at a work "
             "site.", "Dogs run at a dog racetrack.",
             "A dog walks on a log across a small river.", "A dog runs."]
    report, (answer,) = run_serving_path(tmp_path / "m" / "1",
                                         [predict_request({"inputs": texts})])
    assert report["loaded"], report
    model = load_model("bilstm_attn_mt")
    model.vocabulary_shortlist = zoo.load_shortlist("bilstm_attn_mt")
    searched = {rule: np.asarray(model.search(
        tf.constant(texts), settle=rule, shortlist=True)["text"])[:, 0]
        for rule in (True, "best")}
    assert not np.array_equal(searched[True], searched["best"])
    np.testing.assert_array_equal(answer["outputs"], searched["best"])


def test_the_nbest_signatures_share_one_search_graph(tmp_path, tokenizers):
    """`nbest` calls the search that `nbest_options_unbatched` calls, its
    settings as constants: the SavedModel's function library holds one
    n-best beam step, not two, and both answer alike on the C++ path."""
    from tensorflow.python.saved_model import loader_impl

    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    model = build("bilstm_attn_mt", tokenizers)
    path = export_saved_model(model, tmp_path / "m", check=False)
    graph = loader_impl.parse_saved_model(str(path)).meta_graphs[0]
    library = {f.signature.name: f for f in graph.graph_def.library.function}

    def callees(nodes):
        names = set()
        for node in nodes:
            for value in node.attr.values():
                names.update(f.name for f in [value.func, *value.list.func]
                             if f.name)
        return names

    def reachable(name):
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in library:
                continue
            seen.add(current)
            todo += callees(library[current].node_def)
        return seen

    def entry(signature):
        """The function a signature's output is computed by."""
        output = graph.signature_def[signature].outputs["outputs"].name
        node = output.split(":")[0]
        nodes = {n.name: n for n in graph.graph_def.node}
        return callees([nodes[node]])

    def beam_steps(names):
        return {n for n in names if any(node.op == "TopKV2"
                                        for node in library[n].node_def)}

    found = {}
    for signature in ("nbest", "nbest_options_unbatched"):
        names = set()
        for start in entry(signature):
            names |= reachable(start)
        found[signature] = beam_steps(names)
    assert found["nbest"] and found["nbest"] == found["nbest_options_unbatched"]
    texts = ["A red circle.", "Two blue squares."]
    report, (fixed, options) = run_serving_path(path, [
        predict_request({"inputs": texts}, "nbest"),
        predict_request({"inputs": texts}, "nbest_options_unbatched")])
    assert report["warmup_records"] == 4, report  # loaded and warmed up
    for key in fixed:
        if fixed[key].dtype == object:
            np.testing.assert_array_equal(options[key], fixed[key])
        else:
            np.testing.assert_allclose(options[key], fixed[key], atol=1e-6)
