"""`keras-s2s generate` reads multi-line inputs from JSON Lines and uses the
model's own search settings unless told otherwise."""

import json

from keras_s2s import zoo
from keras_s2s.cli import main
from keras_s2s.text import train_sentencepiece

DIALOGUES = ["#Person1#: Hello, how are you?\n#Person2#: Fine, thanks.",
             "#Person1#: Where is the station?\n#Person2#: Over there.\n"
             "#Person1#: Thanks."]


def _summarizer(tmp_path):
    proto = train_sentencepiece(DIALOGUES * 20 + ["Person1 asks the way."],
                                300, progress=False)
    model = zoo.load("bigru_attn_summ", pretrained=False,
                     source_tokenizer=proto, target_tokenizer=proto,
                     encoder={"units": 8, "embedding_dim": 8},
                     decoder={"units": 8, "embedding_dim": 8},
                     attention={"units": 8},
                     generation={"max_length": 5, "beam_size": 2})
    model.save(tmp_path / "summ.keras")
    return model


def test_generate_reads_a_jsonl_field(tmp_path, capsys):
    model = _summarizer(tmp_path)
    path = tmp_path / "dialogues.jsonl"
    path.write_text("".join(json.dumps({"dialogue": d, "id": i}) + "\n"
                            for i, d in enumerate(DIALOGUES)))
    capsys.readouterr()
    assert main(["generate", "--model", str(tmp_path / "summ.keras"),
                 "--input", f"{path}:dialogue"]) == 0
    printed = capsys.readouterr().out.splitlines()
    # One output per dialogue (not per turn), with the model's own search.
    assert printed == model.generate(DIALOGUES)
    assert len(printed) == 2
    assert main(["generate", "--model", str(tmp_path / "summ.keras"),
                 "--input", f"{path}:summary"]) == 2
    assert "line 1: field 'summary' is missing or empty" in \
        capsys.readouterr().err


def test_generate_options_override_the_model_defaults(tmp_path, capsys):
    model = _summarizer(tmp_path)
    capsys.readouterr()
    assert main(["generate", "--model", str(tmp_path / "summ.keras"),
                 "--method", "greedy", "--beam-size", "3", "Hi there."]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == model.generate(["Hi there."], method="greedy")
