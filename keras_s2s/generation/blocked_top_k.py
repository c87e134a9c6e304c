"""Top-k over a large vocabulary through block maxima, with its logsumexp."""

import math

from keras import ops

# Below this many columns a plain `top_k` is as fast.
MIN_BLOCKED_VOCAB = 1024
# Columns per block when the number of columns is known only when the graph
# runs (a vocabulary shortlist's candidates: 512 to a few thousand, in
# multiples of 512, where it is a divisor).
DYNAMIC_BLOCK = 64


def block_size(vocab):
    """Columns per block for a vocabulary of `vocab` (about sqrt(vocab)).

    A divisor of `vocab` near its square root when there is one (no padding
    needed), else the rounded square root (the last block is padded).
    """
    root = math.isqrt(vocab)
    for size in sorted(range(root // 2, 2 * root + 1),
                       key=lambda s: abs(s - root)):
        if size > 0 and vocab % size == 0:
            return size
    return root


def top_k_with_logsumexp(logits, k):
    """`(values, indices, logsumexp)`: `ops.top_k(logits, k)` and
    `ops.logsumexp(logits, axis=-1)` for float logits [N, V].

    TensorFlow's CPU `TopKV2` over every column costs more than a beam
    search step's attention. Here the columns are cut into blocks of about
    sqrt(V); the k best values lie in the k blocks with the highest maxima
    (each of those blocks holds a value at least as high as any value
    outside them), so only the block maxima [N, V/b] and those k blocks
    [N, k*b] are ranked. The blocks are taken in column order, so ties go
    to the lower index as with `ops.top_k`: the result is the same. The
    maxima also give the logsumexp's maximum.

    `k` may be a scalar int tensor (a serving input); it must be <= V.
    Vocabularies under `MIN_BLOCKED_VOCAB`, or with fewer blocks than `k`,
    take the plain path. When V is known only as the graph runs (the
    columns of a vocabulary shortlist), the blocks are `DYNAMIC_BLOCK` wide
    and the path is chosen then.
    """
    vocab = logits.shape[-1]
    if vocab is None:
        vocab = ops.shape(logits)[-1]
        size = DYNAMIC_BLOCK
        n_blocks = (vocab + size - 1) // size
        return ops.cond(
            ops.logical_and(vocab >= MIN_BLOCKED_VOCAB, k <= n_blocks),
            lambda: _blocked(logits, k, size, n_blocks),
            lambda: _plain(logits, k))
    if vocab < MIN_BLOCKED_VOCAB:
        return _plain(logits, k)
    size = block_size(vocab)
    n_blocks = -(-vocab // size)
    if isinstance(k, int):
        if k > n_blocks:
            return _plain(logits, k)
        return _blocked(logits, k, size, n_blocks)
    return ops.cond(k <= n_blocks,
                    lambda: _blocked(logits, k, size, n_blocks),
                    lambda: _plain(logits, k))


def logsumexp_from_best(logits, best, best_index):
    """`ops.logsumexp(logits, axis=-1)` for float logits [N, V], given each
    row's maximum `best` [N] and its column `best_index` [N].

    logsumexp = best - log softmax(logits)[best_index]. The softmax is one
    fused kernel (oneDNN's on CPU): about a third of the time of the
    maximum, subtraction, exponential and sum as separate passes over
    [N, V]. Its value at the maximum is at least 1/V, so the logarithm
    loses nothing.
    """
    return best - ops.log(probability_at(logits, best_index))


def probability_at(logits, index):
    """softmax(logits)[n, index[n]] for float logits [N, V], index [N]."""
    rows, vocab = ops.shape(logits)[0], ops.shape(logits)[1]
    probs = ops.softmax(logits, axis=-1)
    return ops.take(ops.reshape(probs, (-1,)),
                    ops.arange(rows, dtype="int32") * vocab
                    + ops.cast(index, "int32"), axis=0)


def _plain(logits, k):
    values, indices = ops.top_k(logits, k)
    indices = ops.cast(indices, "int32")
    return values, indices, logsumexp_from_best(logits, values[:, 0],
                                                indices[:, 0])


def _blocked(logits, k, size, n_blocks):
    """`n_blocks` (and so the padding) may be a scalar int tensor."""
    rows = ops.shape(logits)[0]
    static = isinstance(n_blocks, int)
    padding = n_blocks * size - (logits.shape[-1] if static
                                 else ops.shape(logits)[-1])
    padded = logits
    if not static or padding:
        padded = ops.pad(logits, [[0, 0], [0, padding]],
                         constant_values=float("-inf"))
    blocks = ops.reshape(padded, (rows, n_blocks, size))
    maxima = ops.max(blocks, axis=-1)                      # [N, V/b]
    _, best = ops.top_k(maxima, k)
    best = ops.sort(ops.cast(best, "int32"), axis=-1)      # column order
    # Gathers on the flattened leading axes: `take_along_axis` would
    # transpose the whole [N, V/b, b] tensor.
    offsets = ops.arange(rows, dtype="int32")[:, None]
    candidates = ops.take(ops.reshape(blocks, (-1, size)),
                          offsets * n_blocks + best, axis=0)  # [N, k, b]
    values, within = ops.top_k(ops.reshape(candidates, (rows, -1)), k)
    within = ops.cast(within, "int32")
    block = ops.take(ops.reshape(best, (-1,)), offsets * k + within // size,
                     axis=0)
    indices = block * size + within % size
    return values, indices, logsumexp_from_best(logits, values[:, 0],
                                                indices[:, 0])
