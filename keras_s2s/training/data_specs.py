"""Turning a `--data` argument into training and validation pairs.

Accepted specs:
- `multi30k:en-de` (any of en/de; train, val splits),
- `dialogsum` (train, dev),
- `shapes` or `shapes:N` (N procedural scenes; default 6,000; 10% held out),
- `SRC_FILE,TGT_FILE` (two line-aligned text files; 5% held out unless
  `--val-data` names another pair),
- `FILE.jsonl:SOURCE_FIELD:TARGET_FIELD`,
- `CAPTIONS.json:IMAGE_DIR` (COCO captions JSON and its image folder).
"""

import numpy as np

#: What the sources of each kind of data are (`Seq2Seq.contract.source`
#: must match).
DATA_SOURCE = {"translation": "text", "summarization": "text",
               "captioning": "image"}


def held_out_indices(n, held_out, seed=0):
    """The indices `_split` holds out of `n` examples, in their order."""
    order = np.random.default_rng(seed).permutation(n)
    return order[:max(1, int(n * held_out))]


def _split(sources, targets, held_out, seed=0):
    n = len(targets)
    order = np.random.default_rng(seed).permutation(n)
    cut = max(1, int(n * held_out))
    val, train = order[:cut], order[cut:]

    def pick(xs, idx):
        return xs[idx] if isinstance(xs, np.ndarray) else [xs[i] for i in idx]

    return ((pick(sources, train), pick(targets, train)),
            (pick(sources, val), pick(targets, val)))


def _load_images(paths, size):
    import tensorflow as tf

    images = np.empty((len(paths), size, size, 3), np.float32)
    for i, path in enumerate(paths):
        try:
            data = tf.io.read_file(path)
            image = tf.io.decode_image(data, channels=3,
                                       expand_animations=False)
        except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as e:
            raise ValueError(f"{path}: cannot read the image ({e.message})"
                             ) from None
        images[i] = tf.image.resize(tf.cast(image, tf.float32), [size, size])
    return images


def load_data(spec, image_size=64, seed=0):
    """Returns `(task, (train_sources, train_targets), (val_sources,
    val_targets))`; captioning sources are image arrays and each image's
    first caption is its target (all captions stay available as references
    through `references`)."""
    if spec.startswith("multi30k"):
        from keras_s2s.datasets import load_multi30k

        pair = spec.split(":", 1)[1] if ":" in spec else "en-de"
        try:
            src, tgt = pair.split("-")
        except ValueError:
            raise ValueError(f"--data {spec!r}: expected multi30k:SRC-TGT, "
                             "e.g. multi30k:en-de.") from None
        return ("translation", load_multi30k("train", src, tgt),
                load_multi30k("val", src, tgt))
    if spec == "dialogsum":
        from keras_s2s.datasets import load_dialogsum

        return ("summarization", load_dialogsum("train"),
                load_dialogsum("dev"))
    if spec.startswith("shapes"):
        from keras_s2s.datasets import generate_shapes

        n = int(spec.split(":", 1)[1]) if ":" in spec else 6000
        images, captions, _ = generate_shapes(n, image_size=image_size,
                                              seed=seed)
        # Every caption is a training pair; validation keeps one per image.
        (train_x, train_c), (val_x, val_c) = _split(images, captions, 0.1,
                                                    seed)
        train_images = np.repeat(train_x, [len(c) for c in train_c], axis=0)
        train_text = [c for cs in train_c for c in cs]
        return ("captioning", (train_images, train_text),
                (val_x, [cs[0] for cs in val_c]))
    if "," in spec:
        from keras_s2s.datasets import read_parallel

        src_path, tgt_path = spec.split(",", 1)
        sources, targets = read_parallel(src_path, tgt_path)
        train, val = _split(sources, targets, 0.05, seed)
        return "translation", train, val
    if ".jsonl:" in spec:
        from keras_s2s.datasets import read_jsonl_pairs

        path, fields = spec.split(".jsonl:", 1)
        try:
            source_field, target_field = fields.split(":")
        except ValueError:
            raise ValueError(f"--data {spec!r}: expected FILE.jsonl:SOURCE_"
                             "FIELD:TARGET_FIELD.") from None
        sources, targets = read_jsonl_pairs(path + ".jsonl", source_field,
                                            target_field)
        train, val = _split(sources, targets, 0.05, seed)
        return "summarization", train, val
    if ".json:" in spec:
        from keras_s2s.datasets import read_coco_captions

        path, image_dir = spec.split(".json:", 1)
        paths, captions = read_coco_captions(path + ".json", image_dir)
        images = _load_images(paths, image_size)
        (train_x, train_c), (val_x, val_c) = _split(images, captions, 0.05,
                                                    seed)
        return ("captioning",
                (np.repeat(train_x, [len(c) for c in train_c], axis=0),
                 [c for cs in train_c for c in cs]),
                (val_x, [cs[0] for cs in val_c]))
    raise ValueError(
        f"--data {spec!r} is not a data set name or file spec; use "
        "multi30k:en-de, dialogsum, shapes[:N], SRC_FILE,TGT_FILE, "
        "FILE.jsonl:SOURCE_FIELD:TARGET_FIELD or CAPTIONS.json:IMAGE_DIR.")
