"""Beam search written with `keras.ops`, so it runs in a SavedModel."""

from typing import Any
from typing import NamedTuple

from keras import ops

from keras_s2s.generation.blocked_top_k import top_k_with_logsumexp
from keras_s2s.generation.search_defaults import DEFAULT_BEAM_SIZE

NEG_INF = -1e9
#: `beam_search(settle=...)`: the exact stop, none, OpenNMT-py's stop.
SETTLE_RULES = (True, False, "best")


class BeamState(NamedTuple):
    """What the beam search loop carries from one step to the next.

    Leading axes are [A, K] (entries still searched, beams) unless said
    otherwise; beams stay sorted best first. Entries whose beams have all
    finished leave the loop (their rows are dropped), so A shrinks as the
    batch finishes; `results` keeps every entry's hypotheses at full size.
    """

    step: Any        # int32 scalar: the position being written
    entries: Any     # int32 [A]: each searched entry's row in the batch
    ids: Any         # int32 [A*K]: the last token of each hypothesis
    state: Any       # the decoder's state, leading axis A*K
    memory: Any      # what the step reads but never changes, leading A*K
    caps: Any        # int32 [A, 1]: each entry's length cap
    source_mask: Any  # bool [A, 1, S] (or [A, 1, 1]): for coverage
    log_probs: Any   # float32: log P(hypothesis)
    tokens: Any      # int32 [A, K, max_length]: the hypotheses so far
    lengths: Any     # int32: tokens written, `end_id` included
    finished: Any    # bool: ended with `end_id` or at its length cap
    scores: Any      # float32: the ranking score
    coverage: Any    # float32 [A, K, S]: summed attention (or [A, K, 1])
    alignments: Any  # float32 [A, K, max_length, S] (or [A, K, 1, 1])
    results: Any     # dict of the above per batch row: [B, K, ...]


def tile_beams(tree_or_tensor, beam_size):
    """Repeats every batch entry `beam_size` times: [B, ...] -> [B*K, ...]."""
    import keras

    return keras.tree.map_structure(
        lambda x: ops.repeat(x, beam_size, axis=0), tree_or_tensor)


def unknown_rows(tree):
    """The nest with the leading size of every tensor made unknown.

    A search that drops finished entries changes its batch size from one
    step to the next; a graph-mode `while_loop` carries such variables only
    if their leading size is unknown when the loop starts. (TensorFlow's
    shape inference fixes it wherever it can, and `keras.ops.while_loop`
    takes no shape invariants.)
    """
    import keras
    import tensorflow as tf

    def erase(x):
        if keras.backend.backend() != "tensorflow" or tf.executing_eagerly():
            return x
        x = tf.convert_to_tensor(x)
        return tf.compat.v1.placeholder_with_default(
            x, [None] + x.shape.as_list()[1:])

    return keras.tree.map_structure(erase, tree)


def with_memory(step_fn, memory, batch):
    """`(step, memory)`: a step called as `step(ids, state, memory)`, and the
    memory it gets (a placeholder with `batch` rows when there is none)."""
    if memory is not None:
        return step_fn, memory

    def step(ids, state, memory):
        return step_fn(ids, state)

    return step, ops.zeros((batch, 1), "float32")


def take_rows(tree, rows):
    """Gathers rows (axis 0) of every tensor in a nest."""
    import keras

    return keras.tree.map_structure(lambda x: ops.take(x, rows, axis=0), tree)


def write_rows(results, rows, values):
    """Writes `values[name]` into rows `rows` of `results[name]`."""
    index = rows[:, None]
    return {name: ops.scatter_update(results[name], index, values[name])
            for name in results}


def _is_zero(x):
    """True for a Python number equal to 0 (tensors may hold anything)."""
    return isinstance(x, (int, float)) and x == 0


def _python_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def length_penalty(lengths, alpha):
    """GNMT length penalty ((5 + |Y|) / 6) ** alpha (Wu et al. 2016)."""
    if _is_zero(alpha):
        return ops.ones_like(ops.cast(lengths, "float32"))
    return ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0, alpha)


