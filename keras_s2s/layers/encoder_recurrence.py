"""A Keras GRU/LSTM layer (or a `Bidirectional` one) run over a masked
sequence, reading the layer's own weights.

Same values as calling the layer, two costs less: the input-side product
is done once over all positions before the loop instead of once per step
(one [batch * time, in] product runs at about 1.8 times the rate of the
per-step [batch, in] ones on a 2-core CPU), and in a training step the
gradients read every kernel transposed once
(`keras_s2s.layers.pretransposed`), not per step.
Masked steps keep the state, as Keras does; a backward layer reads the
sequence reversed, padding first, as `go_backwards` does.
"""

import keras
from keras import ops

from keras_s2s.layers.pretransposed import matmul_pretransposed
from keras_s2s.layers.pretransposed import prepare


def run_recurrent_layer(layer, x, mask, transposed=True):
    """`layer(x, mask=mask)` for a `keras.layers.LSTM`/`GRU` built with
    `return_sequences=True, return_state=True`, or a `Bidirectional` of one
    (`merge_mode="concat"`): returns the same list, outputs first, then the
    final states (forward's, then backward's). Outputs at masked positions
    are the last state, not zeros: callers mask them. `transposed` (a
    training step): the products' gradients read kernels transposed once;
    without it (inference) the products are plain ones."""
    # Time major once for both directions: [time, batch, ...].
    x = ops.transpose(x, (1, 0, 2))
    keep = ops.expand_dims(ops.transpose(mask), -1)
    if isinstance(layer, keras.layers.Bidirectional):
        forward = _run(layer.forward_layer, x, keep, False, transposed)
        backward = _run(layer.backward_layer, x, keep, True, transposed)
        outputs = ops.concatenate([forward[0], backward[0]], axis=-1)
        results = [outputs, *forward[1:], *backward[1:]]
    else:
        results = _run(layer, x, keep, layer.go_backwards, transposed)
    return [ops.transpose(results[0], (1, 0, 2)), *results[1:]]


def _kernel(kernel, dtype, transposed):
    """`(kernel, kernel^T or None)` in `dtype`."""
    if transposed:
        return prepare(kernel, dtype)
    return ops.cast(kernel, dtype), None


def _product(x, kernel, kernel_t):
    if kernel_t is None:
        return ops.matmul(x, kernel)
    return matmul_pretransposed(x, kernel, kernel_t)


def _run(layer, x, keep, reverse, transposed):
    """`[outputs, *final states]` of one direction over time-major `x`
    [time, batch, in] with `keep` [time, batch, 1] (bool); outputs time
    major."""
    cell = layer.cell
    dtype = cell.compute_dtype
    x = ops.cast(x, dtype)
    lstm = isinstance(cell, keras.layers.LSTMCell)
    if not lstm and not cell.reset_after:
        raise ValueError("run_recurrent_layer: GRU cells with "
                         "reset_after=False are not supported.")
    kernel, kernel_t = _kernel(cell.kernel, dtype, transposed)
    recurrent, recurrent_t = _kernel(cell.recurrent_kernel, dtype,
                                     transposed)
    # Input side, all positions at once, time major: [time, batch, gates]
    # (transposing the inputs is cheaper than transposing the gates).
    inputs = _product(x, kernel, kernel_t)
    recurrent_bias = None
    if cell.use_bias:
        bias = ops.cast(cell.bias, dtype)
        if lstm:
            inputs = inputs + bias
        else:  # reset_after: [2, 3 units], input and recurrent biases
            inputs, recurrent_bias = inputs + bias[0], bias[1]
    # The mask as one more column: Keras' scan takes nested inputs only
    # when the time axis has a static length.
    steps = ops.concatenate([inputs, ops.cast(keep, dtype)], axis=-1)
    batch = ops.shape(x)[1]
    zeros = ops.zeros((batch, cell.units), dtype)
    state = (zeros, zeros) if lstm else (zeros,)

    def body(state, step):
        z_in, m = step[:, :-1], step[:, -1:] > 0
        h = state[0]
        z_h = _product(h, recurrent, recurrent_t)
        if lstm:
            z_i, z_f, z_c, z_o = ops.split(z_in + z_h, 4, axis=-1)
            act, rec = cell.activation, cell.recurrent_activation
            c = rec(z_f) * state[1] + rec(z_i) * act(z_c)
            new = (rec(z_o) * act(c), c)
        else:
            if recurrent_bias is not None:
                z_h = z_h + recurrent_bias
            x_z, x_r, x_h = ops.split(z_in, 3, axis=-1)
            r_z, r_r, r_h = ops.split(z_h, 3, axis=-1)
            z = cell.recurrent_activation(x_z + r_z)
            r = cell.recurrent_activation(x_r + r_r)
            hh = cell.activation(x_h + r * r_h)
            new = (z * h + (1 - z) * hh,)
        new = tuple(ops.where(m, n, s) for n, s in zip(new, state))
        return new, new

    # Keras' TensorFlow scan stacks outputs shaped like the carry; with
    # `reverse` it reads the last position first and stacks in position
    # order, so nothing is flipped.
    final, stacked = ops.scan(body, state, steps, reverse=reverse)
    return [stacked[0], *final]
