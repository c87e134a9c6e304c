"""Splits a paragraph into sentences, for models trained on sentences."""

import re

# Words after which a period does not end a sentence (English sources).
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc",
    "e.g", "i.e", "approx", "no", "fig", "inc", "ltd", "co", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}

# A sentence end: . ! ? or … (repeated), optional closing quotes or
# brackets, then whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"([.!?\u2026]+[\"'\u201d\u2019)\]]*)\s+"
                       r"(?=[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00de])")


def split_sentences(text):
    """Splits `text` into sentences; every line break also ends one.

    Rule-based: a sentence ends at `.`, `!`, `?` or `…` (with any closing
    quotes) followed by whitespace and an upper-case letter, a digit or an
    opening quote, except after a known abbreviation ("Mr.", "e.g.") or a
    single initial ("J. Smith"). Empty pieces are dropped; a text with no
    boundary comes back as one sentence.

    Example:
    >>> split_sentences("A man rides. Mr. Smith reads at 3.5 p.m. today.")
    ['A man rides.', 'Mr. Smith reads at 3.5 p.m. today.']
    """
    sentences = []
    for line in text.splitlines():
        start = 0
        for match in _BOUNDARY.finditer(line):
            words = line[start:match.start(1)].split()
            last = words[-1].lower().rstrip(".") if words else ""
            if match.group(1).startswith(".") and (
                    last in ABBREVIATIONS
                    or (len(last) == 1 and last.isalpha())):
                continue
            sentences.append(line[start:match.end(1)].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]
