"""What the recurrent decoders share: argument checks, the stacked cells
and their step, and the output layer (dense, or tied to the embedding)."""

import contextlib

import keras
from keras import ops

from keras_s2s.layers.pretransposed import matmul_pretransposed
from keras_s2s.layers.pretransposed import prepared_kernels

OUTPUT_PRECISIONS = ("float32", "bfloat16")

# How a search's lower-precision kernels are laid out: as the layers hold
# them, [in, out], or transposed, [out, in], multiplied with transpose_b
# (faster for bfloat16 on CPUs with AMX; see `search_output`).
KERNEL_LAYOUTS = ("in_out", "out_in")

CELLS = ("gru", "lstm")


def check_decoder_arguments(owner, cell, units, vocab_size, num_layers,
                            dropout, embedding_dim, tie_embeddings,
                            output_dim=None, output_dim_name="units"):
    """Raises `ValueError`, naming `owner` and the argument, for a bad
    recurrent decoder argument. `output_dim` is the size of the vectors the
    output layer reads (None: `units`; its argument's name is
    `output_dim_name`)."""
    if cell not in CELLS:
        raise ValueError(f"{owner}: unknown `cell` {cell!r}; valid cells "
                         f"are {', '.join(CELLS)}.")
    given = (("units", units), ("vocab_size", vocab_size),
             ("num_layers", num_layers))
    if output_dim is not None:
        given += ((output_dim_name, output_dim),)
    for name, value in given:
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"{owner}: `{name}` must be a positive int, got "
                             f"{value!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"{owner}: `dropout` must be in [0, 1), got "
                         f"{dropout!r}.")
    output_dim = output_dim or units
    if tie_embeddings and (embedding_dim or units) != output_dim:
        raise ValueError(
            f"{owner}: `tie_embeddings` reuses the embedding matrix as the "
            f"output layer, so `embedding_dim` ({embedding_dim}) must equal "
            f"`{output_dim_name}` ({output_dim}).")


def check_build_shapes(owner, inputs_shape, encoder_outputs_shape):
    """Raises `ValueError` unless the targets are [batch, tgt_len] ids and
    the encoder outputs [batch, src_len, dim]."""
    if len(inputs_shape) != 2:
        raise ValueError(
            f"{owner}: `inputs` must be target token ids [batch, tgt_len], "
            f"got shape {tuple(inputs_shape)}.")
    if len(encoder_outputs_shape) != 3:
        raise ValueError(
            f"{owner}: `encoder_outputs` must have rank 3 [batch, src_len, "
            f"dim], got shape {tuple(encoder_outputs_shape)}.")


def stacked_cells(cell, units, num_layers, policy):
    """`(cells, states_per_cell)`: `num_layers` GRU/LSTM cells."""
    cell_class = (keras.layers.GRUCell if cell == "gru"
                  else keras.layers.LSTMCell)
    cells = [cell_class(units, name=f"{cell}_cell_{i}", dtype=policy)
             for i in range(num_layers)]
    return cells, 2 if cell == "lstm" else 1


def run_cells(cells, states_per_cell, x, rnn_state, dropout_layer,
              training, fast_weights=None):
    """One step of the stacked cells from flat state `rnn_state`; returns
    `(new flat state tuple, top output)`. Dropout between cells. With
    `fast_weights` (from `search_cells`), the cells' products read those
    prepared weights instead of calling the Keras cells."""
    k = states_per_cell
    new_rnn = []
    for i, cell in enumerate(cells):
        if i > 0:
            x = dropout_layer(x, training=training)
        cell_state = list(rnn_state[i * k:(i + 1) * k])
        if fast_weights is not None:
            x, cell_state = _fast_cell(cell, fast_weights[i], x, cell_state)
        else:
            x, cell_state = cell(x, cell_state, training=training)
        new_rnn.extend(cell_state if k > 1 else [x])
    return tuple(new_rnn), x


