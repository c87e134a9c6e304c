"""Runs a decoder one step at a time, as search does."""

import numpy as np


def step_by_step(decoder, outputs, state, mask, targets):
    """Feeds `targets` [B, T] to `decoder.step` one column at a time from
    its initial state; yields `(t, logits [B, V], state)` for each step."""
    memory = decoder.prepare_memory(outputs, mask)
    carry = decoder.initial_state(outputs, state)
    for t in range(targets.shape[1]):
        logits, carry = decoder.step(targets[:, t], carry, memory)
        yield t, np.asarray(logits), carry
