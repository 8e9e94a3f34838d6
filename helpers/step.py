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
      -> in_output_order: a ``reverse_output`` model wrote each row's bytes last first; they are turned
         back here, so every decoder and export gives the output in its normal order

An LSTM's input projection of a byte does not depend on the state, so ``input_gate_tables``
tabulates it once per decoding: embedding @ kernel + bias per byte id, and positions @ kernel per
position. A step then only multiplies h by the recurrent kernel. The copy mixture adds the attention
weight of each input position to the probability of the byte id it holds (a weighted count of the ids
of each row): no (batch, time_in, vocabulary) one-hot tensor is read at every step.

Two re-implementations restate these functions: the JavaScript page's (web/model.js ``StepDecoder``)
and ``helpers.numpy_decoding`` (NumPy, which the predict and evaluate commands run without TensorFlow);
the tests check both against ``GreedyDecoder``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

import tensorflow as tf
from keras import ops

from helpers.model_config import encoder_prefix
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


def copy_distribution(attention, encoder_ids, vocabulary_size: int):
    """attention (batch, time_out, time_in), encoder_ids (batch, time_in) -> (batch, time_out,
    vocabulary): the attention weight summed over the input positions holding each byte id.

    Over a whole target (training) it is one product with the inputs' one-hot ids (by comparison:
    TensorFlow.js' OneHot was measurably off); in a decoder step (time_out 1) a weighted count of the ids
    per row (DenseBincount), so that no (batch, time_in, vocabulary) tensor is read at every step
    (several times faster than the scatter-add into [row, byte id] pairs it replaced: EXPERIMENTS.md)."""
    if attention.shape[1] != 1:
        one_hot = ops.cast(ops.equal(encoder_ids[:, :, None], ops.arange(vocabulary_size, dtype=encoder_ids.dtype)), attention.dtype)
        return ops.matmul(attention, one_hot)
    summed = tf.raw_ops.DenseBincount(input=tf.cast(encoder_ids, tf.int32), size=vocabulary_size,
                                      weights=tf.squeeze(attention, 1), binary_output=False)
    return tf.expand_dims(summed, 1)


def output_step(config, weights: Mapping, h, keys, values, key_mask, encoder_ids, dropout=None, training=None,
                score_bias=None):
    """THE output of the decoder at each position, from its LSTM output ``h`` (batch, time_out, units).

    keys (batch, time_in, units), values (batch, time_in, width), key_mask (batch, time_in) bool,
    encoder_ids (batch, time_in) -> probabilities (batch, time_out, vocabulary), attention weights
    (batch, time_out, time_in). ``dropout`` (a Keras layer) acts on the combined vector in training.
    ``score_bias``: what a decoder prepares once (``StepMemory``) instead of at every step.

    With ``config.copy_mechanism`` (pointer-generator, See et al. 2017) a sigmoid gate mixes the
    softmax with the copy distribution: copying a byte means pointing at it, not re-creating it.
    """
    context, attention = attend(h, keys, values, key_mask, config.attention_scale, score_bias)
    combined = ops.tanh(dense(weights, "combine", ops.concatenate([h, context], axis=-1)))
    logits = dense(weights, "output", dropout(combined, training=training) if dropout is not None else combined)
    probabilities = ops.softmax(logits, axis=-1)
    if config.copy_mechanism:
        gate = ops.sigmoid(dense(weights, "copy_gate", combined))  # (batch, time_out, 1): write from the softmax
        copied = copy_distribution(attention, encoder_ids, config.vocabulary_size)
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

    @classmethod
    def prepare(cls, config, keys, values, key_mask, encoder_ids) -> "StepMemory":
        score_bias = tf.expand_dims(tf.where(key_mask, 0.0, -1e9), 1)
        return cls(keys, values, key_mask, encoder_ids, score_bias)


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
                                           memory.key_mask, memory.encoder_ids, score_bias=memory.score_bias)
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
    ids, ordered = in_output_order(config, ids, attention if return_attention else None)  # reverse_output
    return ids, scores, ordered if return_attention else attention