def coverage_penalty(coverage, source_mask, beta):
    """GNMT coverage penalty beta * sum_j log(min(sum_i a_ij, 1)).

    coverage: [..., src_len] summed attention; source_mask: [..., src_len].
    Padding positions do not count.
    """
    capped = ops.minimum(ops.cast(coverage, "float32"), 1.0)
    logs = ops.log(ops.maximum(capped, 1e-10))
    if source_mask is not None:
        logs = ops.where(source_mask, logs, 0.0)
    return beta * ops.sum(logs, axis=-1)


def beam_search(step_fn, initial_state, start_ids, end_id, max_length,
                beam_size=DEFAULT_BEAM_SIZE, alpha=0.0, beta=0.0, num_return=None,
                max_lengths=None, alignment_fn=None, source_mask=None,
                return_alignments=False, no_repeat_ngram_size=0, pad_id=0,
                memory=None, compact=True, settle=True, share_memory=False,
                first_step_apart=True):
    """Batched beam search over a step function, as a `keras.ops.while_loop`.

    Hypotheses are ranked by log P(Y|X) / lp(Y) + cp(X; Y), with the GNMT
    length penalty lp (`alpha`) and coverage penalty cp (`beta`). A
    hypothesis that has produced `end_id` stays in the beam with a fixed
    score and competes with the unfinished ones; the search stops when every
    beam of every batch entry has finished or after `max_length` steps.
    Instead of storing parent pointers and back-tracking (tfa's GatherTree),
    each step reorders the token history with a gather, which needs only
    core ops. With `compact`, an entry whose K beams have all finished
    leaves the batch, so later steps only pay for the entries still
    searched (as OpenNMT-py does); the results are the same. With `settle`,
    an entry also stops once its best `num_return` hypotheses have finished
    and no unfinished one can still outscore them (see `settled`), so the
    beams ranked below them are not searched to their end.

    Args:
        step_fn: `(ids [B*K], state) -> (logits [B*K, V], state)`, or
            `(ids, state, memory)` when `memory` is given; `state` and
            `memory` are nests of tensors whose leading axis is B*K.
        initial_state: the state for the batch, leading axis B (tiled here).
        start_ids: int [B], the first input token of each entry.
        end_id: int. End-of-sequence token.
        max_length: int. Number of steps at most (size of the output).
        beam_size: int K (or a scalar int tensor, e.g. a serving input).
        alpha: float. Length penalty strength (0 ranks by log-probability).
        beta: float. Coverage penalty strength; needs `alignment_fn`.
        num_return: int N <= K hypotheses returned per entry (default K).
        `beam_size`, `alpha`, `beta`, `num_return` and `max_length` may be
        scalar tensors, so a SavedModel can take them as inputs.
        max_lengths: optional int [B]: per-entry caps (e.g. relative to the
            source length); hypotheses reaching it end, truncated.
        alignment_fn: `state -> attention weights [B*K, S]`, for the
            coverage penalty and returned alignments.
        source_mask: bool [B, S], so padding does not count in coverage.
        return_alignments: bool. Also return [B, N, max_length, S] weights.
        no_repeat_ngram_size: int n > 0 forbids any n-gram to appear twice
            in a hypothesis.
        pad_id: int. Fills positions after a hypothesis ends.
        memory: optional nest with leading axis B that the step reads and
            never changes (the encoder's outputs); tiled here, and passed
            to `step_fn` as its third argument.
        compact: bool or int. Drop finished entries from the batch; the
            results are the same either way. An int N > 1 shrinks the batch
            only to a multiple of N entries or a power of two below N
            (`leaving_rows`): fewer batch shapes for a server, a few rows
            of wasted work.
        settle: True, False or `"best"`. True: stop an entry once its
            returned hypotheses are settled (`settled`); the results are
            the same either way. `"best"`: stop it as soon as its best
            `num_return` hypotheses have finished, as OpenNMT-py does
            ("early stop when top beam is finished"). With a length penalty
            that is an approximation: a hypothesis still running could have
            ended with a better score (without one it cannot, and the
            results are the same as with True).
        share_memory: bool. Pass `memory` to the step with one row per
            entry (leading axis A, for the A*K hypotheses in entry-major
            order) instead of tiling it K times: less to copy when entries
            leave, for a step that reads it so
            (`Decoder.shares_beam_memory`).
        first_step_apart: bool. Run the first step before the loop on one
            row per entry (its K beams are one hypothesis), then tile its
            logits and state to K: K times fewer rows in that step's
            products, for a second copy of the step in the graph (and, in
            a server, the step's kernels at one more set of shapes). False:
            the loop runs every step, the first on K rows of which only
            beam 0 is live. The results are the same either way.

    Returns:
        dict with `tokens` [B, N, max_length] int32 (with `end_id`, padded),
        `lengths` [B, N] (tokens including `end_id`), `scores` [B, N]
        (the ranking score), `log_probs` [B, N], and `alignments` when asked.
        Hypotheses are sorted best first.
    """
    if settle not in SETTLE_RULES:
        raise ValueError(f"beam_search: `settle` must be True, False or "
                         f"'best', got {settle!r}.")
    if _python_int(beam_size) and beam_size < 1:
        raise ValueError(f"beam_search: `beam_size` must be >= 1, got "
                         f"{beam_size}.")
    num_return = beam_size if num_return is None else num_return
    if _python_int(beam_size) and _python_int(num_return) and not (
            1 <= num_return <= beam_size):
        raise ValueError(
            f"beam_search: `num_return` must be in [1, beam_size={beam_size}]"
            f", got {num_return}.")
    use_coverage = not _is_zero(beta)
    if (use_coverage or return_alignments) and alignment_fn is None:
        raise ValueError("beam_search: the coverage penalty (`beta`) and "
                         "`return_alignments` need `alignment_fn`.")
    k = beam_size
    start_ids = ops.cast(start_ids, "int32")
    batch = ops.shape(start_ids)[0]
    entries = ops.arange(batch, dtype="int32")
    call, memory = with_memory(step_fn, memory, batch)
    if max_lengths is None:
        caps = ops.full((batch, 1), max_length, "int32")
    else:
        caps = ops.minimum(ops.cast(max_lengths, "int32"), max_length)[:, None]
    state = tile_beams(initial_state, k)
    untiled_memory = memory
    if not share_memory:
        memory = tile_beams(memory, k)
    ids = ops.repeat(start_ids, k, axis=0)
    # Only beam 0 is live at first, so the first step expands one hypothesis.
    first = ops.where(ops.arange(k) == 0, 0.0, NEG_INF)
    log_probs = ops.zeros((batch, k), "float32") + first[None]
    track_alignment = alignment_fn is not None and (use_coverage
                                                    or return_alignments)
    has_mask = track_alignment and source_mask is not None
    if track_alignment:
        src_len = ops.shape(alignment_fn(state))[-1]
        coverage = ops.zeros((batch, k, src_len), "float32")
    else:
        coverage = ops.zeros((batch, k, 1), "float32")
    mask = (ops.cast(source_mask, "bool")[:, None, :] if has_mask
            else ops.zeros((batch, 1, 1), "bool"))
    alignments = ops.zeros((batch, k, max_length, src_len)
                           if return_alignments else (batch, k, 1, 1))
    positions = ops.arange(max_length, dtype="int32")
    results = {
        "tokens": ops.zeros((batch, k, max_length), "int32"),
        "lengths": ops.zeros((batch, k), "int32"),
        "scores": ops.zeros((batch, k), "float32"),
        "log_probs": ops.zeros((batch, k), "float32"),
    }
    if return_alignments:
        results["alignments"] = ops.zeros((batch, k, max_length, src_len),
                                          "float32")

    def cond(beam):
        return ops.logical_not(ops.all(beam.finished))

    def body(beam):
        return (advance(beam, *call(beam.ids, beam.state, beam.memory)),)

    def advance(beam, logits, state, leave=compact):
        """The beam after one step, from the step's logits and new state;
        with `leave`, entries done leave the batch."""
        logits = ops.cast(logits, "float32")
        rows = ops.shape(beam.entries)[0]
        if no_repeat_ngram_size > 0:
            n_vocab = ops.shape(logits)[-1]
            banned = _repeated_ngram_mask(beam.tokens, beam.step,
                                          no_repeat_ngram_size, n_vocab)
            logits = ops.where(ops.reshape(banned, (rows * k, n_vocab)),
                               NEG_INF, logits)
        # Length and coverage penalties are constant across one beam's
        # candidates, so the global top K lies within each beam's top K
        # tokens: only [A, K, K] candidates are scored, never [A, K, V].
        vocab = logits.shape[-1]
        if vocab is None:
            kk = k
        elif _python_int(k):
            kk = min(k, vocab)
        else:
            kk = ops.minimum(k, vocab)
        first_column = ops.arange(kk) == 0
        beam_logits, beam_tokens, normalizer = top_k_with_logsumexp(
            logits, kk)
        step_lp = beam_logits - normalizer[:, None]
        step_lp = ops.reshape(step_lp, (rows, k, kk))
        beam_tokens = ops.reshape(ops.cast(beam_tokens, "int32"),
                                  (rows, k, kk))
        # A finished beam continues only with padding, at no cost.
        ended = beam.finished[..., None]
        step_lp = ops.where(ended, ops.where(first_column, 0.0, NEG_INF),
                            step_lp)
        beam_tokens = ops.where(ended, pad_id, beam_tokens)
        total = beam.log_probs[..., None] + step_lp
        live = ops.cast(ops.logical_not(beam.finished), "int32")
        new_len = beam.lengths + live
        if track_alignment:
            weights = ops.reshape(ops.cast(alignment_fn(state), "float32"),
                                  (rows, k, -1))
            new_cov = (beam.coverage
                       + weights * ops.cast(live, "float32")[..., None])
        else:
            weights, new_cov = None, beam.coverage
        beam_score = 1.0 / length_penalty(new_len, alpha)
        cand = total * beam_score[..., None]
        if use_coverage:
            cand = cand + coverage_penalty(
                new_cov, beam.source_mask if has_mask else None,
                beta)[..., None]
        # Finished beams keep their score exactly.
        cand = ops.where(ended, ops.where(first_column, beam.scores[..., None],
                                          NEG_INF), cand)
        top_scores, top_index = ops.top_k(
            ops.reshape(cand, (rows, k * kk)), k)
        # Gathers index the flattened [A*K(*KK)] axis: `take_along_axis`
        # costs several times the ops (and transposes).
        rows_k = ops.arange(rows, dtype="int32")[:, None] * k
        flat_parent = top_index // kk + rows_k
        flat_choice = top_index + rows_k * kk

        def pick(x):
            return _gather_beams(x, flat_parent)

        token = _gather_beams(beam_tokens, flat_choice, lead_axes=3)
        was_finished = pick(beam.finished)
        lengths = pick(new_len)
        here = ops.cast(ops.equal(positions, beam.step), "int32")[None, None]
        tokens = pick(beam.tokens) + here * token[..., None]
        coverage = beam.coverage
        if track_alignment:
            coverage = pick(new_cov)
        alignments = beam.alignments
        if return_alignments:
            alignments = pick(alignments)
            chosen = pick(weights)
            chosen = chosen * ops.cast(
                ops.logical_not(was_finished), "float32")[..., None]
            alignments = alignments + (ops.cast(here, "float32")[..., None]
                                       * chosen[:, :, None, :])
        finished = ops.logical_or(was_finished, ops.equal(token, end_id))
        finished = ops.logical_or(finished, lengths >= beam.caps)
        log_probs = _gather_beams(total, flat_choice, lead_axes=3)
        if settle:
            # The beams below the returned ones end here: they can no
            # longer displace them, and are never returned.
            finished = ops.logical_or(finished, settled(
                top_scores, log_probs, finished, lengths, beam.caps, alpha,
                num_return, best_only=settle == "best")[:, None])
        per_entry = dict(entries=beam.entries, caps=beam.caps,
                         source_mask=beam.source_mask, ids=token,
                         tokens=tokens, lengths=lengths, finished=finished,
                         scores=top_scores, log_probs=log_probs,
                         coverage=coverage, alignments=alignments,
                         flat_parent=flat_parent)
        memory, results = beam.memory, beam.results
        if leave:
            leave_now, split = leaving_rows(ops.all(finished, axis=1),
                                            compact)

            def leave():
                # The entries done write their hypotheses and leave.
                kept, gone = split()
                written = write_rows(
                    results, ops.take(beam.entries, gone, axis=0),
                    take_rows({n: per_entry[n] for n in results}, gone))
                return (written, take_rows(per_entry, kept),
                        take_rows(memory, kept if share_memory
                                  else _flat_rows(kept, k)))

            results, per_entry, memory = ops.cond(
                leave_now, leave, lambda: (results, per_entry, memory))
        flat_parent = ops.reshape(per_entry.pop("flat_parent"), (-1,))
        per_entry["ids"] = ops.reshape(per_entry["ids"], (-1,))
        return BeamState(step=beam.step + 1, state=_take(state, flat_parent),
                         memory=memory, results=results, **per_entry)

    start = BeamState(
        step=ops.convert_to_tensor(0, "int32"), entries=entries, ids=ids,
        state=state, memory=memory, caps=caps, source_mask=mask,
        log_probs=log_probs,
        tokens=ops.zeros((batch, k, max_length), "int32"),
        lengths=ops.zeros((batch, k), "int32"),
        finished=ops.zeros((batch, k), "bool"),
        scores=ops.zeros((batch, k), "float32"), coverage=coverage,
        alignments=alignments, results=results)
    steps = max_length
    if first_step_apart and not (_python_int(max_length)
                                 and max_length < 1):
        # The first step runs before the loop, on one row per entry: its K
        # beams are the same hypothesis (only beam 0 is live), so the
        # other K-1 rows would compute the same logits and state. Entries
        # done already leave in the loop's first step (so the loop starts
        # with the batch's rows, which XLA needs to know).
        logits, first_state = call(start_ids, initial_state, untiled_memory)
        start = advance(start, ops.repeat(logits, k, axis=0),
                        tile_beams(first_state, k), leave=False)
        steps = max_length - 1
    if compact:
        start = start._replace(**unknown_rows({
            name: value for name, value in start._asdict().items()
            if name not in ("step", "results")}))
    (beam,) = ops.while_loop(cond, body, (start,),
                             maximum_iterations=steps)
    # Entries still searched when the loop ends (all of them without
    # `compact`) write their hypotheses now.
    results = write_rows(beam.results, beam.entries,
                         {name: getattr(beam, name) for name in beam.results})
    # The beam is kept sorted by top_k; the first N are the best.
    return {name: value[:, :num_return] for name, value in results.items()}


