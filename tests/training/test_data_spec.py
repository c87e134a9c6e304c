import numpy as np
import pytest

from keras_s2s.training import DataSpec


@pytest.mark.parametrize("text,kind,task,source,metric,args", [
    ("multi30k:en-de", "multi30k", "translation", "text", "bleu",
     ("en", "de")),
    ("multi30k", "multi30k", "translation", "text", "bleu", ("en", "de")),
    ("dialogsum", "dialogsum", "summarization", "text", "rouge", ()),
    ("shapes:40", "shapes", "captioning", "image", "caption", (40,)),
    ("a.en,b.de", "parallel", "translation", "text", "bleu",
     ("a.en", "b.de")),
    ("d.jsonl:dialogue:summary", "jsonl", "summarization", "text", "rouge",
     ("d.jsonl", "dialogue", "summary")),
    ("caps.json:images", "coco", "captioning", "image", "caption",
     ("caps.json", "images")),
])
def test_one_parser_for_every_form(text, kind, task, source, metric, args):
    spec = DataSpec.parse(text)
    assert (spec.kind, spec.task, spec.source, spec.metric, spec.args) == (
        kind, task, source, metric, args)


@pytest.mark.parametrize("text,words", [
    ("multi30k:en", "expected multi30k:SRC-TGT"),
    ("shapes:x", "shapes:N with N >= 2"),
    ("d.jsonl:only", "FILE.jsonl:SOURCE_FIELD:TARGET_FIELD"),
    ("nonsense", "multi30k:SRC-TGT .* dialogsum, shapes"),
])
def test_bad_specs_name_the_valid_forms(text, words):
    with pytest.raises(ValueError, match=words):
        DataSpec.parse(text)


def test_held_out_lines_are_the_seeds_and_never_trained_on(tmp_path):
    src, tgt = tmp_path / "s.txt", tmp_path / "t.txt"
    src.write_text("".join(f"source {i}\n" for i in range(60)))
    tgt.write_text("".join(f"target {i}\n" for i in range(60)))
    spec = DataSpec.parse(f"{src},{tgt}")
    splits = {}
    for seed in (0, 1):
        (train_s, train_t), (val_s, val_t) = spec.load(seed=seed)
        assert sorted(train_s + val_s) == sorted(f"source {i}"
                                                 for i in range(60))
        assert [s.split()[1] for s in val_s] == [t.split()[1] for t in val_t]
        assert len(val_s) == 3  # 5%
        splits[seed] = val_s
        assert spec.split("val", seed=seed) == (val_s, val_t)
    assert splits[0] != splits[1]
    with pytest.raises(ValueError, match="no test split"):
        spec.split("test")


def test_shapes_validation_images_follow_the_seed():
    spec = DataSpec.parse("shapes:20")
    (_, _), (a, _) = spec.load(image_size=16, seed=0)
    (_, _), (b, _) = spec.load(image_size=16, seed=5)
    assert a.shape == (2, 16, 16, 3)
    assert not np.array_equal(a, b)
