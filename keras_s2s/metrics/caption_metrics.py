"""Captioning metrics: BLEU-4 and CIDEr-D with pycocoevalcap's scorers."""

import re


def simple_caption_tokenize(text):
    """Lowercases and splits off punctuation (stands in for the Java PTB
    tokenizer that pycocoevalcap calls, so no Java is needed)."""
    text = re.sub(r"([.,!?;:\"()])", r" ", text.lower())
    return " ".join(text.split())


def caption_scores(hypotheses, references):
    """BLEU-4 and CIDEr-D (Vedantam et al. 2015) as coco-caption computes them.

    Args:
        hypotheses: list of str, one caption per image.
        references: list of lists of str, the reference captions per image.

    Returns:
        dict `{"BLEU-4": 0-100, "CIDEr-D": 0-1000}` (CIDEr-D as reported in
        papers, i.e. pycocoevalcap's value times 100).
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider

    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but "
                         f"{len(references)} reference lists.")
    for i, refs in enumerate(references):
        if isinstance(refs, str) or not all(isinstance(r, str) for r in refs):
            raise ValueError(f"caption_scores: references[{i}] must be a list "
                             f"of str (the captions of image {i}), got "
                             f"{refs!r}.")
    res = {i: [simple_caption_tokenize(h)] for i, h in enumerate(hypotheses)}
    gts = {i: [simple_caption_tokenize(r) for r in refs]
           for i, refs in enumerate(references)}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    cider, _ = Cider().compute_score(gts, res)
    return {"BLEU-4": 100.0 * float(bleu[3]), "CIDEr-D": 100.0 * float(cider)}