def settled(scores, log_probs, finished, lengths, caps, alpha, num_return,
            best_only=False):
    """bool [A]: entries whose best `num_return` hypotheses are final.

    `scores`, `log_probs`, `finished`, `lengths`: [A, K], beams sorted by
    `scores` (best first); `caps` [A, 1]. True where the first `num_return`
    beams have finished and every unfinished beam's best possible final
    score is below the lowest of theirs. That bound holds because a
    hypothesis' log-probability only falls as it grows (every step adds a
    log-probability <= 0), the coverage penalty is <= 0, and the length
    penalty can at most reach its largest value over the lengths still
    allowed (at the cap for `alpha` >= 0, at the next length otherwise):
    no unfinished hypothesis, nor any continuation of one, can enter the
    returned ones any more. (The bound of Tensor2Tensor's beam search,
    applied per entry.) With `best_only`, True as soon as those beams have
    finished, without the bound (OpenNMT-py's rule, an approximation under
    a length penalty).
    """
    k = ops.shape(scores)[1]
    returned = ops.arange(k) < num_return
    top_done = ops.all(ops.logical_or(finished, ops.logical_not(returned)),
                       axis=1)
    if best_only:
        return top_done
    lowest = ops.min(ops.where(returned, scores, -NEG_INF), axis=1)
    longest = ops.maximum(length_penalty(caps, alpha),
                          length_penalty(lengths + 1, alpha))
    best_alive = ops.max(ops.where(finished, NEG_INF, log_probs / longest),
                         axis=1)
    return ops.logical_and(top_done, lowest > best_alive)


