"""Reads TensorBoard event files back, for tests that check what a run
logged."""

import tensorflow as tf


def tensorboard_events(folder):
    """{tag: [value per step]} from the event files in `folder`: floats for
    scalars, str for text, PNG bytes for images."""
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        values = []
        for event in acc.Tensors(tag):
            array = tf.make_ndarray(event.tensor_proto)
            if array.dtype == object:  # text, or [w, h, png...] images
                item = array.reshape(-1)[-1]
                values.append(item if item[:4] == b"\x89PNG"
                              else item.decode())
            else:
                values.append(float(array))
        out[tag] = values
    return out
