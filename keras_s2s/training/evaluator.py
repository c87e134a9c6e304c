"""`evaluate`: the work behind `keras-s2s evaluate`."""

import json
import os

import keras

from keras_s2s.generation.search_defaults import DEFAULT_BEAM_SIZE
from keras_s2s.training.data_spec import DataSpec

#: What `keras-s2s train` records beside a run's model (see `run_settings`).
RUN_FILE = "run.json"


def run_settings(model):
    """The data settings a run folder was trained with (`seed`,
    `image_size`, `data`), from its `run.json`; {} for anything else."""
    path = os.path.join(os.fspath(model), RUN_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def evaluate(model, data, split="val", method="beam",
             beam_size=DEFAULT_BEAM_SIZE,
             max_examples=None, batch_size=32, out_json=None, verbose=1,
             seed=None, alpha=None, settle=None):
    """Generates for a split and scores it with the data's metric.

    Args:
        model: a run folder (its `model.keras`), a `.keras` file or a zoo
            name (pretrained).
        data: a `--data` spec (`DataSpec`).
        split: `"val"` (held out from training), `"train"` or `"test"`.
        method, beam_size: the search.
        max_examples: int or None. Score the first examples only.
        batch_size: int. Inputs generated at once.
        out_json: optional path the metrics are also written to.
        verbose: show a progress bar over the examples.
        seed: int or None. The seed that drew the held-out part of data
            without a fixed split (and the `shapes` scenes): by default the
            run folder's (its `run.json`), else 0.
        alpha: float or None. The beam search's length penalty (default:
            the model's).
        settle: None (the exact stop) or `"best"`: beam search stops a
            sentence once its best hypothesis has finished, OpenNMT-py's
            rule (`keras_s2s.generation.beam_search`).

    Returns:
        the metrics dict: BLEU (cased and lowercased, sacreBLEU signature),
        ROUGE or caption scores, plus `examples` and `search`.
    """
    from keras_s2s.metrics import caption_scores
    from keras_s2s.metrics import corpus_bleu
    from keras_s2s.metrics import rouge_scores
    from keras_s2s.models import load_model

    spec = DataSpec.parse(data)
    if seed is None:
        seed = run_settings(model).get("seed", 0)
    net = load_model(model)
    contract = net.contract
    sources, references = spec.split(split, image_size=contract.image_size
                                     or 64, seed=seed)
    if max_examples:
        sources, references = sources[:max_examples], references[:max_examples]
    options = {"method": method}
    if method == "beam":
        options["beam_size"] = beam_size
        if alpha is not None:
            options["alpha"] = float(alpha)
        if settle is not None:
            options["settle"] = settle
    elif alpha is not None or settle is not None:
        raise ValueError("evaluate: alpha (the length penalty) and settle "
                         "apply to beam search only; got method='greedy'.")
    outputs = []
    bar = keras.utils.Progbar(len(references), unit_name="example") \
        if verbose else None
    # Past one batch, the search is traced once and run as a graph.
    compiled = len(references) > batch_size
    for start in range(0, len(references), batch_size):
        outputs.extend(net.generate(sources[start:start + batch_size],
                                    compiled=compiled, **options))
        if bar is not None:
            bar.update(min(start + batch_size, len(references)))
    if spec.metric == "bleu":
        cased = corpus_bleu(outputs, references)
        lower = corpus_bleu(outputs, references, lowercase=True)
        metrics = {"bleu": cased["score"], "bleu_signature": cased["signature"],
                   "bleu_lowercase": lower["score"]}
    elif spec.metric == "rouge":
        metrics = rouge_scores(outputs, references)
    else:
        scenes = spec.held_out_scenes(seed) if split == "val" else None
        if scenes is None:
            metrics = caption_scores(outputs, [[r] for r in references])
        else:  # procedural scenes: all their captions, and check each output
            from keras_s2s.datasets import caption_is_correct

            objects, captions = scenes
            metrics = caption_scores(outputs, captions[:len(outputs)])
            correct = [caption_is_correct(o, scene)
                       for o, scene in zip(outputs, objects)]
            metrics["correct_share"] = sum(correct) / max(1, len(correct))
            metrics["references_per_image"] = len(captions[0])
    metrics.update({"examples": len(references), "search": options,
                    "seed": seed})
    if out_json:
        with open(out_json, "w") as f:
            json.dump(metrics, f, indent=1)
    return metrics
