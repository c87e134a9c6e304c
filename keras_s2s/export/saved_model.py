"""Writes a model as a versioned SavedModel that stock TF Serving runs."""

import contextlib
import errno
import os
import shutil
import time
import uuid

import tensorflow as tf

from keras_s2s.export.export_settings import ExportSettings
from keras_s2s.export.op_check import check_ops
from keras_s2s.export.serving_harness import check_serving
from keras_s2s.export.serving_module import ServingModule
from keras_s2s.export.shared_constants import share_constants
from keras_s2s.export.warmup import write_warmup_requests
from keras_s2s.training.resumable_checkpoint import ensure_free_space
from keras_s2s.training.resumable_checkpoint import state_bytes

TEXT_WARMUP = [["A man rides a horse on the beach."],
               ["Two dogs play in the snow.", "", "A child reads a book."]]


TMP_PREFIX = ".tmp-"
#: A temporary folder without a process id (older keras-s2s) counts as left
#: behind after this many seconds.
STALE_SECONDS = 3600


def next_version(out_dir):
    """1 + the largest numeric version folder in `out_dir` (1 if none)."""
    if not os.path.isdir(out_dir):
        return 1
    numbers = [int(d) for d in os.listdir(out_dir) if d.isdigit()]
    return max(numbers, default=0) + 1


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_exports(out_dir):
    """Deletes the temporary folders of exports that were killed (their
    process is gone) in `out_dir`; returns the names removed. TF Serving
    never loads them (it reads numeric folders only), but each holds a
    whole model."""
    removed = []
    if not os.path.isdir(out_dir):
        return removed
    for entry in os.listdir(out_dir):
        if not entry.startswith(TMP_PREFIX):
            continue
        parts = entry[len(TMP_PREFIX):].split("-")
        path = os.path.join(out_dir, entry)
        if len(parts) == 3 and parts[1].isdigit():
            stale = not _alive(int(parts[1]))
        else:
            stale = time.time() - os.path.getmtime(path) > STALE_SECONDS
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(entry)
    return removed


def _claim_version(tmp, out_dir, version):
    """Renames the finished `tmp` folder to a version folder: `version`, or
    the next free number, retried when a concurrent export took it first
    (the rename is atomic: a version folder appears whole or not at all)."""
    for _ in range(100):
        number = next_version(out_dir) if version is None else version
        target = os.path.join(out_dir, str(number))
        try:
            os.rename(tmp, target)
            return target
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            if version is not None:
                raise FileExistsError(
                    f"export: {target} was written by another export "
                    "meanwhile; TF Serving versions are immutable, choose "
                    "another version.") from None
    raise OSError(f"export: could not claim a version folder in {out_dir} "
                  "(100 concurrent exports?).")


def _image_warmup(size):
    from keras_s2s.datasets import generate_shapes

    images, _, _ = generate_shapes(2, image_size=size, seed=0)
    return [[tf.io.encode_png(image).numpy() for image in images]]


def _as_saving_traces():
    """A context in which tf.functions trace as `tf.saved_model.save` (with
    default options) looks them up. TensorFlow keys its trace cache on the
    save context, so a signature traced outside it is traced again inside
    (seconds per beam search); traced here, once serves both."""
    try:
        from tensorflow.python.saved_model import save_context
        from tensorflow.python.saved_model import save_options
    except ImportError:  # a TensorFlow without them: trace twice
        return contextlib.nullcontext()
    return save_context.save_context(save_options.SaveOptions())


def track_function_variables(module, functions):
    """Tracks, on `module`, the `tf.Variable`s that `functions` (tf.functions
    or concrete functions) capture.

    A Keras 3 variable wraps a `tf.Variable`; saving only the wrapper writes
    a SaverDef that restores into a copy, so TensorFlow's C++
    `LoadSavedModel` (TF Serving's loader) leaves the variables the graph
    reads uninitialized ("Could not find variable ..."). Tracking the
    captured variables themselves, as `keras.export.ExportArchive` does,
    makes the SaverDef restore the ones the functions read.
    """
    seen, variables = set(), []
    for function in functions:
        if hasattr(function, "get_concrete_function"):
            function = function.get_concrete_function()
        for variable in function.variables:
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
    module._serving_variables = variables
    return variables


