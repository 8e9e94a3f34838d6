"""The network's step, written once: every decoder and every export runs these functions.

A trained model is a set of **named weights** (``Seq2Seq.step_weights()``; the names are those of
``WEIGHT_NAMES``). The functions below take them as a mapping, so the same code runs

* in the Keras training graph (``output_step`` over all target positions at once),
* in ``helpers.decoders.GreedyDecoder`` (the Keras variables, read as they are during training),
* in ``helpers.export.InGraphDecoder`` (the same arrays as constants of a SavedModel and of the
  TensorFlow.js graph).

One greedy decoding, ``greedy_decode``:

    encoder_ids (batch, time_in) int32
      -> encode: byte embedding + position -> LSTM cell stepped over the input (both directions when
         bidirectional; a PAD step keeps the state, as Keras masking does)
      -> memory: keys (batch, time_in, units), values (batch, time_in, width), the input ids
      -> while some row has not written END and the limit is not reached, decoder_step:
             token (batch,) -> input gates (looked up) + recurrent gates -> LSTM cell -> h
             h -> output_step: attention over the memory, combine, softmax [, copy mixture]
             -> probabilities (batch, vocabulary) -> argmax: the next token
      -> ids (batch, steps), scores (batch,): the smallest probability among the emitted ids,
         attention (batch, steps, time_in)

An LSTM's input projection of a byte does not depend on the state, so ``input_gate_tables``
tabulates it once per decoding: embedding @ kernel + bias per byte id, and positions @ kernel per
position. A step then only multiplies h by the recurrent kernel. The copy mixture adds the attention
weight of each input position to the probability of the byte id it holds (a scatter-add into
batch * vocabulary slots): no (batch, time_in, vocabulary) one-hot tensor is read at every step.

The JavaScript page (web/model.js ``StepDecoder``) is the one re-implementation; the tests check it
byte for byte against ``GreedyDecoder``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

import tensorflow as tf
from keras import ops

from helpers.vectorization import END_ID, PAD_ID, START_ID

# The named weights of one model. "encoder_{d}_*" for each direction d of the encoder (0 forward, 1
# backward when bidirectional); LSTM gates in Keras' order i, f, c, o.
WEIGHT_NAMES = (
    "encoder_embedding",  # (vocabulary, embedding_dim)
    "decoder_embedding",  # (vocabulary, embedding_dim)
    "positions",  # (positions, position_features): the sinusoids appended to every embedding
    "encoder_0_kernel", "encoder_0_recurrent_kernel", "encoder_0_bias",  # (features, 4 cell units), (cell units, 4 cell units), (4 cell units,)
    "encoder_1_kernel", "encoder_1_recurrent_kernel", "encoder_1_bias",  # bidirectional encoders only
    # stacked encoders (encoder_layers > 1): "encoder_layer{L}_{d}_*" for layer L >= 1 (encoder_prefix)
    "decoder_kernel", "decoder_recurrent_kernel", "decoder_bias",  # (features, 4 units), (units, 4 units), (4 units,)
    "combine_kernel", "combine_bias",  # (units + values width, units), (units,): [h, context] -> tanh
    "output_kernel", "output_bias",  # (units, vocabulary), (vocabulary,): -> softmax
    "copy_gate_kernel", "copy_gate_bias",  # (units, 1), (1,): copy mechanism only
)


INPUT_BUCKET = 8  # decoders pad inputs to a multiple of this many ids


def encoder_prefix(layer: int, direction: int) -> str:
    """The name of one encoder LSTM's weights: "encoder_{direction}" in the first layer (reading the
    byte embeddings), "encoder_layer{layer}_{direction}" above it."""
    return f"encoder_{direction}" if layer == 0 else f"encoder_layer{layer}_{direction}"


def positions_needed(config) -> int:
    """Rows of the position table a decoder may read: inputs are padded up to a multiple of INPUT_BUCKET."""
    return max(-(-config.max_input_length // INPUT_BUCKET) * INPUT_BUCKET, config.max_output_length)


def position_encoding(length, features: int):
    """Sinusoidal encoding of positions 0..length-1: (length, features), periods from 4 to ~2000 steps.

    Appended to the byte embeddings, it tells the encoder and the decoder where each byte stands, so
    the attention can learn "look at the input position that matches this output position" quickly.
    """
    positions = ops.cast(ops.arange(length), "float32")[:, None]
    frequencies = ops.exp(ops.linspace(ops.log(2 * 3.14159265 / 4.0), ops.log(2 * 3.14159265 / 2000.0), features // 2))
    angles = positions * frequencies[None, :]
    return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)


# ----- the output of a step: attention, combination, softmax, copy --------------------------------------
def attend(query, keys, values, key_mask, scale: bool, score_bias=None):
    """Dot-product attention of each query row over the encoder outputs.

    query:    (batch, time_out, units)
    keys:     (batch, time_in, units)   the encoder outputs
    values:   (batch, time_in, width)   what is read: the encoder outputs (and byte embeddings)
    key_mask: (batch, time_in) bool     False at padding
    score_bias: (batch, 1, time_in)     optional, the mask as 0 / -1e9 added to the scores (a decoder
                                        computes it once, not at every step); the same weights
    returns   context (batch, time_out, width), weights (batch, time_out, time_in)
    """
    scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))
    if scale:
        scores = scores / math.sqrt(keys.shape[-1])
    if score_bias is not None:
        scores = scores + score_bias
    else:
        scores = ops.where(ops.expand_dims(key_mask, 1), scores, ops.full_like(scores, -1e9))
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, values), weights


def dense(weights: Mapping, name: str, inputs):
    """inputs (batch, time, n) @ weights[name_kernel] (n, m) + weights[name_bias] (m,) -> (batch, time, m).

    In the Keras training graph ``weights[name]`` is the linear Dense layer that holds that pair (so
    that Keras tracks and trains it): it computes the same product."""
    if name in weights:
        return weights[name](inputs)
    kernel, bias = weights[f"{name}_kernel"], weights[f"{name}_bias"]
    if inputs.shape[1] == 1:  # a decoder step: one matrix product, no reshapes (TensorFlow.js runs every op)
        return ops.expand_dims(ops.matmul(ops.squeeze(inputs, 1), kernel) + bias, 1)
    return ops.tensordot(inputs, kernel, axes=1) + bias


def copy_distribution(attention, encoder_ids, vocabulary_size: int, indices=None):
    """attention (batch, time_out, time_in), encoder_ids (batch, time_in) -> (batch, time_out,
    vocabulary): the attention weight summed over the input positions holding each byte id.

    Over a whole target (training) it is one product with the inputs' one-hot ids (by comparison:
    TensorFlow.js' OneHot was 0.7% off); in a decoder step (time_out 1) a scatter-add into (batch,
    vocabulary), so that no (batch, time_in, vocabulary) tensor is read at every step; ``indices``
    (``copy_indices``, computed once per decoding) are its [row, byte id] pairs."""
    if attention.shape[1] != 1:
        one_hot = ops.cast(ops.equal(encoder_ids[:, :, None], ops.arange(vocabulary_size, dtype=encoder_ids.dtype)), attention.dtype)
        return ops.matmul(attention, one_hot)
    if indices is None:
        indices = copy_indices(encoder_ids)
    batch, _ = tf.unstack(tf.shape(encoder_ids))  # (no strided slices: see decoder_step)
    summed = tf.scatter_nd(indices, tf.squeeze(attention, 1), tf.stack([batch, vocabulary_size]))  # sums repeats
    return tf.expand_dims(summed, 1)


def copy_indices(encoder_ids):
    """encoder_ids (batch, time_in) -> (batch, time_in, 2) int32: [row, byte id] of every input position."""
    batch, time_in = tf.unstack(tf.shape(encoder_ids))  # (no strided slices: see decoder_step)
    rows = tf.broadcast_to(tf.expand_dims(tf.range(batch), 1), tf.stack([batch, time_in]))
    return tf.stack([rows, tf.cast(encoder_ids, tf.int32)], axis=2)


def output_step(config, weights: Mapping, h, keys, values, key_mask, encoder_ids, dropout=None, training=None,
                score_bias=None, copy_indices=None):
    """THE output of the decoder at each position, from its LSTM output ``h`` (batch, time_out, units).

    keys (batch, time_in, units), values (batch, time_in, width), key_mask (batch, time_in) bool,
    encoder_ids (batch, time_in) -> probabilities (batch, time_out, vocabulary), attention weights
    (batch, time_out, time_in). ``dropout`` (a Keras layer) acts on the combined vector in training.
    ``score_bias`` and ``copy_indices``: what a decoder prepares once (``StepMemory``) instead of at
    every step.

    With ``config.copy_mechanism`` (pointer-generator, See et al. 2017) a sigmoid gate mixes the
    softmax with the copy distribution: copying a byte means pointing at it, not re-creating it.
    """
    context, attention = attend(h, keys, values, key_mask, config.attention_scale, score_bias)
    combined = ops.tanh(dense(weights, "combine", ops.concatenate([h, context], axis=-1)))
    logits = dense(weights, "output", dropout(combined, training=training) if dropout is not None else combined)
    probabilities = ops.softmax(logits, axis=-1)
    if config.copy_mechanism:
        gate = ops.sigmoid(dense(weights, "copy_gate", combined))  # (batch, time_out, 1): write from the softmax
        copied = copy_distribution(attention, encoder_ids, config.vocabulary_size, copy_indices)
        probabilities = gate * probabilities + (1.0 - gate) * copied
    return probabilities, attention


# ----- the recurrent part --------------------------------------------------------------------------------
def input_gate_tables(config, weights: Mapping, prefix: str, embedding: str):
    """An LSTM's input projection tabulated: (vocabulary, 4 cell units) = embedding @ kernel + bias per
    byte id, and (positions, 4 cell units) = positions @ kernel per position (None without positions).
    Tables already in ``weights`` (``{prefix}_input_gates``, ``{prefix}_position_gates``: an export
    computes them once) are used as they are."""
    if f"{prefix}_input_gates" in weights:
        return weights[f"{prefix}_input_gates"], weights.get(f"{prefix}_position_gates")
    kernel = weights[f"{prefix}_kernel"]
    by_id = ops.matmul(weights[embedding], kernel[:config.embedding_dim]) + weights[f"{prefix}_bias"]
    if not config.position_features:
        return by_id, None
    return by_id, ops.matmul(weights["positions"], kernel[config.embedding_dim:])


def lstm_cell(gates, c):
    """Keras' LSTM cell from its summed gate inputs: gates (batch, 4 units) in the order i, f, c, o,
    c (batch, units) -> new h, c."""
    z_input, z_forget, z_cell, z_output = ops.split(gates, 4, axis=-1)
    c = ops.sigmoid(z_forget) * c + ops.sigmoid(z_input) * ops.tanh(z_cell)
    return ops.sigmoid(z_output) * ops.tanh(c), c


class StepMemory(NamedTuple):
    """What every decoder step reads: the encoded input and what is computed from it once."""

    keys: Any  # (batch, time_in, units): the encoder outputs
    values: Any  # (batch, time_in, width): what the attention reads
    key_mask: Any  # (batch, time_in) bool: False at padding
    encoder_ids: Any  # (batch, time_in) int32
    score_bias: Any  # (batch, 1, time_in): 0 on the input, -1e9 at padding
    copy_indices: Any  # (batch, time_in, 2) [row, byte id] (copy mechanism), else None

    @classmethod
    def prepare(cls, config, keys, values, key_mask, encoder_ids) -> "StepMemory":
        score_bias = tf.expand_dims(tf.where(key_mask, 0.0, -1e9), 1)
        return cls(keys, values, key_mask, encoder_ids, score_bias,
                   copy_indices(encoder_ids) if config.copy_mechanism else None)


def decoder_step(config, weights: Mapping, tables, memory, token, position, h, c):
    """One step of the decoder: token (batch,) int32 read at ``position`` (a scalar), state h, c
    (batch, units) -> probabilities (batch, vocabulary), attention (batch, time_in), h, c.
    ``tables``: ``input_gate_tables`` of the decoder; ``memory``: a ``StepMemory``."""
    by_id, by_position = tables
    # (gathers and expand/squeeze rather than slicing: the TensorFlow.js converter mangles strided
    # slices inside while loops)
    gates = ops.take(by_id, token, axis=0) + ops.matmul(h, weights["decoder_recurrent_kernel"])
    if by_position is not None:
        gates = gates + ops.take(by_position, position, axis=0)
    h, c = lstm_cell(gates, c)
    probabilities, attention = output_step(config, weights, ops.expand_dims(h, 1), memory.keys, memory.values,
                                           memory.key_mask, memory.encoder_ids, score_bias=memory.score_bias,
                                           copy_indices=memory.copy_indices)
    return ops.squeeze(probabilities, 1), ops.squeeze(attention, 1), h, c


def encode(config, weights: Mapping, encoder_ids, tensor_lists: bool = True):
    """encoder_ids (batch, time_in) -> memory (keys (batch, time_in, units), values (batch, time_in,
    width), key_mask (batch, time_in), encoder_ids) and the initial decoder state h, c (batch, units).
    The cell is stepped by an explicit ``tf.while_loop`` (both directions when bidirectional)."""
    mask = tf.not_equal(encoder_ids, PAD_ID)
    time = tf.shape(encoder_ids)[1]
    directions = 2 if config.bidirectional_encoder else 1
    keys = None
    for layer in range(config.encoder_layers):
        results = []
        for direction in range(directions):
            prefix = encoder_prefix(layer, direction)
            if layer == 0:  # bytes: the input gates are looked up per byte id and position
                by_id, by_position = input_gate_tables(config, weights, prefix, "encoder_embedding")
                inputs = tf.gather(by_id, encoder_ids)  # (batch, time, 4 cell units)
                if by_position is not None:
                    inputs = inputs + by_position[None, :time]
            else:  # the outputs of the layer below
                inputs = tf.tensordot(keys, weights[f"{prefix}_kernel"], axes=1) + weights[f"{prefix}_bias"]
            results.append(_run_direction(inputs, mask, weights[f"{prefix}_recurrent_kernel"], reverse=direction == 1,
                                          tensor_lists=tensor_lists))
        if directions == 1:
            keys, h, c = results[0]
        else:
            (forward, forward_h, forward_c), (backward, backward_h, backward_c) = results
            keys = tf.concat([forward, backward], -1)
            h, c = tf.concat([forward_h, backward_h], -1), tf.concat([forward_c, backward_c], -1)
    values = tf.concat([keys, tf.gather(weights["encoder_embedding"], encoder_ids)], -1) if config.attend_to_embeddings else keys
    return (keys, values, mask, encoder_ids), h, c


def _run_direction(inputs, mask, recurrent_kernel, reverse: bool, tensor_lists: bool):
    """inputs (batch, time, 4 cell units): the input gates; mask (batch, time) -> outputs (batch, time,
    cell units), zeros at PAD; final h, c. ``reverse`` runs last to first; a PAD step keeps the state."""
    batch, time = tf.shape(inputs)[0], tf.shape(inputs)[1]
    cell_units = recurrent_kernel.shape[0]
    steps = tf.transpose(inputs, [1, 0, 2])  # (time, batch, 4 cell units)
    steps_mask = tf.expand_dims(tf.transpose(mask, [1, 0]), 2)  # (time, batch, 1)
    zeros = tf.zeros([batch, cell_units])
    outputs = tf.TensorArray(tf.float32, size=time) if tensor_lists else tf.zeros([batch, 0, cell_units])

    def body(step, h, c, outputs):
        index = time - 1 - step if reverse else step
        new_h, new_c = lstm_cell(tf.gather(steps, index) + tf.matmul(h, recurrent_kernel), c)
        keep = tf.gather(steps_mask, index)
        h, c = tf.where(keep, new_h, h), tf.where(keep, new_c, c)
        output = tf.where(keep, new_h, zeros)
        if tensor_lists:
            outputs = outputs.write(index, output)
        elif reverse:
            outputs = tf.concat([tf.expand_dims(output, 1), outputs], axis=1)
        else:
            outputs = tf.concat([outputs, tf.expand_dims(output, 1)], axis=1)
        return step + 1, h, c, outputs

    state_shape = tf.TensorShape([None, cell_units])
    _, h, c, outputs = tf.while_loop(
        lambda step, *_: step < time, body, [tf.constant(0), zeros, zeros, outputs],
        shape_invariants=None if tensor_lists else [tf.TensorShape([]), state_shape, state_shape,
                                                    tf.TensorShape([None, None, cell_units])])
    if tensor_lists:
        outputs = tf.transpose(outputs.stack(), [1, 0, 2])
    return outputs, h, c


# ----- greedy decoding -------------------------------------------------------------------------------------
def greedy_decode(config, weights: Mapping, encoder_ids, limit, tensor_lists: bool = True, return_attention: bool = True):
    """encoder_ids (batch, time_in) int32 (UTF-8 bytes + 3, END_ID, then PAD_ID), limit: the most steps
    -> ids (batch, steps) int32 (PAD after END_ID), scores (batch,) float32 (the smallest probability
    among the emitted ids), attention (batch, steps, time_in) float32 (steps 0 unless return_attention).

    Stops when every row has written END_ID. ``tensor_lists`` collects the steps in TensorArrays (fast);
    False concatenates them, for TensorFlow.js (which disposes TensorList elements written in a loop
    too early)."""
    batch, time_in = tf.shape(encoder_ids)[0], tf.shape(encoder_ids)[1]
    memory, h, c = encode(config, weights, encoder_ids, tensor_lists)
    memory = StepMemory.prepare(config, *memory)
    tables = input_gate_tables(config, weights, "decoder", "decoder_embedding")

    def body(step, token, h, c, finished, scores, emitted, attention):
        probabilities, weights_now, h, c = decoder_step(config, weights, tables, memory, token, step, h, c)
        next_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        next_ids = tf.where(finished, PAD_ID, next_ids)
        scores = tf.where(finished, scores, tf.minimum(scores, tf.reduce_max(probabilities, axis=-1)))
        if tensor_lists:
            emitted = emitted.write(step, next_ids)
            if return_attention:
                attention = attention.write(step, weights_now)
        else:
            emitted = tf.concat([emitted, tf.expand_dims(next_ids, 1)], axis=1)
            if return_attention:
                attention = tf.concat([attention, tf.expand_dims(weights_now, 1)], axis=1)
        finished = tf.logical_or(finished, tf.equal(next_ids, END_ID))
        token = tf.where(tf.equal(next_ids, END_ID), PAD_ID, next_ids)  # END is read as padding, as in training
        return step + 1, token, h, c, finished, scores, emitted, attention

    def running(step, token, h, c, finished, *_):
        return tf.logical_and(step < limit, tf.logical_not(tf.reduce_all(finished)))

    start = [tf.constant(0), tf.fill([batch], START_ID), h, c, tf.zeros([batch], tf.bool), tf.ones([batch], tf.float32)]
    if tensor_lists:
        start += [tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[None]),
                  tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[None, None])]
    else:
        start += [tf.zeros([batch, 0], tf.int32), tf.zeros([batch, 0, time_in])]
    vector, state = tf.TensorShape([None]), tf.TensorShape([None, config.units])
    _, _, _, _, _, scores, ids, attention = tf.while_loop(
        running, body, start, shape_invariants=None if tensor_lists else [
            tf.TensorShape([]), vector, state, state, vector, vector, tf.TensorShape([None, None]),
            tf.TensorShape([None, None, None])])
    if tensor_lists:
        ids = tf.transpose(ids.stack(), [1, 0])
        attention = (tf.transpose(attention.stack(), [1, 0, 2]) if return_attention
                     else tf.zeros([batch, 0, time_in]))
    return ids, scores, attention
