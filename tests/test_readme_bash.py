"""The README's shell blocks run as written (tiny sizes where they train),
and print what the models give."""

import json

import pytest

from data_paths import requires_dialogsum
from data_paths import requires_multi30k
from readme_blocks import readme_blocks
from readme_blocks import run_bash_block
from readme_blocks import scratch_checkout

BASH = [(line, body) for lang, body, skip, line in readme_blocks()
        if lang == "bash" and skip is None]


def check_translate(stdout, work):
    from keras_s2s import zoo

    expected = zoo.load("bilstm_attn_mt").generate(
        ["A man rides a horse.", "Two dogs play.", "A woman sings on a stage."])
    assert stdout.splitlines() == expected


def check_summaries_and_captions(stdout, work):
    from keras_s2s import zoo
    from keras_s2s.datasets import caption_is_correct
    from keras_s2s.datasets import generate_shapes
    from keras_s2s.datasets import read_jsonl_fields

    lines = stdout.splitlines()
    dialogues = read_jsonl_fields(work / "dialogues.jsonl", "dialogue")[0]
    assert lines[:3] == zoo.load("pointer_generator_summ").generate(dialogues)
    scenes = generate_shapes(2, seed=7)[2]
    assert len(lines) == 5
    assert all(caption_is_correct(c, s) for c, s in zip(lines[3:], scenes))


def check_release(stdout, work):
    from keras_s2s import zoo

    sums = dict(reversed(line.split()) for line in open(
        "/tmp/keras-s2s-release/SHA256SUMS").read().splitlines())
    for name in zoo.list():
        preset = zoo.describe(name)
        for spec in [preset["weights"], preset["shortlist"]] + list(
                (preset["vocab"] or {}).values()):
            if spec:
                assert sums[spec["file"]] == spec["sha256"], spec["file"]


def check_train_evaluate_translate_plot(stdout, work):
    import tensorflow as tf

    from keras_s2s.models import load_model

    metrics = json.loads(stdout[stdout.index("{"):stdout.rindex("}") + 1])
    assert metrics["examples"] == 16 and "bleu" in metrics
    from keras_s2s.plotting import model_alignment

    *_, translation, plotted, wrote = stdout.rstrip("\n").splitlines()
    model = load_model(work / "runs" / "mt")
    assert translation == model.generate(["A man rides a horse."])[0]
    assert plotted == model_alignment(model, ["A man rides a horse."])[3]
    assert wrote == "Wrote attention.png"
    image = tf.io.decode_png((work / "attention.png").read_bytes()).numpy()
    assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0


def check_export(stdout, work):
    """`check-export`'s report of the export written with `--no-check`;
    then both exports answer on TF Serving's C++ path: the default one as
    `model.generate` does, the second with the n-best settings and limits
    its command line gave."""
    import numpy as np

    from keras_s2s import zoo
    from keras_s2s.export import ServingError
    from keras_s2s.export import predict_request
    from keras_s2s.export import run_serving_path

    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["loaded"] is True and report["warmup_records"] == 4
    assert sorted(p.name for p in (work / "exports" / "mt").iterdir()) == ["1"]
    texts = ["A man rides a horse.", "Two dogs are playing in the snow."]
    _, (best, nbest) = run_serving_path(
        work / "saved_models" / "bilstm_attn_mt" / "1",
        [predict_request({"inputs": texts}),
         predict_request({"inputs": texts[:1]}, "nbest")])
    expected = zoo.load("bilstm_attn_mt").generate(texts)
    assert [s.decode() for s in best["outputs"]] == expected
    assert nbest["outputs"].shape == (1, 5)  # the model's beam
    assert nbest["outputs"][0, 0].decode() == expected[0]
    _, (three, wide, long) = run_serving_path(
        work / "exports" / "mt" / "1", [
            predict_request({"inputs": texts[:1]}, "nbest"),
            predict_request({"inputs": texts[:1], "beam_size": np.int32(17)},
                            "nbest_options_unbatched"),
            predict_request({"inputs": texts[:1], "max_length": np.int32(201)},
                            "nbest_options_unbatched")])
    assert three["outputs"].shape == (1, 3)  # --num-return 3
    for refused, limit in ((wide, "max_beam_size 16"),
                           (long, "max_output_length 200")):
        assert isinstance(refused, ServingError)
        assert refused.name == "INVALID_ARGUMENT" and limit in refused.message


#: What each block prints, checked against the models themselves (keyed by
#: a line of the block).
CHECKS = {
    'translate --model bilstm_attn_mt "A man rides': check_translate,
    "--input dialogues.jsonl:dialogue": check_summaries_and_captions,
    "zoo release /tmp/keras-s2s-release": check_release,
    "plot-attention --model runs/mt": check_train_evaluate_translate_plot,
    "check-export exports/mt/1": check_export,
}


def test_every_block_has_its_check():
    for line, body in BASH:
        assert sum(key in body for key in CHECKS) == 1, f"README line {line}"


@requires_multi30k
@requires_dialogsum
@pytest.mark.parametrize("line, body", BASH,
                         ids=[f"line{line}" for line, _ in BASH])
def test_readme_shell_block_runs(line, body, tmp_path):
    work = scratch_checkout(tmp_path)
    proc = run_bash_block(body, work)
    assert proc.returncode == 0, (f"README line {line}", proc.stdout[-2000:],
                                  proc.stderr[-4000:])
    check = next(check for key, check in CHECKS.items() if key in body)
    check(proc.stdout, work)
