"""`--data`: parsed once into a `DataSpec` that loads every split (and
`read_corpus`, the texts `keras-s2s vocab --input` names).

Accepted specs:
- `multi30k:en-de` (any of en/de; train, val and test splits),
- `dialogsum` (train, dev as val),
- `shapes` or `shapes:N` (N procedural scenes; default 6,000; 10% held out),
- `SRC_FILE,TGT_FILE` (two line-aligned text files; 5% held out),
- `FILE.jsonl:SOURCE_FIELD:TARGET_FIELD` (5% held out),
- `CAPTIONS.json:IMAGE_DIR` (COCO captions JSON and its image folder; 5%
  held out).
"""

import dataclasses

import numpy as np

FORMS = ("multi30k:SRC-TGT (e.g. multi30k:en-de), dialogsum, shapes[:N], "
         "SRC_FILE,TGT_FILE, FILE.jsonl:SOURCE_FIELD:TARGET_FIELD or "
         "CAPTIONS.json:IMAGE_DIR")
#: What the sources of each kind of data are (`Seq2Seq.contract.source`
#: must match).
DATA_SOURCE = {"translation": "text", "summarization": "text",
               "captioning": "image"}
#: The metric each task is scored with.
TASK_METRIC = {"translation": "bleu", "summarization": "rouge",
               "captioning": "caption"}
SHAPES_SCENES = 6000


def _split_indices(n, held_out, seed):
    """`(validation, training)` indices of `n` examples: one permutation
    drawn from `seed`, its first `held_out` share held out."""
    order = np.random.default_rng(seed).permutation(n)
    cut = max(1, int(n * held_out))
    return order[:cut], order[cut:]


def held_out_indices(n, held_out, seed=0):
    """The indices a spec holds out of `n` examples for validation, in
    their order (the training split is the rest of the same permutation)."""
    return _split_indices(n, held_out, seed)[0]


def _split(sources, targets, held_out, seed=0):
    val, train = _split_indices(len(targets), held_out, seed)

    def pick(xs, idx):
        return xs[idx] if isinstance(xs, np.ndarray) else [xs[i] for i in idx]

    return ((pick(sources, train), pick(targets, train)),
            (pick(sources, val), pick(targets, val)))


def load_images(paths, size):
    """Reads image files into float32 [n, size, size, 3] (resized)."""
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


