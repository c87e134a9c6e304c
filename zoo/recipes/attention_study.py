"""The attention study: every translation architecture of the zoo trained on
the same data, vocabularies and budget, then measured the same way.

    python zoo/recipes/attention_study.py [--root runs/attention_study]
        [--epochs 10] [--only none,additive,...] [--report DIR] [--tiny]

Variants (`--only` takes their labels): no attention (the decoder starts
from h_N and reads it at every step), the three content scores (additive,
general, scaled dot) and location-aware attention with and without
sinusoidal position features, all on the BiLSTM 2x256 encoder and LSTM 512
decoder of `bilstm_attn_mt`, so that only the attention differs; then the
zoo's other translation entries as they are (`gru_luong_mt`,
`conv_attn_mt`).

Each variant trains with `keras-s2s train` into `ROOT/<label>` with the
first stage `bilstm_attn_mt` was trained with until 2026-11-29 (batch
128, Adam 1.5e-3 after 200 warm-up steps, label smoothing 0.1, clipnorm 1,
seed 0) for `--epochs`, on the shipped `bilstm_attn_mt` vocabularies
(8,000 pieces a side), which are put in each run's `vocab/` before it
starts. Resumable: run the same command
again after an interruption; finished trainings and evaluations are
skipped. The training time is the run's `train_seconds` (kept across
restarts, see `ResumableCheckpoint`); validation BLEU over training time is
the greedy BLEU on the first 200 validation sentences that `train` logs
each epoch.

Then, for each variant: sacreBLEU on val and test_2016_flickr, beam 5 and
greedy (`keras_s2s.training.evaluator.evaluate`), and, with attention, the
alignment of the first validation sentence. The report (in `--report`,
default ROOT): `attention_study.md` (the table, ranked by validation BLEU
with beam 5; test BLEU is printed beside it and never used to choose),
`attention_study.json`, `val_bleu_vs_time.png` and `alignment_<label>.png`.

`--tiny` runs the same pipeline at toy size (256 training pairs, a 400-piece
vocabulary trained on them, 20 evaluation sentences): a check of the
recipe, not a result.
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys

DATA = "multi30k:en-de"
TRAIN = ["--batch-size", "128", "--lr", "1.5e-3", "--warmup-steps", "200",
         "--label-smoothing", "0.1", "--clipnorm", "1.0", "--vocab-size",
         "8000", "--checkpoint-every", "100", "--seed", "0",
         # The variants trained before bfloat16 products existed ran in
         # float32: every variant does, so that they compare.
         "--matmul-precision", "float32"]
TINY_TRAIN = ["--batch-size", "32", "--lr", "3e-3", "--max-examples", "256",
              "--vocab-size", "400", "--checkpoint-every", "50",
              "--val-examples", "8", "--val-loss-examples", "64",
              "--seed", "0"]
TINY_EXAMPLES = 20


@dataclasses.dataclass(frozen=True)
class Variant:
    label: str
    model: str
    overrides: dict
    attention: str


VARIANTS = (
    Variant("none", "bilstm_noattn_mt", {}, "none (h_N only)"),
    Variant("additive", "bilstm_attn_mt", {}, "content: additive"),
    Variant("general", "bilstm_attn_mt", {"attention": {"score": "general"}},
            "content: general"),
    Variant("scaled_dot", "bilstm_attn_mt",
            {"attention": {"score": "scaled_dot"}}, "content: scaled dot"),
    Variant("location_aware", "bilstm_location_mt", {}, "location-aware"),
    Variant("location_aware_pos", "bilstm_location_mt",
            {"attention": {"position_features": True}},
            "location-aware + position features"),
    Variant("gru_luong_mt", "gru_luong_mt", {},
            "content: general (zoo entry, 2-layer GRU encoder)"),
    Variant("conv_attn_mt", "conv_attn_mt", {},
            "content: scaled dot (zoo entry, conv encoder)"),
)


def tiny_overrides(model):
    """Toy sizes for `model` with the encoder's output as wide as the
    decoder (dot scores need it)."""
    from keras_s2s import zoo

    config = zoo.describe(model)["config"]
    encoder = {"embedding_dim": 16, "num_layers": 1}
    rnn = config["encoder"]["class_name"] == "RNNEncoder"
    encoder["units"] = 16 if rnn and config["encoder"].get(
        "bidirectional") else 32
    over = {"encoder": encoder,
            "decoder": {"units": 32, "embedding_dim": 16},
            "generation": {"max_length": 20}}
    attention = config.get("attention") or {}
    if attention:
        over["attention"] = {}
        if attention.get("units"):
            over["attention"]["units"] = 16
        if "filters" in attention:
            over["attention"].update(filters=4, kernel_size=3)
    return over


def shared_vocabulary(root, tiny):
    """The vocabularies every variant trains with: `ROOT/vocab/`."""
    folder = os.path.join(root, "vocab")
    paths = {side: os.path.join(folder, f"{side}.spm")
             for side in ("source", "target")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    os.makedirs(folder, exist_ok=True)
    if tiny:
        from keras_s2s.datasets import load_multi30k
        from keras_s2s.text import train_sentencepiece

        en, de = (x[:256] for x in load_multi30k("train"))
        for side, texts in (("source", en), ("target", de)):
            with open(paths[side], "wb") as f:
                f.write(train_sentencepiece(texts, 400, progress=False))
    else:
        from keras_s2s import zoo
        from keras_s2s.zoo.weights import resolve

        vocab = zoo.preset("bilstm_attn_mt").vocab
        for side in paths:
            shutil.copyfile(resolve(vocab[side]), paths[side])
    return paths


def train(variant, root, epochs, vocab, tiny):
    run = os.path.join(root, variant.label)
    if os.path.exists(os.path.join(run, "model.keras")):
        print(f"{variant.label}: trained (skipped)")
        return run
    os.makedirs(os.path.join(run, "vocab"), exist_ok=True)
    for side, path in vocab.items():
        target = os.path.join(run, "vocab", f"{side}.spm")
        if not os.path.exists(target):
            shutil.copyfile(path, target)
    overrides = variant.overrides
    if tiny:
        from keras_s2s.zoo.registry import _merge  # section by section

        overrides = _merge(tiny_overrides(variant.model), overrides)
    command = [sys.executable, "-m", "keras_s2s.cli", "train", "--model",
               variant.model, "--data", DATA, "--out", run, "--epochs",
               str(epochs), *(TINY_TRAIN if tiny else TRAIN)]
    if overrides:
        command += ["--overrides", json.dumps(overrides)]
    print(f"{variant.label}: {' '.join(command[2:])}", flush=True)
    subprocess.run(command, check=True)
    return run


def measure(run, tiny):
    """BLEU on val and test with beam 5 and greedy, each kept in
    `RUN/eval_<split>_<method>.json`."""
    from keras_s2s.training.evaluator import evaluate

    scores = {}
    for split in ("val", "test"):
        for method in ("beam", "greedy"):
            path = os.path.join(run, f"eval_{split}_{method}.json")
            if not os.path.exists(path):
                evaluate(run, DATA, split=split, method=method, beam_size=5,
                         max_examples=TINY_EXAMPLES if tiny else None,
                         out_json=path, verbose=0)
            with open(path) as f:
                scores[f"{split}_{method}"] = json.load(f)["bleu"]
    return scores


def curve(run):
    """[(training seconds, validation BLEU)] per epoch, from TensorBoard."""
    import tensorflow as tf
    from tensorboard.backend.event_processing import event_accumulator

    def scalars(folder, tag):
        acc = event_accumulator.EventAccumulator(
            os.path.join(run, "logs", folder),
            size_guidance={event_accumulator.TENSORS: 0})
        acc.Reload()
        return {e.step: float(tf.make_ndarray(e.tensor_proto))
                for e in acc.Tensors(tag)}

    seconds = scalars("train", "epoch_train_seconds")
    bleu = scalars("validation", "epoch_bleu")
    return [(seconds[e], bleu[e]) for e in sorted(seconds) if e in bleu]


def plot_curves(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, points in curves.items():
        if points:
            ax.plot([s / 60 for s, _ in points], [b for _, b in points],
                    marker="o", markersize=3, label=label)
    ax.set_xlabel("training time (minutes)")
    ax.set_ylabel("validation BLEU (greedy, first val sentences)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def alignment(model, label, sentence, path):
    from keras_s2s.plotting import attention_png
    from keras_s2s.plotting import model_alignment

    weights, source, output, _ = model_alignment(model, [sentence])
    with open(path, "wb") as f:
        f.write(attention_png(weights, source, output, title=label))


def report(rows, curves, folder, tiny):
    ranked = sorted(rows, key=lambda r: -r["val_beam"])
    lines = ["| variant | attention | parameters | training time (min) | "
             "val BLEU beam 5 | val greedy | test BLEU beam 5 | test greedy |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in ranked:
        lines.append(
            f"| `{r['label']}` | {r['attention']} | {r['parameters']:,} | "
            f"{r['train_seconds'] / 60:.1f} | {r['val_beam']:.2f} | "
            f"{r['val_greedy']:.2f} | {r['test_beam']:.2f} | "
            f"{r['test_greedy']:.2f} |")
    note = ("Toy run (`--tiny`): a check of the recipe, not a result.\n\n"
            if tiny else "")
    pictures = "\n".join(f"![{r['label']}](alignment_{r['label']}.png)"
                         for r in ranked if r["alignment"])
    text = (f"# Attention study\n\n{note}Ranked by validation BLEU with "
            "beam 5 (test BLEU is shown, never used to choose). "
            "`python zoo/recipes/attention_study.py` measures it.\n\n"
            + "\n".join(lines)
            + "\n\n![validation BLEU against training time]"
              "(val_bleu_vs_time.png)\n\n" + pictures + "\n")
    with open(os.path.join(folder, "attention_study.md"), "w") as f:
        f.write(text)
    with open(os.path.join(folder, "attention_study.json"), "w") as f:
        json.dump({"rows": ranked, "curves": curves, "tiny": tiny}, f,
                  indent=1)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="runs/attention_study")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--only", help="labels, comma-separated")
    parser.add_argument("--report", help="folder of the report (ROOT)")
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    labels = [v.label for v in VARIANTS]
    chosen = args.only.split(",") if args.only else labels
    unknown = sorted(set(chosen) - set(labels))
    if unknown:
        parser.error(f"unknown variants {unknown}; valid: {', '.join(labels)}")
    folder = args.report or args.root
    os.makedirs(folder, exist_ok=True)
    vocab = shared_vocabulary(args.root, args.tiny)
    from keras_s2s.datasets import load_multi30k
    from keras_s2s.models import load_model

    sentence = load_multi30k("val")[0][0]
    rows, curves = [], {}
    for variant in (v for v in VARIANTS if v.label in chosen):
        run = train(variant, args.root, args.epochs, vocab, args.tiny)
        points = curve(run)
        curves[variant.label] = points
        model = load_model(run)
        row = {"label": variant.label, "model": variant.model,
               "overrides": variant.overrides,
               "attention": variant.attention,
               "parameters": model.count_params(),
               "train_seconds": points[-1][0] if points else float("nan"),
               **measure(run, args.tiny),
               "alignment": variant.label != "none"}
        if row["alignment"]:
            alignment(model, variant.label, sentence, os.path.join(
                folder, f"alignment_{variant.label}.png"))
        rows.append(row)
    plot_curves(curves, os.path.join(folder, "val_bleu_vs_time.png"))
    print(report(rows, curves, folder, args.tiny))
    return 0


if __name__ == "__main__":
    sys.exit(main())
