"""`evaluate` on shapes scenes checks captions against the held-out scenes."""

import numpy as np
import pytest

from keras_s2s.datasets import caption_is_correct
from keras_s2s.datasets import generate_shapes
from keras_s2s.training import DataSpec


@pytest.mark.parametrize("seed", [0, 3])
def test_scenes_line_up_with_the_held_out_images(seed):
    spec = DataSpec.parse("shapes:50")
    _, (val_images, val_captions) = spec.load(seed=seed)
    scenes, references = spec.held_out_scenes(seed)
    assert len(scenes) == len(val_images) == 5
    images, captions, all_scenes = generate_shapes(50, seed=seed)
    for image, caption, objects in zip(val_images, val_captions, scenes):
        i = next(k for k, s in enumerate(all_scenes) if s == objects)
        np.testing.assert_array_equal(np.asarray(image), images[i])
        assert caption in captions[i]
        assert caption_is_correct(caption, objects)
    for caption, refs, image_objects in zip(val_captions, references, scenes):
        assert caption in refs and len(refs) == 3  # all the scene's captions
        assert all(caption_is_correct(r, image_objects) for r in refs)
    assert DataSpec.parse("multi30k:en-de").held_out_scenes() is None


def test_caption_vocabulary_keeps_whole_words(tmp_path):
    # A unigram model on these few distinct words spelt most of them letter
    # by letter (31 pieces for this 12-word caption); BPE keeps words.
    from keras_s2s import zoo
    from keras_s2s.training.trainer import _tokenizers

    _, captions, _ = generate_shapes(300, seed=0)
    texts = [c for cs in captions for c in cs]
    # What `keras-s2s train` trains for the caption presets (their contract
    # reads images; their preset asks for BPE).
    src, tgt = _tokenizers(zoo.contract("cnn_attn_caption"),
                           zoo.describe("cnn_attn_caption")["subword_model"],
                           (None, texts), str(tmp_path), 512, (None, None))
    assert src is None
    caption = "a small yellow triangle to the right of a large red square"
    ids = np.asarray(tgt.tokenize([caption])[0])
    assert len(ids) == len(caption.split())
    assert tgt.detokenize([ids])[0] == caption
    # The vocabulary written for the run is the one the model tokenizes with.
    assert (tmp_path / "vocab" / "target.spm").read_bytes() == tgt.proto
