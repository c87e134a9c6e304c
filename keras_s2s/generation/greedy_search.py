"""Greedy search as a graph-friendly `keras.ops.while_loop`."""

from keras import ops

from keras_s2s.generation.beam_search import leaving_rows
from keras_s2s.generation.beam_search import take_rows
from keras_s2s.generation.beam_search import unknown_rows
from keras_s2s.generation.beam_search import with_memory
from keras_s2s.generation.beam_search import write_rows
from keras_s2s.generation.blocked_top_k import probability_at


def decode_loop(step_fn, initial_state, start_ids, end_id, max_length,
                select_fn, pad_id=0, max_lengths=None, alignment_fn=None,
                return_alignments=False, memory=None, compact=True):
    """One hypothesis per entry, extended by `select_fn` until it ends.

    `select_fn(logits [A, V], t, rows) -> ids [A]` picks the next tokens of
    the A entries still decoded, which are rows `rows` [A] of the batch;
    `None` picks the most likely ones (ties: the lowest id, as argmax).
    The loop stops when every entry has produced `end_id`, reached its
    entry of `max_lengths`, or after `max_length` steps. With `compact`, an
    entry that has ended leaves the batch, so later steps only pay for the
    others. `memory` (leading axis B, read but never changed by the step)
    is passed to `step_fn(ids, state, memory)`; without it the step is
    `step_fn(ids, state)`. Returns a dict
    with `tokens` [B, max_length], `lengths` [B] (including `end_id`),
    `log_probs` [B] (sum of the chosen tokens' log-probabilities) and, when
    asked, `alignments` [B, max_length, S] from `alignment_fn(state)`.
    """
    if return_alignments and alignment_fn is None:
        raise ValueError("`return_alignments` needs `alignment_fn`.")
    start_ids = ops.cast(start_ids, "int32")
    batch = ops.shape(start_ids)[0]
    entries = ops.arange(batch, dtype="int32")
    call, memory = with_memory(step_fn, memory, batch)
    if max_lengths is None:
        caps = ops.full((batch,), max_length, "int32")
    else:
        caps = ops.minimum(ops.cast(max_lengths, "int32"), max_length)
    results = {"tokens": ops.zeros((batch, max_length), "int32"),
               "lengths": ops.zeros((batch,), "int32"),
               "log_probs": ops.zeros((batch,), "float32")}
    if return_alignments:
        src_len = ops.shape(alignment_fn(initial_state))[-1]
        results["alignments"] = ops.zeros((batch, max_length, src_len),
                                          "float32")
    # What each entry still decoded carries; `results` names are among them.
    loop = {"entries": entries, "ids": start_ids, "caps": caps,
            "finished": ops.zeros((batch,), "bool"),
            "tokens": results["tokens"], "lengths": results["lengths"],
            "log_probs": results["log_probs"],
            "alignments": results.get("alignments",
                                      ops.zeros((batch, 1, 1)))}
    state = initial_state
    if compact:
        loop, state, memory = unknown_rows((loop, state, memory))
    positions = ops.arange(max_length, dtype="int32")

    def cond(t, loop, state, memory, results):
        return ops.logical_not(ops.all(loop["finished"]))

    def body(t, loop, state, memory, results):
        logits, state = call(loop["ids"], state, memory)
        logits = ops.cast(logits, "float32")
        finished = loop["finished"]
        if select_fn is None:
            # The most likely token: top_k(., 1) (`ops.argmax` adds passes
            # over [rows, V] that rewrite negative zeros), and its
            # log-probability from one fused softmax (see
            # `logsumexp_from_best`).
            _, next_ids = ops.top_k(logits, 1)
            next_ids = ops.cast(next_ids[:, 0], "int32")
            chosen = ops.log(probability_at(logits, next_ids))
        else:
            next_ids = ops.cast(select_fn(logits, t, loop["entries"]),
                                "int32")
            # log p(chosen) = logit - logsumexp: no full log-softmax per
            # step. The logit is gathered from the flattened scores
            # (take_along_axis would transpose all [rows, V] of them).
            vocab = ops.shape(logits)[1]
            rows = ops.arange(ops.shape(logits)[0], dtype="int32")
            chosen = (ops.take(ops.reshape(logits, (-1,)),
                               rows * vocab + next_ids, axis=0)
                      - ops.logsumexp(logits, axis=-1))
        next_ids = ops.where(finished, pad_id, next_ids)
        live = ops.logical_not(finished)
        here = ops.cast(ops.equal(positions, t), "int32")[None, :]
        loop = dict(loop, ids=next_ids,
                    log_probs=loop["log_probs"] + ops.where(live, chosen, 0.0),
                    lengths=loop["lengths"] + ops.cast(live, "int32"),
                    tokens=loop["tokens"] + here * next_ids[:, None])
        if return_alignments:
            weights = ops.cast(alignment_fn(state), "float32")
            weights = weights * ops.cast(live, "float32")[:, None]
            loop["alignments"] = loop["alignments"] + (
                ops.cast(here, "float32")[:, :, None] * weights[:, None, :])
        finished = ops.logical_or(finished, ops.equal(next_ids, end_id))
        loop["finished"] = ops.logical_or(finished,
                                          loop["lengths"] >= loop["caps"])
        if compact:
            leave_now, split = leaving_rows(loop["finished"], compact)

            def leave():
                # The entries that ended write their results and leave.
                kept, gone = split()
                written = write_rows(
                    results, ops.take(loop["entries"], gone, axis=0),
                    take_rows({n: loop[n] for n in results}, gone))
                return written, take_rows((loop, state, memory), kept)

            results, (loop, state, memory) = ops.cond(
                leave_now, leave, lambda: (results, (loop, state, memory)))
        return t + 1, loop, state, memory, results

    loop_vars = (ops.convert_to_tensor(0, "int32"), loop, state, memory,
                 results)
    _, loop, _, _, results = ops.while_loop(cond, body, loop_vars,
                                            maximum_iterations=max_length)
    # Entries still decoded when the loop ends (all of them without
    # `compact`) write their results now.
    return write_rows(results, loop["entries"],
                      {name: loop[name] for name in results})


