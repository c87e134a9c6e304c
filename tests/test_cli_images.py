"""`keras-s2s generate` on a captioning model reads image paths."""

import numpy as np
import tensorflow as tf

from keras_s2s import zoo
from keras_s2s.cli import main
from keras_s2s.datasets import generate_shapes
from keras_s2s.text import train_sentencepiece


def test_generate_captions_image_files(tmp_path, capsys):
    images, captions, _ = generate_shapes(40, seed=1)
    proto = train_sentencepiece([c for cs in captions for c in cs], 300,
                                progress=False)
    model = zoo.load("cnn_attn_caption", pretrained=False,
                     target_tokenizer=proto,
                     encoder={"units": 16, "filters": [8, 8, 8]},
                     decoder={"units": 16, "embedding_dim": 8},
                     attention={"units": 8}, generation={"max_length": 6})
    model.save(tmp_path / "cap.keras")
    paths = []
    for i in range(3):
        path = tmp_path / f"scene{i}.png"
        path.write_bytes(tf.io.encode_png(images[i]).numpy())
        paths.append(str(path))
    (tmp_path / "images.txt").write_text("\n".join(paths) + "\n")
    capsys.readouterr()
    assert main(["generate", "--model", str(tmp_path / "cap.keras"),
                 "--input", str(tmp_path / "images.txt"),
                 "--method", "greedy"]) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = model.generate(np.asarray(images[:3], "float32"),
                              method="greedy")
    assert printed == expected
    (tmp_path / "bad.txt").write_text(str(tmp_path / "missing.png") + "\n")
    assert main(["generate", "--model", str(tmp_path / "cap.keras"),
                 "--input", str(tmp_path / "bad.txt")]) == 2
    assert "missing.png" in capsys.readouterr().err