def export_saved_model(model, out_dir, version=None, name=None,
                       check=True, warmup=True, settings=None):
    """Exports `model` to `<out_dir>/<version>/`, the layout TF Serving watches.

    Tokenization, search and detokenization all run in the graph. The
    SavedModel is written into a hidden temporary folder beside the target
    (`.tmp-<version>-<pid>-...`, which TF Serving ignores: it loads numeric
    folders only), given warm-up requests, checked, then renamed into place,
    so a watching server never sees a partial model and an interrupted
    export leaves no version folder. Without `version`, the number is
    claimed at that rename: concurrent exports to one folder get distinct
    versions. The temporary folders of killed exports are removed by the
    next export to the folder. The saved functions hold each distinct
    constant once (`share_constants`: less memory in the server).

    The check loads the export on TF Serving's own C++ path (TensorFlow's
    `LoadSavedModel`, then the warm-up records replayed as the server does
    before it serves), with a helper program built once with g++ against
    the installed tensorflow wheel (`keras_s2s.export.serving_harness`);
    without a compiler it loads through `tf.compat.v1`'s Session loader,
    which restores variables the same way.

    Args:
        model: a `keras_s2s.models.Seq2Seq` with a target tokenizer (and a
            source tokenizer for text models).
        out_dir: the model's base path.
        version: int or None (the next free integer).
        name: the model name used in warm-up requests (default: the folder
            name of `out_dir`).
        check: refuse graphs with ops stock TF Serving lacks (`check_ops`)
            and exports that TF Serving's C++ loader cannot load and warm up
            (`check_serving`).
        warmup: write `assets.extra/tf_serving_warmup_requests` (requests
            to `serving_default` and `nbest`, those exported).
        settings: an `ExportSettings` (n-best settings and per-request
            limits), by default from the model's `generation_config`;
            recorded in `assets.extra/keras_s2s_export.json`.

    Returns:
        the path of the version folder.
    """
    out_dir = os.path.abspath(out_dir)
    version = None if version is None else int(version)
    if version is not None and os.path.exists(
            os.path.join(out_dir, str(version))):
        raise FileExistsError(f"export: {os.path.join(out_dir, str(version))}"
                              " exists; TF Serving versions are immutable, "
                              "choose another version.")
    name = name or os.path.basename(out_dir)
    image_size = _image_size(model)
    settings = settings or ExportSettings.for_model(model)
    os.makedirs(out_dir, exist_ok=True)
    remove_stale_exports(out_dir)
    # The variables, plus the graphs, vocabularies and warm-up records;
    # checked before the signatures are traced, so a full disk is said at
    # once.
    ensure_free_space(out_dir, int(state_bytes(model) * 1.05) + (16 << 20))
    module = ServingModule(model, image_size=image_size, settings=settings)
    signatures = module.signatures()
    for left_out in set(signatures) - set(settings.signatures):
        # Neither traced nor saved: the object graph must not reach it.
        setattr(module, left_out, None)
        del signatures[left_out]
    with _as_saving_traces(), module.prepared_weights():
        track_function_variables(module, signatures.values())
    tmp = os.path.join(out_dir, f"{TMP_PREFIX}{version or 'next'}-"
                                f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        tf.saved_model.save(module, tmp, signatures=signatures)
        share_constants(tmp)
        settings.write(tmp)
        if check:
            check_ops(tmp)
        if warmup:
            examples = (_image_warmup(image_size) if image_size
                        else TEXT_WARMUP)
            write_warmup_requests(tmp, name, examples, signature_names=[
                n for n in ("serving_default", "nbest")
                if n in signatures])
        if check:
            try:
                check_serving(tmp)
            except ValueError as error:
                raise ValueError(f"export: {error} Nothing was written.") \
                    from None
        target = _claim_version(tmp, out_dir, version)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _image_size(model):
    contract = model.contract
    if contract.source != "image":
        return None
    if contract.image_size is None:
        raise ValueError("export: an image model must read a fixed image "
                         "size (its encoder's `image_size`; zoo models do).")
    return int(contract.image_size)