def greedy_search(step_fn, initial_state, start_ids, end_id, max_length,
                  pad_id=0, max_lengths=None, alignment_fn=None,
                  return_alignments=False, memory=None, compact=True):
    """Decodes by taking the most likely token at each step.

    Runs eagerly, inside `tf.function`, and exports: the loop is a
    `keras.ops.while_loop`.

    Args:
        step_fn: callable `(token_ids [batch], state) -> (logits [batch, V],
            state)`; `state` is any nest of tensors.
        initial_state: the state before the first step.
        start_ids: int tensor [batch], the first input tokens.
        end_id: int. Token that ends a sequence (kept in the output).
        max_length: int. Maximum number of generated tokens.
        pad_id: int. Written after a sequence has ended.
        max_lengths: optional int [batch] per-entry caps.
        alignment_fn: `state -> attention weights [batch, S]`.
        return_alignments: bool. Also return the weights of every step.
        memory: optional nest (leading axis batch) the step reads and never
            changes; then `step_fn(token_ids, state, memory)`.
        compact: bool or int. Entries that have ended leave the batch; the
            results are the same either way. An int N > 1: the batch only
            shrinks to a multiple of N entries or a power of two below N
            (`leaving_rows`).

    Returns:
        dict: `tokens` [batch, max_length] int32, `lengths` [batch] (tokens
        up to and including `end_id`), `log_probs` [batch], and
        `alignments` [batch, max_length, S] when asked.
    """
    return decode_loop(
        step_fn, initial_state, start_ids, end_id, max_length,
        None, pad_id=pad_id,
        max_lengths=max_lengths, alignment_fn=alignment_fn,
        return_alignments=return_alignments, memory=memory, compact=compact)
