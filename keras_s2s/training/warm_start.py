"""Start a model from the weights of a related one (`train --init-from`)."""

import re

import keras
import numpy as np


def warm_start(target, source):
    """Copies into `target` every weight of `source` with the same role,
    path and shape.

    A weight's path is taken inside the model's encoder or decoder: the
    attributes that hold its layers (`decoder/attention/query_kernel`,
    `decoder/cells/0/kernel`), so two models match even when their layers
    were numbered apart or are of different classes in the same place. A
    `PointerGeneratorDecoder` and an `AttentionDecoder` share the
    embedding, cells, bridge, attention and output layer (if the
    generator's vocabulary is the whole vocabulary); the pointer's switch
    has no counterpart. A `LocationAttention` (location-aware) and an
    additive `ContentAttention` share the query and key projections and the
    score vector; the location features have none. Both models must be
    built (`zoo.load` builds them).

    Args:
        target: a built `Seq2Seq` whose weights are set.
        source: a built `Seq2Seq` whose weights are read.

    Returns:
        A dict of lists of paths: `copied`; `fresh` (target weights with no
        counterpart, or a different shape, left as they were); `unused`
        (source weights nothing read).

    Raises:
        ValueError: nothing matched (unrelated models), or two weights of one
            model reduce to the same path.

    Example:
    >>> from keras_s2s import zoo
    >>> tiny = {"encoder": {"units": 8, "embedding_dim": 8},
    ...         "decoder": {"units": 8, "embedding_dim": 8},
    ...         "attention": {"units": 8},
    ...         "source_vocab_size": 50, "target_vocab_size": 50}
    >>> a = zoo.load("bigru_attn_summ", pretrained=False, **tiny)
    >>> b = zoo.load("bigru_attn_summ", pretrained=False, **tiny)
    >>> len(warm_start(a, b)["fresh"])
    0
    """
    wanted = _weights_by_path(target)
    given = _weights_by_path(source)
    report = {"copied": [], "fresh": [], "unused": []}
    for path, variable in wanted.items():
        other = given.get(path)
        if other is None or tuple(other.shape) != tuple(variable.shape):
            report["fresh"].append(path)
            continue
        variable.assign(np.asarray(keras.ops.convert_to_numpy(other.value),
                                   dtype=variable.dtype))
        report["copied"].append(path)
    report["unused"] = [p for p in given if p not in wanted
                        or p in report["fresh"]]
    if not report["copied"]:
        raise ValueError(
            "warm_start: no weight of the source matches the target by path "
            f"and shape (target {sorted(wanted)[:4]}..., source "
            f"{sorted(given)[:4]}...).")
    return report


def _weights_by_path(model):
    """{'encoder/...' or 'decoder/...': variable}: the chain of attributes
    (or, for a layer no attribute holds, of names) from the encoder or
    decoder down. Walked through the layers, not read from `variable.path`,
    which records where a variable was created (a deserialized attention
    builds its own outside the decoder's scope)."""
    out = {}
    for role in ("encoder", "decoder"):
        layer = getattr(model, role, None)
        if layer is None:
            continue
        if not layer.built:
            raise ValueError(f"warm_start: the model's {role} is not built; "
                             "build the model first (zoo.load does).")
        for path, variable in _walk(layer, role):
            if path in out and out[path] is not variable:
                raise ValueError(
                    f"warm_start: two weights reduce to the path {path!r}; "
                    "name the layers.")
            out[path] = variable
    return out


def _walk(layer, prefix):
    own = list(layer._trainable_variables) + list(
        layer._non_trainable_variables)
    for variable in own:
        yield f"{prefix}/{variable.name}", variable
    held = _attribute_names(layer)
    for sub in layer._flatten_layers(include_self=False, recursive=False):
        name = held.get(id(sub)) or _reduced_name(sub)
        yield from _walk(sub, f"{prefix}/{name}")


def _attribute_names(layer):
    """{id(sublayer): 'attribute' or 'attribute/index'} for the sublayers
    `layer` holds in its public attributes."""
    names = {}
    for attribute, value in vars(layer).items():
        if attribute.startswith("_"):
            continue
        if isinstance(value, keras.layers.Layer):
            names.setdefault(id(value), attribute)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, keras.layers.Layer):
                    names.setdefault(id(item), f"{attribute}/{index}")
    return names


def _reduced_name(layer):
    """The class's snake-case name for a name Keras generated (the class's
    name, numbered from `_1` when taken; a `_0` suffix is a name given, as
    the decoders give their cells), else the layer's name."""
    auto = _snake_case(type(layer).__name__)
    if re.fullmatch(re.escape(auto) + r"(_[1-9]\d*)?", layer.name):
        return auto
    return layer.name


def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
