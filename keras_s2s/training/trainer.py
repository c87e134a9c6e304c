"""`train` and `evaluate`: the work behind `keras-s2s train` / `evaluate`."""

import json
import os

import keras

from keras_s2s.training.data_spec import DataSpec
from keras_s2s.training.epoch_tensorboard import EpochTensorBoard
from keras_s2s.training.evaluator import RUN_FILE
from keras_s2s.training.fused_adam import FusedAdam
from keras_s2s.training.masked_cross_entropy import MaskedCrossEntropy
from keras_s2s.training.multi_worker_loop import fit_multi_worker
from keras_s2s.training.multi_worker_loop import wait_for_all_workers
from keras_s2s.training.precision import resolve_precision
from keras_s2s.training.precision import training_policy
from keras_s2s.training.resumable_checkpoint import ResumableCheckpoint
from keras_s2s.training.resumable_checkpoint import ensure_free_space
from keras_s2s.training.resumable_checkpoint import state_bytes
from keras_s2s.training.strategies import make_strategy
from keras_s2s.training.tensorboard_samples import TensorBoardSamples
from keras_s2s.training.warm_start import warm_start
from keras_s2s.training.warmup_schedule import WarmupInverseSqrt

MONITOR = {"bleu": "val_bleu", "rouge": "val_rouge1", "caption": "val_CIDEr-D"}


def _tokenizers(contract, subword_model, train, out_dir, vocab_size,
                model_tokenizers, symbols=()):
    """Reuses the run's (or the starting model's) vocabularies, else trains
    them on the training data as the model's contract asks (one shared
    vocabulary, or one per side; none for non-text sources), with
    `symbols` kept whole, and keeps them in `<out_dir>/vocab`."""
    from keras_s2s.text import SentencePieceTokenizer
    from keras_s2s.text import train_sentencepiece

    vocab_dir = os.path.join(out_dir, "vocab")
    src_tok, tgt_tok = model_tokenizers
    paths = {side: os.path.join(vocab_dir, f"{side}.spm")
             for side in ("source", "target")}
    if tgt_tok is not None:
        return src_tok, tgt_tok
    if os.path.exists(paths["target"]):
        tgt_tok = SentencePieceTokenizer(paths["target"])
        if os.path.exists(paths["source"]):
            src_tok = SentencePieceTokenizer(paths["source"])
        return src_tok, tgt_tok
    os.makedirs(vocab_dir, exist_ok=True)
    sources, targets = train
    if contract.shared_vocabulary:
        proto = train_sentencepiece(list(sources) + list(targets), vocab_size,
                                    model_type=subword_model,
                                    user_defined_symbols=symbols)
        src_tok = tgt_tok = SentencePieceTokenizer(proto)
    else:
        tgt_tok = SentencePieceTokenizer(train_sentencepiece(
            targets, vocab_size, model_type=subword_model,
            user_defined_symbols=symbols))
        if contract.source == "text":
            src_tok = SentencePieceTokenizer(train_sentencepiece(
                sources, vocab_size, model_type=subword_model,
                user_defined_symbols=symbols))
    for side, tok in (("source", src_tok), ("target", tgt_tok)):
        if tok is not None:
            with open(paths[side], "wb") as f:
                f.write(tok.proto)
    return src_tok, tgt_tok


def _check_source(what, contract, data_source, data):
    if contract.source != data_source:
        raise ValueError(f"{what} reads {contract.source} sources, but "
                         f"--data {data!r} gives {data_source} sources.")


def _init_model(init_from, saved, data_source, data):
    """The model `--init-from` names, loaded (None without one)."""
    from keras_s2s.models import load_model

    if init_from is None:
        return None
    if saved is not None:
        raise ValueError("--init-from starts a zoo model by name; a model "
                         "to fine-tune (a .keras file, a run or zoo:NAME) "
                         "already has its weights.")
    start = load_model(init_from)
    _check_source(init_from, start.contract, data_source, data)
    return start


