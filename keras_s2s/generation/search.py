"""One entry point for greedy search, beam search and sampling."""

from keras import ops

from keras_s2s.generation.beam_search import beam_search
from keras_s2s.generation.greedy_search import greedy_search
from keras_s2s.generation.sampling import sample_search
from keras_s2s.generation.search_defaults import DEFAULT_BEAM_SIZE

METHODS = ("greedy", "beam", "sample")


def search(step_fn, initial_state, start_ids, end_id, max_length,
           method="beam", beam_size=DEFAULT_BEAM_SIZE, alpha=0.0, beta=0.0,
           num_return=1, no_repeat_ngram_size=0, temperature=1.0, top_k=0, top_p=1.0,
           seed=None, max_lengths=None, alignment_fn=None, source_mask=None,
           return_alignments=False, pad_id=0, memory=None, compact=True,
           settle=True, share_memory=False, first_step_apart=True):
    """Decodes with `method` and returns n-best shaped results.

    Args:
        step_fn: `(ids [B], state) -> (logits [B, V], state)`, or
            `(ids, state, memory)` when `memory` is given.
        initial_state: nest of tensors with leading axis B.
        start_ids: int [B].
        end_id: int. End-of-sequence token.
        max_length: int. Maximum number of generated tokens.
        method: `"greedy"`, `"beam"` or `"sample"`.
        beam_size, alpha, beta, num_return, no_repeat_ngram_size: beam
            search options (see `beam_search`); `num_return` must be 1 for
            greedy and sampling. Greedy with `no_repeat_ngram_size` runs as a
            beam of one, which is the same search.
        temperature, top_k, top_p, seed: sampling options.
        max_lengths: optional int [B] per-entry caps.
        alignment_fn: `state -> weights [B, S]` (coverage penalty,
            alignments).
        source_mask: bool [B, S] for the coverage penalty.
        return_alignments: bool.
        pad_id: int.
        memory: optional nest (leading axis B) that the step reads and never
            changes, such as the encoder's outputs. Beam search tiles it
            once, and both searches drop the rows of finished entries.
        compact: bool or int. Finished entries leave the batch (the
            default); the results are the same either way. An int N > 1:
            the batch only shrinks to a multiple of N entries or a power of
            two below N, so a serving process sees few batch shapes.
        settle: True, False or `"best"`. True: beam search stops an entry
            once no unfinished hypothesis can outscore the returned ones,
            with the same results; `"best"`: once its best hypotheses have
            finished, OpenNMT-py's rule (`beam_search`'s `settle`).
        share_memory: bool. Beam search passes `memory` with one row per
            entry, not per hypothesis (`beam_search`'s `share_memory`), for
            a step that reads it so (`Decoder.shares_beam_memory`).
        first_step_apart: bool. Beam search runs its first step before the
            loop on one row per entry (`beam_search`'s
            `first_step_apart`); the same results either way.

    Returns:
        dict with `tokens` [B, N, max_length], `lengths` [B, N], `scores`
        [B, N] (ranking score; the log-probability for greedy and sampling),
        `log_probs` [B, N] and optionally `alignments` [B, N, max_length, S],
        best first.
    """
    if method not in METHODS:
        raise ValueError(f"search: unknown `method` {method!r}; valid "
                         f"methods are {', '.join(METHODS)}.")
    common = dict(pad_id=pad_id, max_lengths=max_lengths,
                  alignment_fn=alignment_fn,
                  return_alignments=return_alignments)
    searched = dict(common, memory=memory, compact=compact)
    if method == "greedy" and no_repeat_ngram_size:
        method, beam_size, alpha, beta = "beam", 1, 0.0, 0.0
    if method == "beam":
        return beam_search(step_fn, initial_state, start_ids, end_id,
                           max_length, beam_size=beam_size, alpha=alpha,
                           beta=beta, num_return=num_return,
                           source_mask=source_mask,
                           no_repeat_ngram_size=no_repeat_ngram_size,
                           settle=settle, share_memory=share_memory,
                           first_step_apart=first_step_apart, **searched)
    if not (hasattr(num_return, "shape") or num_return == 1):
        raise ValueError(f"search: method={method!r} returns one hypothesis; "
                         f"got num_return={num_return}.")
    if method == "greedy":
        out = greedy_search(step_fn, initial_state, start_ids, end_id,
                            max_length, **searched)
    else:
        out = sample_search(step_fn, initial_state, start_ids, end_id,
                            max_length, temperature=temperature, top_k=top_k,
                            top_p=top_p, seed=seed, **searched)
    out = {key: ops.expand_dims(value, 1) for key, value in out.items()}
    out["scores"] = out["log_probs"]
    return out

