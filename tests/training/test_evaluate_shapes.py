"""`evaluate` on shapes scenes checks captions against the held-out scenes."""

import numpy as np

from keras_s2s.datasets import caption_is_correct
from keras_s2s.datasets import generate_shapes
from keras_s2s.training.data_specs import load_data
from keras_s2s.training.trainer import _shapes_scenes


def test_scenes_line_up_with_the_held_out_images():
    _, _, (val_images, val_captions) = load_data("shapes:50")
    scenes = _shapes_scenes("shapes:50", "val")
    assert len(scenes) == len(val_images) == 5
    images, captions, all_scenes = generate_shapes(50, seed=0)
    for image, caption, objects in zip(val_images, val_captions, scenes):
        i = next(k for k, s in enumerate(all_scenes) if s == objects)
        np.testing.assert_array_equal(np.asarray(image), images[i])
        assert caption in captions[i]
        assert caption_is_correct(caption, objects)
    assert _shapes_scenes("multi30k:en-de", "val") is None