def _record_warm_start(out_dir, init_from, report, verbose):
    path = os.path.join(out_dir, RUN_FILE)
    with open(path) as f:
        run = json.load(f)
    run["init_from"] = {"model": os.path.abspath(init_from), **report}
    with open(path, "w") as f:
        json.dump(run, f, indent=1)
    if verbose:
        print(f"Started from {init_from}: {len(report['copied'])} weights "
              f"copied, {len(report['fresh'])} fresh "
              f"({', '.join(report['fresh']) or 'none'}), "
              f"{len(report['unused'])} unused "
              f"({', '.join(report['unused']) or 'none'}).")


def _load_saved(model, data_source, data, overrides=None):
    """The model to fine-tune: a .keras file or run folder, or `zoo:NAME`
    (pretrained, with its own vocabularies and any `overrides`); None for a
    bare zoo name (random initialisation)."""
    from keras_s2s import zoo
    from keras_s2s.models import load_model
    from keras_s2s.models.model_source import ZOO_PREFIX
    from keras_s2s.models.model_source import saved_model_path
    from keras_s2s.models.model_source import zoo_name

    if model.startswith(ZOO_PREFIX):
        _check_source(f"Model {zoo_name(model)!r}",
                      zoo.contract(zoo_name(model), **(overrides or {})),
                      data_source, data)
    elif saved_model_path(model) is None:
        return None
    net = load_model(model, **(overrides or {}))
    _check_source(model, net.contract, data_source, data)
    return net


def train(model="bilstm_attn_mt", data="multi30k:en-de", out_dir="runs/run",
          epochs=10, batch_size=64, learning_rate=1e-3, warmup_steps=0,
          label_smoothing=0.1, clipnorm=1.0, checkpoint_every=200,
          strategy="default", mixed_precision=False, precision="float32",
          matmul_precision="float32", vocab_size=8000,
          max_length=100, max_examples=None, patience=None,
          freeze_encoder=False, overrides=None, val_examples=200,
          val_loss_examples=None, image_size=64, seed=0, init_from=None,
          verbose=1):
    """Trains (or fine-tunes) a model; a restart with the same arguments and
    `out_dir` resumes from the last checkpoint, skipping the batches done.

    Writes `<out_dir>/model.keras` (the final model, tokenizers inside),
    `vocab/`, `checkpoints/`, TensorBoard `logs/`, `history.json` and
    `run.json` (the data, seed and image size, which `evaluate` reuses to
    hold out the same examples, and the dtype policy trained with).
    `precision` is `"float32"`, `"bfloat16"` (Keras' `mixed_bfloat16`) or
    `"auto"` (bfloat16 where the machine has bfloat16 matrix units, see
    `keras_s2s.training.precision`); `mixed_precision=True` means
    `"bfloat16"`. `matmul_precision` (`"float32"`, the default, `"bfloat16"`
    or `"auto"`: bfloat16 where the machine has bfloat16 units) is the
    model's `Seq2Seq.matmul_precision` while it trains: with float32
    weights and states, the decoder's recurrent and output products in
    bfloat16 (1.2-1.3x the sentences per second on Multi30k before the
    float32 step got faster, `keras_s2s.layers.pretransposed`; the
    validation loss followed float32 on one seed and not on another:
    `benchmarks/precision.py`).
    `init_from` (a `.keras` file or run folder) starts a zoo model from the
    weights of a related one, each copied where its path and shape match
    (`keras_s2s.training.warm_start`), with that model's vocabularies; a
    resumed run restores its checkpoint instead. The weights copied and
    left fresh go to `run.json`.
    Each epoch ends with the validation loss over the first
    `val_loss_examples` validation pairs (None: all of them) and the
    validation metric (BLEU, ROUGE or caption scores) over the greedy
    outputs for the first `val_examples`.
    Returns `(model, history)`.
    """
    settings = dict(locals())
    previous_policy = keras.mixed_precision.global_policy()
    try:
        return _train(**settings)
    finally:  # --mixed-precision must not leak into what the caller does next
        keras.mixed_precision.set_global_policy(previous_policy)