def search_cells(cells, precision, transposed=False, out_in=False):
    """The weights `run_cells(..., fast_weights=...)` reads, prepared once
    outside a search loop: an LSTM cell's input and recurrent kernels
    stacked into one [in + units, 4 units] matrix (one product per step
    instead of two) and a GRU cell's kernels, cast to `precision`. With
    `transposed` (training), each kernel's transpose too, which the
    products' gradients read (`matmul_pretransposed`). With `out_in` (and
    a lower precision), only the transposes, under `<name>_t`: the
    products then multiply by them with transpose_b (`_product`)."""
    out_in = out_in and not transposed and precision != "float32"
    prepared = []
    for cell in cells:
        if isinstance(cell, keras.layers.LSTMCell):
            kernel = ops.concatenate([cell.kernel, cell.recurrent_kernel],
                                     axis=0)
            names = {"kernel": kernel}
        else:
            if not cell.reset_after:
                raise ValueError("search_cells: GRU cells with "
                                 "reset_after=False are not supported.")
            names = {"kernel": cell.kernel,
                     "recurrent_kernel": cell.recurrent_kernel}
        weights = {"bias": cell.bias}
        for name, kernel in names.items():
            cast = ops.cast(kernel, precision)
            if out_in:
                weights[name + "_t"] = ops.transpose(cast)
                continue
            weights[name] = cast
            if transposed:
                weights[name + "_t"] = ops.transpose(cast)
        prepared.append(weights)
    return prepared


def _multiply(x, kernel, kernel_t):
    """`x @ kernel` from the kernel, its transpose or both: both in
    training (`matmul_pretransposed`); the transpose alone (an `out_in`
    layout) as a product with transpose_b, which TensorFlow's graph
    optimizer makes of `x @ transpose(kernel_t)`."""
    if kernel is None:
        return ops.matmul(x, ops.transpose(kernel_t))
    if kernel_t is not None:
        return matmul_pretransposed(x, kernel, kernel_t)
    return ops.matmul(x, kernel)


def _low_product(x, kernel, kernel_t, bias=None, fuse_bias=False):
    """`x @ kernel (+ bias)` in the kernel's dtype, back in `x`'s dtype,
    from the kernel, its transpose or both (`_multiply`). With `fuse_bias`,
    a lower-precision product without a training transpose adds its bias
    in that precision before the cast back, which TensorFlow runs as one
    fused oneDNN inner product (`_FusedMatMul`); see `search_output`."""
    dtype = (kernel if kernel is not None else kernel_t).dtype
    z = _multiply(ops.cast(x, dtype), kernel, kernel_t)
    if (bias is not None and dtype != x.dtype and fuse_bias
            and (kernel is None or kernel_t is None)):
        return ops.cast(z + ops.cast(bias, dtype), x.dtype)
    z = ops.cast(z, x.dtype)
    return z if bias is None else z + ops.cast(bias, x.dtype)


def _product(x, weights, name, bias=None):
    """`x @ weights[name] (+ bias)` for a cell's prepared weights
    (`_low_product`; fused with the bias under
    `search_output(..., fuse_bias=True)`)."""
    return _low_product(x, weights.get(name), weights.get(name + "_t"),
                        bias, weights.get("fuse_bias", False))


def _kernel_dtype(weights):
    """The dtype of a cell's prepared kernels (either layout)."""
    for name in ("kernel", "recurrent_kernel", "kernel_t",
                 "recurrent_kernel_t"):
        if weights.get(name) is not None:
            return weights[name].dtype
    raise ValueError("search cell weights without a kernel")


def _cast_bias(bias, weights):
    """A cell's bias in its kernels' dtype (None stays None)."""
    if bias is None:
        return None
    return ops.cast(bias, _kernel_dtype(weights))


def _fast_cell(cell, weights, x, state):
    """The Keras LSTM/GRU cell's step (inference: no dropout), with the
    products in the prepared weights' dtype and the rest in x's."""
    bias = weights["bias"]
    if isinstance(cell, keras.layers.LSTMCell):
        h, c = state
        z = _product(ops.concatenate([x, h], axis=-1), weights, "kernel",
                     bias)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        act, rec = cell.activation, cell.recurrent_activation
        c = rec(z_f) * c + rec(z_i) * act(z_c)
        h = rec(z_o) * act(c)
        return h, [h, c]
    (h,) = state
    # reset_after: bias [2, 3 units], the input and the recurrent biases.
    x_bias, inner_bias = (None, None) if bias is None else (bias[0], bias[1])
    inner = _product(h, weights, "recurrent_kernel", inner_bias)
    x = _product(x, weights, "kernel", x_bias)
    x_z, x_r, x_h = ops.split(x, 3, axis=-1)
    r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
    z = cell.recurrent_activation(x_z + r_z)
    r = cell.recurrent_activation(x_r + r_r)
    hh = cell.activation(x_h + r * r_h)
    h = z * h + (1 - z) * hh
    return h, [h]


def output_layer(vocab_size, tie_embeddings, policy):
    """The output Dense, or None when the embedding matrix is reused."""
    if tie_embeddings:
        return None
    return keras.layers.Dense(vocab_size, name="output_projection",
                              dtype=policy)