def in_output_order(config, ids, attention=None):
    """ids (batch, steps) int32 as the decoder wrote them, attention (batch, steps, time_in) or None ->
    the same in the output's order. A ``config.reverse_output`` model writes each output last byte
    first, then END_ID: the ids before each row's first END_ID (all of them in a row without one) are
    reversed, END_ID and the PAD after it stay, and so are the attention rows: row i is then output
    byte i. Other models' ids are returned as they are (no op is added to their graph). The one place
    that turns them back (web/model.js ``inOutputOrder`` mirrors it). A plain gather over the flattened
    rows: TensorFlow.js's wasm backend gets a gather with ``batch_dims`` wrong (measured, tfjs 4.22)."""
    if not config.reverse_output:
        return ids, attention
    batch, steps = tf.shape(ids)[0], tf.shape(ids)[1]
    lengths = tf.reduce_sum(tf.cast(tf.equal(tf.cumsum(tf.cast(tf.equal(ids, END_ID), tf.int32), axis=1), 0), tf.int32),
                            axis=1, keepdims=True)  # (batch, 1): ids before END_ID
    positions = tf.range(steps)[None, :]
    source = tf.where(positions < lengths, lengths - 1 - positions, positions)  # (batch, steps): the step to read
    source = tf.reshape(source + tf.range(batch)[:, None] * steps, [-1])  # ... in the flattened rows
    ids = tf.reshape(tf.gather(tf.reshape(ids, [-1]), source), tf.shape(ids))
    if attention is not None:
        rows = tf.concat([[batch * steps], tf.shape(attention)[2:]], axis=0)
        attention = tf.reshape(tf.gather(tf.reshape(attention, rows), source), tf.shape(attention))
    return ids, attention


def greedy_decode_in_groups(config, weights: Mapping, encoder_ids, limit, group_size: int = 128, lanes: int = 2):
    """``greedy_decode`` of a batch in any order, fast: rows sorted by input length, decoded at most
    ``group_size`` at a time, each group cut to its own longest input and stopped when its own rows
    have all written END_ID. The groups are dealt to ``lanes`` independent loops, which TensorFlow
    runs at the same time (one per core). Results in the order given.

    encoder_ids (batch, time_in) int32, limit: the most steps -> ids (batch, steps) int32 (PAD after
    END_ID), scores (batch,) float32, attention: an empty (batch, 0, time_in) float32 (not collected).

    A batch in file order pads every row to its longest input and steps until its longest output;
    sorted groups pad little and stop early (each row's output is as long as greedy_decode's)."""
    batch, time_in = tf.shape(encoder_ids)[0], tf.shape(encoder_ids)[1]
    empty = (tf.zeros([0, 0], tf.int32), tf.zeros([0]), tf.zeros(tf.stack([0, 0, time_in])))
    return tf.cond(batch > 0, lambda: _decode_in_groups(config, weights, encoder_ids, limit, group_size, lanes),
                   lambda: empty)


def _decode_in_groups(config, weights: Mapping, encoder_ids, limit, group_size: int, lanes: int):
    """greedy_decode_in_groups for a batch of at least one row."""
    batch, time_in = tf.shape(encoder_ids)[0], tf.shape(encoder_ids)[1]
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(encoder_ids, PAD_ID), tf.int32), axis=1)
    order = tf.argsort(lengths, stable=True)
    size = tf.maximum(1, tf.minimum(group_size, (batch + lanes - 1) // lanes))  # rows per group
    rounds = (batch + size * lanes - 1) // (size * lanes)  # groups per lane
    # groups in sorted order, dealt round-robin to the lanes; the last ones filled up with copies of the
    # longest row (a row of PAD would never write END_ID)
    rows = tf.gather(order, tf.minimum(tf.range(rounds * lanes * size), batch - 1))
    grouped = tf.reshape(tf.gather(encoder_ids, rows), tf.stack([rounds, lanes, size, time_in]))
    grouped_lengths = tf.reshape(tf.gather(lengths, rows), tf.stack([rounds, lanes, size]))

    def decode_group(group):
        group_ids, group_lengths = group
        longest = tf.reduce_max(group_lengths)
        ids, scores, _ = greedy_decode(config, weights, tf.gather(group_ids, tf.range(longest), axis=1), limit,
                                       return_attention=False)
        return tf.pad(ids, [[0, 0], [0, limit - tf.shape(ids)[1]]], constant_values=PAD_ID), scores

    signature = (tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None], tf.float32))
    decoded = [tf.map_fn(decode_group, (grouped[:, lane], grouped_lengths[:, lane]), fn_output_signature=signature)
               for lane in range(lanes)]  # independent loops: run at once
    ids = tf.reshape(tf.stack([lane_ids for lane_ids, _ in decoded], 1), tf.stack([rounds * lanes * size, limit]))
    scores = tf.reshape(tf.stack([lane_scores for _, lane_scores in decoded], 1), [-1])
    back = tf.math.invert_permutation(order)  # sorted position of each given row
    ids, scores = tf.gather(ids, back), tf.gather(scores, back)
    written = tf.where(tf.not_equal(ids, PAD_ID), tf.range(1, limit + 1)[None, :], 0)  # step number of each id
    steps = tf.reduce_max(tf.concat([tf.reshape(written, [-1]), [0]], 0))  # greedy_decode's: the last step any row wrote
    return ids[:, :steps], scores, tf.zeros(tf.stack([batch, 0, time_in]))