def _save_model(net, path):
    """Saves `net` to `path` atomically, after checking the disk has room:
    a full disk leaves the previous file (and the checkpoints) whole."""
    # The tokenizers' protos and the config travel too: a few MB at most.
    ensure_free_space(path, int(state_bytes(net) * 1.05) + (4 << 20))
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    try:
        net.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _bucket_boundaries(max_length):
    """Length buckets (of the longer of source and target): two pieces wide
    up to 24, where sentences are (Multi30k: 94% of the padded target
    positions real at batch 64, against 64% with the coarser source-length
    buckets used before: `benchmarks/bucketing.py`), coarser up to
    `max_length` for documents and dialogues
    (one bucket past 50 tokens padded a batch of short dialogues to the
    longest one)."""
    edges = [6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 27, 30, 35, 40, 50, 75,
             100, 150, 200, 250, 300, 400, 600]
    return [e for e in edges if max_length is None or e < max_length]


def _train(*, model, data, out_dir, epochs, batch_size, learning_rate,
           warmup_steps, label_smoothing, clipnorm, checkpoint_every,
           strategy, mixed_precision, precision, matmul_precision,
           vocab_size, max_length,
           max_examples,
           patience, freeze_encoder, overrides, val_examples,
           val_loss_examples, image_size, seed, init_from, verbose):
    from keras_s2s import zoo
    from keras_s2s.datasets import make_seq2seq_dataset
    from keras_s2s.metrics import GenerationMetricsCallback

    policy = training_policy("bfloat16" if mixed_precision else precision)
    products = resolve_precision(matmul_precision)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, RUN_FILE), "w") as f:
        json.dump({"model": model, "data": data, "seed": seed,
                   "image_size": image_size, "policy": policy,
                   "matmul_precision": products}, f, indent=1)
    # Multi-worker collectives must be set up before any other TF op runs.
    dist = make_strategy(strategy)
    keras.utils.set_random_seed(seed)
    keras.mixed_precision.set_global_policy(policy)
    spec = DataSpec.parse(data)
    train_pairs, val_pairs = spec.load(image_size, seed)
    if max_examples:
        train_pairs = tuple(x[:max_examples] for x in train_pairs)
    if val_loss_examples:
        val_loss_pairs = tuple(x[:val_loss_examples] for x in val_pairs)
    else:
        val_loss_pairs = val_pairs
    data_source = spec.source
    with dist.scope():  # a saved model to fine-tune is loaded once
        saved = _load_saved(model, data_source, data, overrides)
        start = _init_model(init_from, saved, data_source, data)
    if saved is not None:
        contract, subword_model, symbols = saved.contract, "unigram", ()
    else:
        overrides = dict(overrides or {})
        contract = zoo.contract(model, **overrides)
        if contract.source == "image":  # built for the images --data makes
            overrides.setdefault("image_size", image_size)
        _check_source(f"Model {model!r}", contract, data_source, data)
        subword_model = zoo.preset(model).subword_model
        symbols = zoo.preset(model).user_defined_symbols
    given = saved if saved is not None else start
    src_tok, tgt_tok = _tokenizers(
        contract, subword_model, train_pairs, out_dir, vocab_size,
        (given.source_tokenizer, given.target_tokenizer) if given
        else (None, None), symbols)
    with dist.scope():
        if saved is None:
            saved = zoo.load(model, pretrained=False,
                             source_tokenizer=src_tok,
                             target_tokenizer=tgt_tok, **overrides)
        net = saved
        if start is not None:
            _record_warm_start(out_dir, init_from, warm_start(net, start),
                               verbose)
            del start
        net.matmul_precision = products
        if freeze_encoder:
            net.encoder.trainable = False
        schedule = WarmupInverseSqrt(learning_rate, warmup_steps)
        net.compile(optimizer=FusedAdam(schedule, clipnorm=clipnorm),
                    loss=MaskedCrossEntropy(label_smoothing))
    text_source = net.contract.source == "text"
    source_tok = net.source_tokenizer if text_source else None
    stream, report = make_seq2seq_dataset(
        *train_pairs, net.target_tokenizer, source_tok,
        batch_size=batch_size, max_source_length=max_length,
        max_target_length=max_length, shuffle=True, seed=seed, repeat=True,
        bucket_boundaries=(_bucket_boundaries(max_length) if text_source
                           else None))
    val_ds, _ = make_seq2seq_dataset(
        *val_loss_pairs, net.target_tokenizer, source_tok,
        batch_size=batch_size, max_source_length=max_length,
        max_target_length=max_length, length_policy="truncate", shuffle=False)
    if verbose:
        print(f"{spec.task}: {report['kept']:,} training pairs kept of "
              f"{report['examples']:,} ({report['dropped_too_long']} too "
              f"long, {report['dropped_empty']} empty); "
              f"{net.count_params():,} parameters; {policy}")
    steps = max(1, report["kept"] // batch_size)
    if strategy == "multi_worker":
        return _train_multi_worker(net, stream, val_ds, steps, epochs, dist,
                                   out_dir, verbose)
    checkpoint = ResumableCheckpoint(os.path.join(out_dir, "checkpoints"),
                                     every=checkpoint_every)
    done = checkpoint.restore(net)
    finished = done >= epochs * steps
    if done and verbose:
        print(f"The checkpoint at step {done} completes the {epochs} "
              "epoch(s) asked for; nothing to train (raise --epochs to "
              "train on)." if finished else
              f"Resuming from step {done} (epoch {done // steps + 1} of "
              f"{epochs}).")
    metric = spec.metric
    val_sources, val_refs = (x[:val_examples] for x in val_pairs)
    # The metrics callback comes before TensorBoard, which then logs the
    # validation metrics it added to the epoch's logs.
    callbacks = [
        checkpoint,
        GenerationMetricsCallback(
            lambda xs: net.generate(xs, method="greedy"), val_sources,
            val_refs, metric=metric),
        EpochTensorBoard(os.path.join(out_dir, "logs"),
                         update_freq=max(1, checkpoint_every)),
        TensorBoardSamples(val_sources, val_refs,
                           os.path.join(out_dir, "logs")),
    ]
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            MONITOR[metric], mode="max", patience=patience))
    history = {}

    def run(first_epoch, last_epoch, steps_per_epoch, skip):
        # shuffle=False: the stream is shuffled by tf.data already (fit
        # would only warn that it ignores shuffle for a dataset).
        h = net.fit(stream.skip(skip), validation_data=val_ds, shuffle=False,
                    steps_per_epoch=steps_per_epoch, initial_epoch=first_epoch,
                    epochs=last_epoch, callbacks=callbacks, verbose=verbose)
        for key, values in h.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)

    epoch, offset = divmod(done, steps)
    if offset and epoch < epochs:  # finish the interrupted epoch first
        run(epoch, epoch + 1, steps - offset, done)
        epoch, done = epoch + 1, (epoch + 1) * steps
    if epoch < epochs and not net.stop_training:
        run(epoch, epochs, steps, done)
    history_path = os.path.join(out_dir, "history.json")
    if finished and os.path.exists(history_path):
        with open(history_path) as f:  # keep the finished run's history
            return net, json.load(f)
    _save_model(net, os.path.join(out_dir, "model.keras"))
    with open(history_path, "w") as f:
        json.dump(history, f, indent=1)
    return net, history


