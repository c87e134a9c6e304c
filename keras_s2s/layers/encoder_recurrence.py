"""A Keras GRU/LSTM layer (or a `Bidirectional` one) run over a masked
sequence for a training step, reading the layer's own weights.

Same values as calling the layer (`RNNEncoder` calls it so elsewhere), two
costs less: the input-side product is done once over all positions before
the loop instead of once per step, and the gradients read every kernel
transposed once (`keras_s2s.layers.pretransposed`), not per step.
Masked steps keep the state, as Keras does; a backward layer reads the
sequence reversed, padding first, as `go_backwards` does.
"""

import keras
from keras import ops

from keras_s2s.layers.pretransposed import matmul_pretransposed
from keras_s2s.layers.pretransposed import prepare


def run_recurrent_layer(layer, x, mask):
    """`layer(x, mask=mask)` for a `keras.layers.LSTM`/`GRU` built with
    `return_sequences=True, return_state=True`, or a `Bidirectional` of one
    (`merge_mode="concat"`): returns the same list, outputs first, then the
    final states (forward's, then backward's). Outputs at masked positions
    are the last state, not zeros: callers mask them."""
    if isinstance(layer, keras.layers.Bidirectional):
        forward = _run(layer.forward_layer, x, mask, reverse=False)
        backward = _run(layer.backward_layer, x, mask, reverse=True)
        outputs = ops.concatenate([forward[0], backward[0]], axis=-1)
        return [outputs, *forward[1:], *backward[1:]]
    return _run(layer, x, mask, reverse=layer.go_backwards)


def _run(layer, x, mask, reverse):
    cell = layer.cell
    dtype = cell.compute_dtype
    x = ops.cast(x, dtype)
    lstm = isinstance(cell, keras.layers.LSTMCell)
    if not lstm and not cell.reset_after:
        raise ValueError("run_recurrent_layer: GRU cells with "
                         "reset_after=False are not supported.")
    kernel, kernel_t = prepare(cell.kernel, dtype)
    recurrent, recurrent_t = prepare(cell.recurrent_kernel, dtype)
    # Input side, all positions at once: [batch, time, gates].
    inputs = matmul_pretransposed(x, kernel, kernel_t)
    recurrent_bias = None
    if cell.use_bias:
        bias = ops.cast(cell.bias, dtype)
        if lstm:
            inputs = inputs + bias
        else:  # reset_after: [2, 3 units], input and recurrent biases
            inputs, recurrent_bias = inputs + bias[0], bias[1]
    # Time major, the mask as one more column (scan takes one tensor).
    keep = ops.expand_dims(ops.cast(mask, dtype), -1)
    steps = ops.transpose(ops.concatenate([inputs, keep], axis=-1), (1, 0, 2))
    if reverse:
        steps = ops.flip(steps, 0)
    batch = ops.shape(x)[0]
    zeros = ops.zeros((batch, cell.units), dtype)
    state = (zeros, zeros) if lstm else (zeros,)

    def body(state, step):
        z_in, m = step[:, :-1], step[:, -1:] > 0
        h = state[0]
        z_h = matmul_pretransposed(h, recurrent, recurrent_t)
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

    # Keras' TensorFlow scan stacks outputs shaped like the carry.
    final, stacked = ops.scan(body, state, steps)
    outputs = stacked[0]
    if reverse:
        outputs = ops.flip(outputs, 0)
    return [ops.transpose(outputs, (1, 0, 2)), *final]
