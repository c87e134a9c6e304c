"""Sampling with temperature, top-k and nucleus (top-p) filtering."""

from keras import ops

from keras_s2s.generation.greedy_search import decode_loop

NEG_INF = -1e9


def filter_logits(logits, temperature=1.0, top_k=0, top_p=1.0):
    """Applies temperature, then keeps the top-k and top-p tokens.

    Tokens outside the kept set get a log-weight of -1e9. `top_k=0` and
    `top_p=1.0` keep everything. Nucleus filtering (Holtzman et al. 2020)
    keeps the smallest set of most likely tokens whose probability reaches
    `top_p`, and always the most likely token.
    """
    if temperature <= 0:
        raise ValueError(f"`temperature` must be > 0, got {temperature}.")
    if not 0.0 < top_p <= 1.0:
        raise ValueError(f"`top_p` must be in (0, 1], got {top_p}.")
    if top_k < 0:
        raise ValueError(f"`top_k` must be >= 0, got {top_k}.")
    logits = ops.cast(logits, "float32") / temperature
    if top_k:
        kth = ops.top_k(logits, top_k)[0][:, -1:]
        logits = ops.where(logits < kth, NEG_INF, logits)
    if top_p < 1.0:
        vocab = ops.shape(logits)[-1]
        sorted_logits, _ = ops.top_k(logits, vocab)
        probs = ops.softmax(sorted_logits, axis=-1)
        before = ops.cumsum(probs, axis=-1) - probs
        keep = before < top_p
        # The smallest kept logit is the threshold.
        threshold = ops.min(ops.where(keep, sorted_logits, 1e9), axis=-1,
                            keepdims=True)
        logits = ops.where(logits < threshold, NEG_INF, logits)
    return logits


def _gumbel_noise(shape, seed, step):
    """Stateless Gumbel noise from (seed, step): reproducible in a graph.

    keras.random accepts only Python-int seeds, so this one helper uses
    TensorFlow's stateless uniform (a core op, fine in SavedModels).
    """
    import tensorflow as tf

    seeds = tf.stack([tf.cast(seed, tf.int32), tf.cast(step, tf.int32)])
    uniform = tf.random.stateless_uniform(shape, seeds, minval=1e-9,
                                          maxval=1.0)
    return -tf.math.log(-tf.math.log(uniform))


def sample_search(step_fn, initial_state, start_ids, end_id, max_length,
                  temperature=1.0, top_k=0, top_p=1.0, seed=None, pad_id=0,
                  max_lengths=None, alignment_fn=None,
                  return_alignments=False, memory=None, compact=True):
    """Draws one sequence per entry from the (filtered) model distribution.

    The same `seed` gives the same samples, eagerly, in `tf.function` and in
    an exported graph; with `seed=None` a seed is drawn at call time. Other
    arguments and the result are as in `greedy_search`; `log_probs` are
    under the unfiltered model. An entry's draws depend on the seed, the
    step and its row in the batch only.
    """
    if seed is None:
        import tensorflow as tf

        seed = tf.random.uniform([], maxval=2**31 - 1, dtype=tf.int32)

    batch = ops.shape(start_ids)[0]

    def select(logits, t, rows):
        filtered = filter_logits(logits, temperature, top_k, top_p)
        # Noise for the whole batch, so an entry's draws do not depend on
        # which other entries have already ended.
        noise = _gumbel_noise((batch, ops.shape(filtered)[1]), seed, t)
        return ops.argmax(filtered + ops.take(noise, rows, axis=0), axis=-1)

    return decode_loop(step_fn, initial_state, start_ids, end_id, max_length,
                       select, pad_id=pad_id, max_lengths=max_lengths,
                       alignment_fn=alignment_fn,
                       return_alignments=return_alignments, memory=memory,
                       compact=compact)
