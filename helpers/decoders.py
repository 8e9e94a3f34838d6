"""Greedy decoders: turn a trained seq2seq model into a function from strings to strings.

Two decoders that must agree token for token:

* ``greedy_decode_numpy``: the tutorial's version. It re-runs the whole training model on the
  output written so far and keeps the argmax of the last position: short and obviously right, but
  each output byte costs a full pass, so the cost grows with the square of the output length.
* ``GreedyDecoder``: the fast one, ``helpers.step.greedy_decode`` in a ``tf.function``. The encoder
  runs once; then one ``tf.while_loop`` carries the decoder LSTM state one byte at a time, stops as
  soon as every row has written END_ID, and never runs past ``max_output_length``. Cost: O(output
  length) steps. The exported graph (``helpers.export``) runs the same functions.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from helpers.model import Seq2Seq
from helpers.step import INPUT_BUCKET, greedy_decode, greedy_decode_in_groups, in_output_order
from helpers.vectorization import END_ID, PAD_ID, START_ID, Decoded, checked_inputs, decode, encode_batch


def _check_inputs(inputs, max_input_length: int) -> np.ndarray:
    inputs, _ = checked_inputs(inputs, max_input_length)
    return encode_batch(inputs, add_end=True, bucket=INPUT_BUCKET)


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
    emitted = np.asarray(in_output_order(config, emitted)[0])  # a reverse_output model wrote them last byte first
    texts = [decode(row, strict=True) for row in emitted]
    return Decoded(texts=texts, ids=emitted, scores=scores)


DECODING_LANES = 2  # independent decoding loops (GreedyDecoder's lanes): one per core of a 2-core machine


def use_threads_for_decoding(lanes: int = DECODING_LANES) -> bool:
    """Sets TensorFlow's thread pools for a process that decodes and does nothing else (the predict and
    evaluate commands), before its runtime starts: each lane's loop on a thread of its own, and each op
    on the cores left over per lane (one, on 2 cores). A decoder step is a string of small products
    (batch 128 by 96 units); split over threads, each costs more in hand-offs than it saves, and the
    lanes already keep every core busy (EXPERIMENTS.md, "The predict command's speed"). Returns False,
    changing nothing, where the runtime has started already (a process that trained first, or called
    the command line in-process): TensorFlow's pools are fixed from then on."""
    cores = os.cpu_count() or 1
    try:
        tf.config.threading.set_inter_op_parallelism_threads(lanes)
        tf.config.threading.set_intra_op_parallelism_threads(max(1, cores // lanes))
    except RuntimeError:  # "... cannot be modified after initialization"
        return False
    return True


class GreedyDecoder:
    """Batched in-graph greedy decoding. ``GreedyDecoder(model)(["http://a.com/"]).texts``.

    ``helpers.step.greedy_decode`` over the model's Keras variables (``Seq2Seq.step_weights``): the
    same step functions as the exported graph, reading the weights as they are now."""

    def __init__(self, model: Seq2Seq, batch_size: int = 128, threads: int | None = None, lanes: int = DECODING_LANES):
        if batch_size < 1 or lanes < 1:
            raise ValueError(f"batch_size and lanes must be at least 1, got {batch_size} and {lanes}")
        self.model = model
        # Without attention weights, one call decodes every input: step.greedy_decode_in_groups sorts the rows by
        # length inside the graph and decodes batch_size at a time on ``lanes`` independent loops, faster than
        # sorted batches run from Python (the path with attention, below; EXPERIMENTS.md has the figures)
        self.lanes = lanes
        # batches decoded at once: one batch's small matrix products keep about one core busy, so a few
        # batches of 128 in parallel beat one large batch (EXPERIMENTS.md)
        self.batch_size = batch_size
        self.threads = threads or max(1, min(4, 2 * (os.cpu_count() or 1)))
        signature = [tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([], tf.int32)]
        # One graph per mode, each traced once for any batch and length (no retracing per shape). Without
        # autograph: helpers.step writes its loops and branches as tf.while_loop and tf.cond already, and
        # converting its source was most of a first call's time (the start-up of every predict command).
        self._graphs = {
            with_attention: tf.function(
                lambda encoder_ids, limit, with_attention=with_attention: self.decode_ids(encoder_ids, limit, with_attention),
                input_signature=signature, autograph=False)
            for with_attention in (False, True)
        }
        self._in_groups = tf.function(
            lambda encoder_ids, limit: greedy_decode_in_groups(self.model.config, self.model.step_weights(), encoder_ids,
                                                               limit, self.batch_size, self.lanes),
            input_signature=signature, autograph=False)

    def decode_ids(self, encoder_ids, max_output_length, return_attention: bool = False):
        """encoder_ids (batch, time_in) int32, max_output_length scalar int32 ->
        ids (batch, steps) int32, scores (batch,) float32, attention (batch, steps, time_in) or
        an empty (batch, 0, time_in) tensor."""
        return greedy_decode(self.model.config, self.model.step_weights(), encoder_ids, max_output_length,
                             return_attention=return_attention)

    def __call__(self, inputs: list[str], max_output_length: int | None = None, return_attention: bool = False) -> Decoded:
        """Decode n strings in batches of ``batch_size``; inputs are sorted by length so that each
        batch pads little (and rows of a batch end at about the same step), and the results come back
        in input order. Without attention, one graph call does it all (``greedy_decode_in_groups``);
        with attention, batches run from Python, ``threads`` at a time."""
        limit = int(max_output_length or self.model.config.max_output_length)
        if limit < 1:
            raise ValueError(f"max_output_length must be at least 1, got {limit}")
        inputs, lengths = checked_inputs(inputs, self.model.config.max_input_length)
        if not return_attention and inputs:
            encoder_ids = encode_batch(inputs, add_end=True, bucket=INPUT_BUCKET)
            ids, scores, _ = (value.numpy() for value in self._in_groups(tf.constant(encoder_ids), tf.constant(limit, tf.int32)))
            return Decoded(texts=[decode(row, strict=True) for row in ids], ids=ids, scores=scores)
        order = sorted(range(len(inputs)), key=lengths.__getitem__)
        chunks = [order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        graph, limit_tensor = self._graphs[bool(return_attention)], tf.constant(limit, tf.int32)

        def run(chunk):
            encoder_ids = encode_batch([inputs[index] for index in chunk], add_end=True, bucket=INPUT_BUCKET)
            return [value.numpy() for value in graph(tf.constant(encoder_ids), limit_tensor)]

        if self.threads > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(self.threads) as pool:  # TensorFlow releases the GIL while a batch runs
                results = list(pool.map(run, chunks))
        else:
            results = [run(chunk) for chunk in chunks]
        texts: list[str | None] = [None] * len(inputs)
        scores = np.zeros(len(inputs), dtype=np.float32)
        width = max((result[0].shape[1] for result in results), default=0)
        ids_array = np.zeros((len(inputs), width), dtype=np.int32)
        all_attention: list[np.ndarray | None] = [None] * len(inputs)
        for chunk, (ids, chunk_scores, weights) in zip(chunks, results):
            ids_array[chunk, :ids.shape[1]] = ids
            scores[chunk] = chunk_scores
            for row, index in enumerate(chunk):
                texts[index] = decode(ids[row], strict=True)
                if return_attention:
                    output_length = int(np.sum(ids[row] != PAD_ID))
                    all_attention[index] = weights[row, :output_length, :lengths[index] + 1]
        return Decoded(texts=texts, ids=ids_array, scores=scores,
                       attention=all_attention if return_attention else None)
