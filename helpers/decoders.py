"""Greedy decoders: turn a trained seq2seq model into a function from strings to strings.

Two decoders that must agree token for token:

* ``greedy_decode_numpy``: the tutorial's version. It re-runs the whole training model on the
  output written so far and keeps the argmax of the last position: short and obviously right, but
  each output byte costs a full pass, so the cost grows with the square of the output length.
* ``GreedyDecoder``: the fast one. The encoder runs once; then a ``tf.function`` loop carries the
  decoder LSTM state one byte at a time (``tf.range`` + ``TensorArray`` + an early ``break``, which
  AutoGraph turns into one ``tf.while_loop``), stops as soon as every row has written END_ID, and
  never runs past ``max_output_length``. Cost: O(output length) steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from keras import ops

from helpers.model import Seq2Seq, attend
from helpers.vectorization import END_ID, PAD_ID, START_ID, decode, encode_batch


@dataclass
class Decoded:
    """Decoder results for a batch of n inputs."""

    texts: list[str | None]  # decoded strings; None when no END_ID or invalid UTF-8
    ids: np.ndarray  # (n, time_out) int32 emitted ids, PAD after END_ID
    scores: np.ndarray  # (n,) float32: the smallest probability among the emitted ids (confidence)
    attention: list[np.ndarray] | None = None  # per input (its output length, its input length + 1), if asked


def _check_inputs(inputs, max_input_length: int) -> np.ndarray:
    if isinstance(inputs, str):
        raise ValueError("expected a list of strings, got one string (wrap it in a list)")
    inputs = list(inputs)
    for index, text in enumerate(inputs):
        if not isinstance(text, str):
            raise ValueError(f"input {index} is a {type(text).__name__}, not a str")
    return encode_batch(inputs, add_end=True, bucket=8, max_length=max_input_length)


def greedy_decode_numpy(model: Seq2Seq, inputs: list[str], max_output_length: int | None = None) -> Decoded:
    """Decode with the training model alone, one full forward pass per output byte.

    inputs: n strings. Returns ``Decoded`` (ids of shape (n, steps)).
    """
    config = model.config
    limit = max_output_length or config.max_output_length
    encoder_ids = _check_inputs(inputs, config.max_input_length)
    batch = len(encoder_ids)
    decoder_ids = np.full((batch, 1), START_ID, dtype=np.int32)  # what the decoder has read so far
    emitted = np.zeros((batch, 0), dtype=np.int32)
    scores = np.ones(batch, dtype=np.float32)
    finished = np.zeros(batch, dtype=bool)
    while emitted.shape[1] < limit and not finished.all():
        probabilities = np.asarray(
            model.training_model({"encoder_ids": encoder_ids, "decoder_ids": decoder_ids}, training=False)
        )
        last = probabilities[:, -1, :]  # (n, vocabulary): the prediction for the next byte
        next_ids = last.argmax(axis=-1).astype(np.int32)
        next_ids[finished] = PAD_ID
        scores = np.where(finished, scores, np.minimum(scores, last.max(axis=-1)))
        emitted = np.concatenate([emitted, next_ids[:, None]], axis=1)
        finished |= next_ids == END_ID
        # The next input is the byte just written; END and PAD are read as padding (as in training).
        fed = np.where(next_ids == END_ID, PAD_ID, next_ids)
        decoder_ids = np.concatenate([decoder_ids, fed[:, None]], axis=1)
    texts = [decode(row, strict=True) for row in emitted]
    return Decoded(texts=texts, ids=emitted, scores=scores)


class GreedyDecoder:
    """Batched in-graph greedy decoding. ``GreedyDecoder(model)(["http://a.com/"]).texts``."""

    def __init__(self, model: Seq2Seq, batch_size: int = 256):
        self.model = model
        self.batch_size = batch_size
        signature = [tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([], tf.int32)]
        # One graph per mode, each traced once for any batch and length (no retracing per shape).
        self._graphs = {
            with_attention: tf.function(
                lambda encoder_ids, limit, with_attention=with_attention: self.decode_ids(encoder_ids, limit, with_attention),
                input_signature=signature)
            for with_attention in (False, True)
        }

    def decode_ids(self, encoder_ids, max_output_length, return_attention: bool = False):
        """encoder_ids (batch, time_in) int32, max_output_length scalar int32 ->
        ids (batch, steps) int32, scores (batch,) float32, attention (batch, steps, time_in) or
        an empty (batch, 0, time_in) tensor."""
        model = self.model
        keys, values, state = model.encode(encoder_ids, training=False)
        key_mask = ops.not_equal(encoder_ids, PAD_ID)
        input_one_hot = tf.one_hot(encoder_ids, model.config.vocabulary_size) if model.copy_gate is not None else None
        batch = tf.shape(encoder_ids)[0]
        token = tf.fill([batch], START_ID)
        finished = tf.zeros([batch], dtype=tf.bool)
        scores = tf.ones([batch], dtype=tf.float32)
        emitted = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
        attention = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for step in tf.range(max_output_length):
            embedded = model.positions(model.decoder_embedding(token)[:, None, :], offset=step)[:, 0, :]
            output, state = model.decoder_lstm.cell(embedded, state, training=False)  # (batch, units)
            context, weights = attend(output[:, None, :], keys, values, key_mask, model.config.attention_scale)
            combined = model.combine(tf.concat([output, context[:, 0, :]], axis=-1))
            probabilities = model.output_layer(combined)  # (batch, vocabulary)
            if model.copy_gate is not None:
                probabilities = model.mix_copy(probabilities[:, None], combined[:, None], weights, input_one_hot)[:, 0]
            next_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
            next_ids = tf.where(finished, PAD_ID, next_ids)
            scores = tf.where(finished, scores, tf.minimum(scores, tf.reduce_max(probabilities, axis=-1)))
            emitted = emitted.write(step, next_ids)
            if return_attention:
                attention = attention.write(step, weights[:, 0, :])
            finished = tf.logical_or(finished, tf.equal(next_ids, END_ID))
            token = tf.where(tf.equal(next_ids, END_ID), PAD_ID, next_ids)
            if tf.reduce_all(finished):
                break
        ids = tf.transpose(emitted.stack(), [1, 0])
        if return_attention:
            weights = tf.transpose(attention.stack(), [1, 0, 2])
        else:
            weights = tf.zeros([batch, 0, tf.shape(encoder_ids)[1]])
        return ids, scores, weights

    def __call__(self, inputs: list[str], max_output_length: int | None = None, return_attention: bool = False) -> Decoded:
        """Decode n strings in batches of ``batch_size``; inputs are sorted by length so that each
        batch pads little, and the results come back in input order."""
        limit = int(max_output_length or self.model.config.max_output_length)
        if limit < 1:
            raise ValueError(f"max_output_length must be at least 1, got {limit}")
        _check_inputs(inputs, self.model.config.max_input_length)  # a lone str is refused before list()
        inputs = list(inputs)
        _check_inputs(inputs, self.model.config.max_input_length)  # validate all before any work
        order = sorted(range(len(inputs)), key=lambda index: len(inputs[index].encode("utf-8")))
        texts: list[str | None] = [None] * len(inputs)
        scores = np.zeros(len(inputs), dtype=np.float32)
        all_ids: list[np.ndarray | None] = [None] * len(inputs)
        all_attention: list[np.ndarray | None] = [None] * len(inputs)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            encoder_ids = _check_inputs([inputs[index] for index in chunk], self.model.config.max_input_length)
            ids, chunk_scores, weights = self._graphs[bool(return_attention)](
                tf.constant(encoder_ids), tf.constant(limit, tf.int32)
            )
            ids, chunk_scores, weights = ids.numpy(), chunk_scores.numpy(), weights.numpy()
            for row, index in enumerate(chunk):
                texts[index] = decode(ids[row], strict=True)
                scores[index] = chunk_scores[row]
                all_ids[index] = ids[row]
                if return_attention:
                    input_length = len(inputs[index].encode("utf-8")) + 1
                    output_length = int(np.sum(ids[row] != PAD_ID))
                    all_attention[index] = weights[row, :output_length, :input_length]
        width = max((len(row) for row in all_ids), default=0)
        ids_array = np.zeros((len(inputs), width), dtype=np.int32)
        for index, row in enumerate(all_ids):
            ids_array[index, : len(row)] = row
        return Decoded(texts=texts, ids=ids_array, scores=scores,
                       attention=all_attention if return_attention else None)