def build_output(decoder):
    """Builds `decoder`'s output layer, or its bias when tied."""
    if decoder.tie_embeddings:
        decoder.output_bias = decoder.add_weight(
            shape=(decoder.vocab_size,), initializer="zeros",
            name="output_bias")
    else:
        decoder.output_projection.build((None, None, decoder.output_dim))


def search_weights(decoder, precision="float32", recurrent_precision=None,
                   transposed=False, kernel_layout="in_out"):
    """What a search reads in place of the decoder's layers: the output
    kernel (or the transposed tied embedding) cast to `precision` and its
    bias, and with `recurrent_precision` the cells' prepared weights
    (`search_cells`). With `transposed` (training), the kernels'
    transposes too, for the gradients (`matmul_pretransposed`). With
    `kernel_layout="out_in"`, each lower-precision kernel is held
    transposed only (`kernel_t`, [vocab, dim]), multiplied with
    transpose_b (see `search_output`). A dict of tensors; an export may
    hold them as variables (`stored_search_weights`)."""
    check_kernel_layout(kernel_layout)
    out_in = (kernel_layout == "out_in" and not transposed)
    if decoder.tie_embeddings:
        bias = decoder.output_bias
    else:
        bias = decoder.output_projection.bias
    if out_in and precision != "float32":
        # Cast first: the transpose moves half the bytes (a tied embedding
        # is [vocab, dim] already).
        weights = {"kernel_t": ops.cast(decoder.embedding.embeddings,
                                        precision)
                   if decoder.tie_embeddings else ops.transpose(ops.cast(
                       decoder.output_projection.kernel, precision)),
                   "bias": bias}
    else:
        kernel = (ops.transpose(decoder.embedding.embeddings)
                  if decoder.tie_embeddings
                  else decoder.output_projection.kernel)
        weights = {"kernel": ops.cast(kernel, precision), "bias": bias}
    if transposed and not decoder.tie_embeddings:
        weights["kernel_t"] = ops.transpose(weights["kernel"])
    cells = getattr(decoder, "cells", None)
    if recurrent_precision is not None and cells:
        weights["cells"] = search_cells(cells, recurrent_precision,
                                        transposed, out_in)
    return weights


def check_kernel_layout(kernel_layout):
    """Raises `ValueError` for a layout not in `KERNEL_LAYOUTS`."""
    if kernel_layout not in KERNEL_LAYOUTS:
        raise ValueError(f"Unknown kernel_layout {kernel_layout!r}; valid "
                         f"layouts are {', '.join(KERNEL_LAYOUTS)}.")


def loop_kernels(decoder):
    """`(layer, name)` of the kernels besides the cells' that `decoder`
    multiplies by at each step (its attentional projection, its
    attention's query kernels), for `prepared_kernels`."""
    pairs = []
    projection = getattr(decoder, "attentional_projection", None)
    if isinstance(projection, keras.layers.Dense) and projection.built:
        pairs.append((projection, "kernel"))
    attention = getattr(decoder, "attention", None)
    for name in ("query_kernel", "location_kernel"):
        if getattr(attention, name, None) is not None:
            pairs.append((attention, name))
    return pairs


@contextlib.contextmanager
def stored_search_weights(decoder, weights, precision="float32",
                          recurrent_precision=None, kernel_layout="in_out"):
    """While open, a search with these precisions and kernel layout reads
    `weights` (the structure `search_weights` returns, e.g. as variables
    of an export, so a SavedModel holds the bfloat16 kernels and casts
    nothing per request) instead of preparing its own."""
    key = (precision, recurrent_precision, kernel_layout)
    object.__setattr__(decoder, "_stored_search_weights", (key, weights))
    try:
        yield
    finally:
        object.__setattr__(decoder, "_stored_search_weights", None)


