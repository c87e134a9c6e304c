"""DialogSum (Chen et al. 2021) dialogue summarization."""

import ast
import json

from keras_s2s.datasets.sources import resolve_data_dir
from keras_s2s.datasets.text_files import read_lines

BASE_URL = "https://raw.githubusercontent.com/cylnlp/dialogsum/main/DialogSum_Data"
SPLITS = {"train": "train.jsonl", "dev": "dev.jsonl", "val": "dev.jsonl"}


def read_jsonl_pairs(path, source_field, target_field):
    """Reads a JSON Lines file into `(sources, targets)` lists of strings.

    Raises `ValueError` naming the file and line for bad JSON, a missing
    field or an empty one.
    """
    return read_jsonl_fields(path, source_field, target_field)


def read_jsonl_fields(path, *fields):
    """Reads string `fields` of every record of a JSON Lines file: a tuple
    of lists, one per field (blank lines are skipped; Python dict literals,
    as upstream DialogSum writes them, are read too).

    Raises `ValueError` naming the file and line for bad JSON, a missing
    field or an empty one.
    """
    columns = tuple([] for _ in fields)
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            # Upstream DialogSum's train file holds Python dict literals.
            try:
                record = ast.literal_eval(line)
            except (ValueError, SyntaxError):
                raise ValueError(f"{path}, line {number}: invalid JSON "
                                 f"({error.msg}).") from None
        for field, column in zip(fields, columns):
            value = record.get(field) if isinstance(record, dict) else None
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{path}, line {number}: field {field!r} is "
                                 "missing or empty.")
            column.append(value)
    return columns


def load_dialogsum(split="train", data_dir=None):
    """Returns `(dialogues, summaries)` for `"train"` (12,460) or `"dev"` (500).

    Speaker turns in a dialogue are separated by newlines and start with
    `#Person1#:`. Licence: CC BY-NC-SA 4.0.
    """
    if split not in SPLITS:
        raise ValueError(f"load_dialogsum: unknown split {split!r}; valid "
                         f"splits are {', '.join(SPLITS)}.")
    name = SPLITS[split]
    # Upstream names its files dialogsum.<split>.jsonl.
    url = f"{BASE_URL}/dialogsum.{name}"
    folder = resolve_data_dir("dialogsum", data_dir, {name: url})
    return read_jsonl_pairs(folder / name, "dialogue", "summary")