def _train_multi_worker(net, stream, val_ds, steps, epochs, dist, out_dir,
                        verbose):
    """Keras' fit() cannot run under MultiWorkerMirroredStrategy: a custom
    loop trains instead (no step checkpoints or generation metrics). The
    chief writes `<out_dir>/model.keras` and its TensorBoard losses in
    `<out_dir>/logs`; worker k > 0 writes into `<out_dir>/worker-k/`, so
    workers sharing a file system do not clash."""
    resolver = dist.cluster_resolver
    task_id = (resolver.task_id or 0) if resolver is not None else 0
    if resolver is not None and resolver.task_type == "chief":
        task_id = 0
    elif resolver is not None and "chief" in resolver.cluster_spec().jobs:
        task_id += 1  # workers count after the chief
    if task_id:
        out_dir = os.path.join(out_dir, f"worker-{task_id}")
        os.makedirs(out_dir, exist_ok=True)
    history = fit_multi_worker(net, stream, steps, epochs, dist,
                               validation_data=val_ds, verbose=verbose,
                               log_dir=os.path.join(out_dir, "logs"))
    _save_model(net, os.path.join(out_dir, "model.keras"))
    with open(os.path.join(out_dir, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    wait_for_all_workers(dist, "keras_s2s/train/end")
    return net, history
