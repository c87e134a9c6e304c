"""Training SentencePiece subword models with the reserved ids keras_s2s uses."""

import io
import time

import numpy as np

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3


def train_sentencepiece(texts, vocab_size=8000, model_type="unigram",
                        character_coverage=0.9995, max_sentences=None,
                        progress=True, seed=0, user_defined_symbols=()):
    """Trains a SentencePiece model in memory and returns its proto bytes.

    Texts are normalised with `normalize_text` first, so training sees what
    the graph tokenizer sees. Byte fallback is on: any character, seen or not,
    encodes (as UTF-8 byte pieces), so detokenize(tokenize(s)) gives back the
    normalised s. Ids 0-3 are `<pad>`, `<unk>`, `<s>`, `</s>`.

    Args:
        texts: iterable of str (one sentence or document each).
        vocab_size: int. Pieces in the model (at least 260 with the 256
            byte pieces and 4 specials); a small corpus may yield fewer (the
            limit is soft), see the tokenizer's `vocab_size`.
        model_type: str. `"unigram"` or `"bpe"`.
        character_coverage: float. Share of characters covered by pieces;
            the rarest characters are encoded as bytes instead.
        max_sentences: int or None. Sample at most this many texts.
        progress: bool. Print one line saying what is trained, from how
            many texts, and how long it took.
        seed: int. Seed for the sampling of `max_sentences`.
        user_defined_symbols: strings that are always one piece wherever
            they occur (e.g. DialogSum's speaker tags `#Person1#`), so the
            model reads and writes them whole. They take ids after the 4
            specials.

    Returns:
        bytes: the serialized model, for `SentencePieceTokenizer(proto=...)`.
    """
    import sentencepiece as spm

    from keras_s2s.text.normalization import normalize_text

    if vocab_size < 260:
        raise ValueError(f"train_sentencepiece: `vocab_size` must be at least "
                         f"260 (256 byte pieces and 4 specials), got "
                         f"{vocab_size}.")
    symbols = list(user_defined_symbols)
    for symbol in symbols:
        if not isinstance(symbol, str) or not symbol or \
                any(c.isspace() for c in symbol):
            raise ValueError(f"train_sentencepiece: a user-defined symbol "
                             f"must be a non-empty string without spaces, "
                             f"got {symbol!r}.")
    texts = list(texts)
    if max_sentences and len(texts) > max_sentences:
        keep = np.random.default_rng(seed).choice(len(texts), max_sentences,
                                                  replace=False)
        texts = [texts[i] for i in sorted(keep)]
    if not texts:
        raise ValueError("train_sentencepiece: no texts to train on.")
    started = time.time()
    if progress:
        print(f"SentencePiece vocabulary ({vocab_size:,} pieces) from "
              f"{len(texts):,} texts...", end="", flush=True)
    normalized, chunk = [], 4096
    for start in range(0, len(texts), chunk):
        batch = normalize_text(texts[start:start + chunk]).numpy()
        normalized.extend(s.decode("utf-8") for s in batch if s)
    buffer = io.BytesIO()
    try:
        _train(spm, normalized, buffer, vocab_size, model_type,
               character_coverage, symbols)
    except RuntimeError as error:
        if progress:
            print(" failed")
        if "Vocabulary size is smaller" not in str(error):
            raise
        needed = str(error).rsplit("vs", 1)[-1].split(".")[0].strip()
        raise ValueError(
            f"train_sentencepiece: vocab_size={vocab_size} is too small for "
            f"these texts, which need about {needed} ids: 256 byte pieces, 4 "
            "specials and one per character kept (see character_coverage)."
        ) from None
    if progress:
        print(f" {time.time() - started:.1f} s")
    return buffer.getvalue()


def _train(spm, normalized, buffer, vocab_size, model_type,
           character_coverage, symbols):
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(normalized), model_writer=buffer,
        vocab_size=vocab_size, model_type=model_type,
        character_coverage=character_coverage, byte_fallback=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        pad_id=PAD_ID, unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID,
        pad_piece="<pad>", unk_piece="<unk>", bos_piece="<s>",
        eos_piece="</s>", hard_vocab_limit=False, num_threads=2,
        minloglevel=2, user_defined_symbols=symbols)