def _one_caption_per_pair(images, captions):
    """Training pairs: every caption of every image."""
    return (np.repeat(images, [len(c) for c in captions], axis=0),
            [c for cs in captions for c in cs])


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """A parsed `--data` argument: what the data is and how to load it.

    Args:
        text: the spec as given.
        kind: `"multi30k"`, `"dialogsum"`, `"shapes"`, `"parallel"`,
            `"jsonl"` or `"coco"`.
        task: `"translation"`, `"summarization"` or `"captioning"`.
        args: the spec's parts (languages, scene count, paths, fields).

    Example:
    >>> spec = DataSpec.parse("multi30k:en-de")
    >>> spec.task, spec.source, spec.metric
    ('translation', 'text', 'bleu')
    >>> (train_en, train_de), (val_en, val_de) = spec.load()
    """

    text: str
    kind: str
    task: str
    args: tuple = ()

    @classmethod
    def parse(cls, text):
        """Parses a `--data` string; `ValueError` names the valid forms."""
        text = str(text)
        if text.startswith("multi30k"):
            pair = text.split(":", 1)[1] if ":" in text else "en-de"
            parts = pair.split("-")
            if len(parts) != 2 or not all(parts):
                raise ValueError(f"--data {text!r}: expected multi30k:SRC-TGT, "
                                 "e.g. multi30k:en-de.")
            return cls(text, "multi30k", "translation", tuple(parts))
        if text == "dialogsum":
            return cls(text, "dialogsum", "summarization")
        if text.startswith("shapes"):
            count = text.split(":", 1)[1] if ":" in text else str(SHAPES_SCENES)
            if not count.isdigit() or int(count) < 2:
                raise ValueError(f"--data {text!r}: expected shapes or "
                                 "shapes:N with N >= 2 scenes.")
            return cls(text, "shapes", "captioning", (int(count),))
        if "," in text:
            return cls(text, "parallel", "translation",
                       tuple(text.split(",", 1)))
        if ".jsonl:" in text:
            path, fields = text.split(".jsonl:", 1)
            fields = fields.split(":")
            if len(fields) != 2 or not all(fields):
                raise ValueError(f"--data {text!r}: expected FILE.jsonl:"
                                 "SOURCE_FIELD:TARGET_FIELD.")
            return cls(text, "jsonl", "summarization",
                       (path + ".jsonl", *fields))
        if ".json:" in text:
            path, image_dir = text.split(".json:", 1)
            return cls(text, "coco", "captioning", (path + ".json", image_dir))
        raise ValueError(f"--data {text!r} is not a data set name or file "
                         f"spec; use {FORMS}.")

    @property
    def source(self):
        """`"text"` or `"image"`: what the data's sources are."""
        return DATA_SOURCE[self.task]

    @property
    def metric(self):
        """`"bleu"`, `"rouge"` or `"caption"`."""
        return TASK_METRIC[self.task]

    def load(self, image_size=64, seed=0):
        """`((train_sources, train_targets), (val_sources, val_targets))`.

        Captioning sources are image arrays; every caption of a training
        image is a pair, and validation keeps each image's first caption.
        `seed` draws the held-out part of data sets without a fixed split
        (and the `shapes` scenes themselves).
        """
        if self.kind == "multi30k":
            from keras_s2s.datasets import load_multi30k

            return (load_multi30k("train", *self.args),
                    load_multi30k("val", *self.args))
        if self.kind == "dialogsum":
            from keras_s2s.datasets import load_dialogsum

            return load_dialogsum("train"), load_dialogsum("dev")
        if self.kind == "parallel":
            from keras_s2s.datasets import read_parallel

            return _split(*read_parallel(*self.args), 0.05, seed)
        if self.kind == "jsonl":
            from keras_s2s.datasets import read_jsonl_pairs

            return _split(*read_jsonl_pairs(*self.args), 0.05, seed)
        images, captions = self._images_and_captions(image_size, seed)
        (train_x, train_c), (val_x, val_c) = _split(
            images, captions, self._held_out, seed)
        return (_one_caption_per_pair(train_x, train_c),
                (val_x, [cs[0] for cs in val_c]))

    def split(self, name, image_size=64, seed=0):
        """One split's `(sources, targets)`: `"train"`, `"val"` or
        `"test"` (Multi30k's test_2016_flickr only)."""
        if name == "test":
            if self.kind != "multi30k":
                raise ValueError(f"--data {self.text!r} has no test split; "
                                 "use val (held out from training).")
            from keras_s2s.datasets import load_multi30k

            return load_multi30k("test", *self.args)
        if name not in ("train", "val"):
            raise ValueError(f"Unknown split {name!r}; valid splits are "
                             "train, val, test.")
        train, val = self.load(image_size, seed)
        return train if name == "train" else val

    def held_out_scenes(self, seed=0):
        """For `shapes`: the objects and all captions of each validation
        scene, in evaluation order; None for other data."""
        if self.kind != "shapes":
            return None
        from keras_s2s.datasets import generate_shapes

        n = self.args[0]
        _, captions, scenes = generate_shapes(n, seed=seed)
        held_out = held_out_indices(n, self._held_out, seed)
        return ([scenes[i] for i in held_out],
                [list(captions[i]) for i in held_out])

    @property
    def _held_out(self):
        return 0.1 if self.kind == "shapes" else 0.05

    def _images_and_captions(self, image_size, seed):
        if self.kind == "shapes":
            from keras_s2s.datasets import generate_shapes

            images, captions, _ = generate_shapes(
                self.args[0], image_size=image_size, seed=seed)
            return images, captions
        from keras_s2s.datasets import read_coco_captions

        paths, captions = read_coco_captions(*self.args)
        return load_images(paths, image_size), captions


def read_corpus(spec):
    """Texts to train a vocabulary on (`keras-s2s vocab --input`): a file
    (one text per line, .gz ok), `multi30k:LANG` (that side of the training
    split) or `dialogsum` (training dialogues and summaries)."""
    if spec.startswith("multi30k:"):
        from keras_s2s.datasets import load_multi30k

        lang = spec.split(":", 1)[1]
        other = "de" if lang != "de" else "en"
        return load_multi30k("train", lang, other)[0]
    if spec == "dialogsum":
        from keras_s2s.datasets import load_dialogsum

        dialogues, summaries = load_dialogsum("train")
        return dialogues + summaries
    from keras_s2s.datasets import read_lines

    return read_lines(spec)


def load_data(spec, image_size=64, seed=0):
    """`(task, (train_sources, train_targets), (val_sources, val_targets))`
    for a `--data` string (see `DataSpec`)."""
    spec = DataSpec.parse(spec)
    return (spec.task, *spec.load(image_size, seed))