def rows_where(condition):
    """int32 indices of the True entries of a bool vector."""
    return ops.cast(ops.nonzero(condition)[0], "int32")


def leaving_rows(done, compact):
    """`(leave, split)`: whether entries leave the batch this step, and a
    function giving `(kept, gone)`, the rows that stay and go (called
    only when they do, inside the branch that moves them).

    `compact` True (or 1): every entry done leaves at once. An int N > 1:
    the batch only shrinks to 1, 2, 4, ... (below N) or a multiple of N
    rows, the smallest that holds every entry not done; entries done fill
    the rest of it (a finished entry's hypotheses no longer change, so it
    is written the same when it leaves later). Fewer sizes of batch, so a
    serving process builds fewer oneDNN primitives (one per shape), for
    some rows of wasted work.
    """
    if not isinstance(compact, (bool, int)) or compact < 1:
        raise ValueError(f"search: `compact` must be a bool or a positive "
                         f"int, got {compact!r}.")
    if compact is True or compact == 1:
        return ops.any(done), lambda: (rows_where(ops.logical_not(done)),
                                       rows_where(done))
    rows = ops.shape(done)[0]
    n_live = ops.sum(ops.cast(ops.logical_not(done), "int32"))
    powers = ops.convert_to_tensor(
        [2 ** i for i in range(max(1, (compact - 1).bit_length()))
         if 2 ** i < compact] + [compact], "int32")
    small = ops.min(ops.where(powers >= n_live, powers, compact))
    size = ops.where(n_live > compact,
                     (n_live + compact - 1) // compact * compact, small)
    size = ops.minimum(size, rows)

    def split():
        order = ops.concatenate([rows_where(ops.logical_not(done)),
                                 rows_where(done)], axis=0)
        return order[:size], order[size:]

    return size < rows, split


def _flat_rows(rows, k):
    """Rows of a [A*K, ...] tensor that belong to entries `rows` of [A]."""
    return ops.reshape(rows[:, None] * k + ops.arange(k, dtype="int32")[None],
                       (-1,))


def _gather_beams(x, flat_index, lead_axes=2):
    """Entries of x at `flat_index` [A, N] into its first `lead_axes` axes
    flattened ([A, K, ...], or [A, K, KK, ...] with 3): [A, N, ...]."""
    shape = ops.shape(x)
    flat = ops.reshape(x, (-1,) + tuple(shape[lead_axes:]))
    return ops.take(flat, flat_index, axis=0)


def _take(tree, flat_index):
    import keras

    return keras.tree.map_structure(
        lambda x: ops.take(x, flat_index, axis=0), tree)


def _repeated_ngram_mask(tokens, t, n, vocab):
    """bool [B, K, V]: tokens that would repeat an n-gram of the hypothesis.

    tokens: [B, K, L] history, valid at positions < t.
    """
    shape = ops.shape(tokens)
    batch, k, length = shape[0], shape[1], shape[2]
    if n == 1:
        seen = ops.arange(length) < t
        hits = ops.broadcast_to(ops.cast(seen[None, None], "float32"),
                                ops.shape(tokens))
        banned_tokens = tokens
    else:
        # The last n-1 generated tokens, as the prefix of the next n-gram.
        offsets = ops.arange(n - 1, dtype="int32") + t - (n - 1)
        prefix = ops.take_along_axis(
            tokens, ops.broadcast_to(ops.maximum(offsets, 0)[None, None],
                                     (batch, k, n - 1)), axis=2)
        starts = length - n + 1
        match = ops.ones((batch, k, starts), "bool")
        for j in range(n - 1):
            window = tokens[:, :, j:j + starts]
            match = ops.logical_and(match,
                                    ops.equal(window, prefix[:, :, j:j + 1]))
        # An n-gram starting at i is complete in the history if i+n-1 < t,
        # and the prefix exists once t >= n-1.
        valid = ops.logical_and(ops.arange(starts) + n - 1 < t, t >= n - 1)
        hits = ops.cast(ops.logical_and(match, valid[None, None]), "float32")
        banned_tokens = tokens[:, :, n - 1:]
    # Scatter the hits onto the vocabulary axis.
    b_idx = ops.broadcast_to(ops.arange(batch)[:, None, None],
                             ops.shape(banned_tokens))
    k_idx = ops.broadcast_to(ops.arange(k)[None, :, None],
                             ops.shape(banned_tokens))
    index = ops.stack([ops.reshape(b_idx, (-1,)), ops.reshape(k_idx, (-1,)),
                       ops.reshape(ops.cast(banned_tokens, "int32"), (-1,))],
                      axis=-1)
    counts = ops.scatter(index, ops.reshape(hits, (-1,)), (batch, k, vocab))
    return counts > 0
