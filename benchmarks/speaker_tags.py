"""Speaker tags in the summarizer's outputs on the DialogSum dev dialogues.

Counts the outputs that hold a broken tag (anything like `#...` that is not
`#PersonN#`, e.g. `#PersonPerson2#` or a lone `#`) and those that name a
speaker absent from their dialogue (`#Person3#` for a dialogue of two), with
the preset's default search (beam 4).

    python benchmarks/speaker_tags.py [--weights W.weights.h5 --vocab V.spm]
        [--max-examples N]

Without `--weights`, the shipped `pointer_generator_summ`; with it (and the
vocabulary it was trained with), any weights of that architecture, e.g. an
older shipped file from git history.
"""

import argparse
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_s2s import zoo  # noqa: E402
from keras_s2s.datasets import load_dialogsum  # noqa: E402

TAG = re.compile(r"#Person\d#")


def count(dialogues, outputs):
    broken = foreign = 0
    for dialogue, summary in zip(dialogues, outputs):
        tags = re.findall(r"#\w*#?", summary)
        if not all(TAG.fullmatch(t) for t in tags):
            broken += 1
        if not {t for t in tags if TAG.fullmatch(t)} <= set(
                TAG.findall(dialogue)):
            foreign += 1
    return broken, foreign


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights")
    parser.add_argument("--vocab")
    parser.add_argument("--max-examples", type=int)
    args = parser.parse_args()
    if args.weights:
        model = zoo.load("pointer_generator_summ", weights=args.weights,
                         tokenizer=args.vocab)
    else:
        model = zoo.load("pointer_generator_summ")
    dialogues, _ = load_dialogsum("dev")
    dialogues = dialogues[:args.max_examples] if args.max_examples \
        else dialogues
    outputs = []
    for i in range(0, len(dialogues), 32):
        outputs += model.generate(dialogues[i:i + 32])
    broken, foreign = count(dialogues, outputs)
    print(f"{args.weights or 'shipped'}: {len(dialogues)} dialogues, "
          f"{broken} outputs with a broken tag, {foreign} naming a speaker "
          "absent from the dialogue")


if __name__ == "__main__":
    main()