@contextlib.contextmanager
def search_output(decoder, precision="float32", columns=None,
                  recurrent_precision=None, transposed=False,
                  fuse_bias=False, kernel_layout="in_out"):
    """While open, `output_logits` multiplies in `precision` and, with
    `columns` (int target ids [C], e.g. a `VocabularyShortlist`'s
    candidates), scores only those columns: the output kernel (or the tied
    embedding matrix) is cast and gathered once here, outside any search
    loop, and each step casts only its activations. The scores come back
    in the activations' dtype, the bias added in it. With
    `recurrent_precision`, the recurrent cells' products also read weights
    prepared here (`search_cells`): one product per LSTM step, in that
    precision. Weights given by `stored_search_weights` are read as they
    are. With `transposed` (a training step: `Seq2Seq.call` with
    `training=True`), every kernel the decoder multiplies by, cells,
    attention and output layer, is also transposed once here, and the
    gradients of the loop's products read those copies
    (`keras_s2s.layers.pretransposed`).

    With `fuse_bias`, each lower-precision product (output layer, cells)
    adds its bias in that precision before the cast back, so TensorFlow
    runs product and bias as one fused oneDNN inner product; without it,
    the bias is added in float32 after the cast. On a 2-core AMD EPYC with
    bfloat16 units (2026-11-29) the fused form is faster for one or a few
    rows (one row of `[1280] x [1280, 2048]`: 125 against 197 us; of
    `[512] x [512, 8000]`: 133 against 225 us) and in batches, but slower
    for beam search's five rows of one sentence in the whole step (3% in
    Python, 14% on TF Serving's C++ path), so greedy search asks for it
    and beam search does not. It rounds once instead of twice.

    With `kernel_layout="out_in"` (`search_weights`), the lower-precision
    kernels are held transposed, [out, in], and each step multiplies with
    transpose_b. The results are the same; only the memory layout
    differs. On a 2-core Intel Xeon with AMX (2026-12-07) oneDNN's
    bfloat16 products are 3-14% faster so (`[5, 1280] x [1280, 2048]`:
    0.33 against 0.40 ms), float32 ones slower, so only lower-precision
    kernels take it; ignored in training (`transposed`)."""
    for value in (precision, recurrent_precision or "float32"):
        if value not in OUTPUT_PRECISIONS:
            raise ValueError(f"Unknown precision {value!r}; valid ones are "
                             f"{', '.join(OUTPUT_PRECISIONS)}.")
    stored = getattr(decoder, "_stored_search_weights", None)
    custom_output = (precision != "float32" or columns is not None
                     or transposed)
    if (stored is not None and not transposed
            and stored[0] == (precision, recurrent_precision,
                              kernel_layout)):
        weights = stored[1]
    elif custom_output or recurrent_precision is not None:
        weights = search_weights(decoder, precision, recurrent_precision,
                                 transposed, kernel_layout)
    else:
        weights = {}
    kernel = bias = kernel_t = None
    if custom_output:
        kernel, bias = weights.get("kernel"), weights["bias"]
        kernel_t = weights.get("kernel_t")
        if columns is not None:
            if kernel is not None:
                kernel = ops.take(kernel, columns, axis=1)
            bias = ops.take(bias, columns, axis=0)
            if kernel_t is not None:
                kernel_t = ops.take(kernel_t, columns, axis=0)
    cells = weights.get("cells")
    if fuse_bias and not transposed:
        # The biases in the products' precision once here, not per step.
        if bias is not None:
            bias = ops.cast(bias, (kernel if kernel is not None
                                   else kernel_t).dtype)
        if cells is not None:
            cells = [dict(cell, fuse_bias=True,
                          bias=_cast_bias(cell["bias"], cell))
                     for cell in cells]
    # Not tracked attributes: tensors of the search's own graph.
    object.__setattr__(decoder, "_search_kernel", kernel)
    object.__setattr__(decoder, "_search_kernel_t", kernel_t)
    object.__setattr__(decoder, "_search_bias", bias)
    object.__setattr__(decoder, "_search_cells", cells)
    object.__setattr__(decoder, "_search_fuse_bias", bool(fuse_bias))
    try:
        with prepared_kernels(loop_kernels(decoder) if transposed else ()):
            yield
    finally:
        object.__setattr__(decoder, "_search_kernel", None)
        object.__setattr__(decoder, "_search_kernel_t", None)
        object.__setattr__(decoder, "_search_bias", None)
        object.__setattr__(decoder, "_search_cells", None)
        object.__setattr__(decoder, "_search_fuse_bias", False)


def output_logits(decoder, outputs):
    """Scores over the vocabulary: `outputs` E^T + b when tied, else the
    output Dense (in lower precision, or over some columns, inside
    `search_output`)."""
    kernel = getattr(decoder, "_search_kernel", None)
    kernel_t = getattr(decoder, "_search_kernel_t", None)
    if kernel is not None or kernel_t is not None:
        return _low_product(outputs, kernel, kernel_t, decoder._search_bias,
                            getattr(decoder, "_search_fuse_bias", False))
    if decoder.tie_embeddings:
        embeddings = ops.cast(decoder.embedding.embeddings, outputs.dtype)
        return ops.matmul(outputs, ops.transpose(embeddings)) + \
            ops.cast(decoder.output_bias, outputs.dtype)
    return decoder.output_projection(outputs)
