"""Greedy decoding of a stored model with NumPy alone: no TensorFlow and no Keras, not even indirectly.

``python -m helpers predict`` and ``evaluate`` decode with it by default, so they start without the
seconds that importing TensorFlow takes, and write what ``helpers.decoders.GreedyDecoder`` writes: the
same texts and ids, the scores to float32 rounding (TensorFlow's exp, tanh, sigmoid and matrix
products round otherwise; tests/test_numpy_decoding.py holds this module to GreedyDecoder).

    task, decoder = load_numpy_decoder("models/urlparse")
    with decoder:                                       # stops the worker processes at the end
        decoder(["http://a.com/x?y=1"]).texts           # a vectorization.Decoded, as GreedyDecoder's
        job = decoder.submit(texts)                     # decoding goes on while this process works
        job.result()

What it restates of ``helpers.step`` (the one source of the network's step: its docstring draws the loop):

    model.weights.h5 -> read_step_weights -> the named step weights (step.WEIGHT_NAMES); positions computed
    inputs -> checked_inputs -> sorted by length, cut into groups (at most GROUP_SIZE rows each)
      each group, in a worker process (one per core) or in this one, GroupDecoder.decode_texts:
        encode_batch -> encoder LSTMs -> decoder steps until every row has written END_ID or the limit
        -> in_output_order -> texts
    -> ids (n, steps), scores (n,), texts, in the order given

A group's decoding rearranges step.greedy_decode's arithmetic three ways, each the same maths in
another float32 order: the attention reads the encoder's values already multiplied by the combine
layer's kernel (once per group, not at every step); one product of h with the combine kernel's h rows
and the recurrent kernel side by side gives this step's combine term and the next step's recurrent
term; rows that have written END_ID leave the group's arrays. The copy mixture adds attention weights
per byte id with ``np.add.at`` into float32 (no (batch, time_in, vocabulary) one-hot tensor).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from time import sleep
from typing import Callable, Mapping

import h5py
import numpy as np

from helpers.model_config import Seq2SeqConfig, encoder_prefix
from helpers.storage import damaged_weights, read_model_folder
from helpers.vectorization import END_ID, PAD_ID, START_ID, Decoded, checked_inputs, decode, encode_batch

GROUP_SIZE = 128  # rows decoded together, as step.greedy_decode_in_groups: a step's products stay small
#                   enough for one core, and rows of about one length end at about the same step
PARENT_CHECK_SECONDS = 1.0  # how often a worker looks whether its parent is still there (a cheap system call)
# The Seq2SeqConfig fields this module implements (the tests check that these are all of them): a model
# that sets another one away from its default is NotDecodable, rather than decoded wrongly.
IMPLEMENTED_FIELDS = frozenset({
    "vocabulary_size", "embedding_dim", "units", "bidirectional_encoder", "encoder_layers", "attention_scale",
    "position_features", "attend_to_embeddings", "max_input_length", "max_output_length", "dropout",
    "copy_mechanism", "reverse_output",
})


class NotDecodable(ValueError):
    """The model is one this module does not decode (a setting it does not implement, weights stored in
    a layout it does not know): ``helpers.decoders.GreedyDecoder`` decodes it."""


class DecodingFailed(RuntimeError):
    """A worker process failed or was killed; the message is one line."""


WORKER_STOPPED = "a decoding process stopped before it finished (killed, or out of memory?)"


# ----- the weights ------------------------------------------------------------------------------------------
def stored_variables(config: Seq2SeqConfig) -> dict[str, tuple[str, str]]:
    """Where model.weights.h5 holds each named step weight of a model of ``config``: step name ->
    (the Keras layer's name, as helpers.model.Seq2Seq names it; the variable's path in its group).

    Keras 3 stores a layer's variables in a group named after its class and a counter
    ("layers/dense_2/vars/0"), counted in an order of its own (the decoder's embedding is "embedding",
    the encoder's "embedding_1"), and writes the layer's own name beside them (the attribute "name" of
    "vars"): that name is what ``read_step_weights`` looks up."""
    places = {"encoder_embedding": ("encoder_embedding", "vars/0"), "decoder_embedding": ("decoder_embedding", "vars/0")}

    def lstm(prefix: str, layer_name: str, cell: str) -> None:
        for index, kind in enumerate(("kernel", "recurrent_kernel", "bias")):  # the order LSTMCell makes them in
            places[f"{prefix}_{kind}"] = (layer_name, f"{cell}/vars/{index}")

    cells = ["forward_layer/cell", "backward_layer/cell"] if config.bidirectional_encoder else ["cell"]
    for layer in range(config.encoder_layers):
        for direction, cell in enumerate(cells):
            lstm(encoder_prefix(layer, direction), "encoder_lstm" if layer == 0 else f"encoder_lstm_{layer}", cell)
    lstm("decoder", "decoder_lstm", "cell")
    for name in ("combine", "output", "copy_gate") if config.copy_mechanism else ("combine", "output"):
        places[f"{name}_kernel"], places[f"{name}_bias"] = (name, "vars/0"), (name, "vars/1")
    return places


def expected_shapes(config: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    """The shape of each stored step weight of a model of ``config`` (a file of other shapes is not its)."""
    vocabulary, embedding, units = config.vocabulary_size, config.embedding_dim, config.units
    features = embedding + config.position_features  # what the first LSTMs read: a byte embedding and its position
    cell_units = units // 2 if config.bidirectional_encoder else units  # keys: both directions side by side
    width = units + (embedding if config.attend_to_embeddings else 0)  # what the attention reads
    shapes = {"encoder_embedding": (vocabulary, embedding), "decoder_embedding": (vocabulary, embedding)}
    lstms = [(encoder_prefix(layer, direction), features if layer == 0 else units, cell_units)  # (name, inputs, units)
             for layer in range(config.encoder_layers) for direction in range(2 if config.bidirectional_encoder else 1)]
    for prefix, inputs, cell in lstms + [("decoder", features, units)]:
        shapes.update({f"{prefix}_kernel": (inputs, 4 * cell), f"{prefix}_recurrent_kernel": (cell, 4 * cell),
                       f"{prefix}_bias": (4 * cell,)})
    shapes.update({"combine_kernel": (units + width, units), "combine_bias": (units,), "output_kernel": (units, vocabulary),
                   "output_bias": (vocabulary,)})
    if config.copy_mechanism:
        shapes.update({"copy_gate_kernel": (units, 1), "copy_gate_bias": (1,)})
    return shapes


def check_implemented(config: Seq2SeqConfig) -> None:
    """NotDecodable for a config that sets a field this module does not implement."""
    defaults = Seq2SeqConfig()
    others = [field.name for field in dataclasses.fields(config)
              if field.name not in IMPLEMENTED_FIELDS and getattr(config, field.name) != getattr(defaults, field.name)]
    if others:
        raise NotDecodable(f"the NumPy decoder does not implement {', '.join(others)}")


def read_step_weights(weights_path: str | Path, config: Seq2SeqConfig) -> dict[str, np.ndarray]:
    """The named step weights (step.WEIGHT_NAMES, float32) of a model of ``config`` read from its
    model.weights.h5, "positions" computed (``position_encoding``) as ``Seq2Seq.step_weights`` does.
    ValueError for a file that cannot be read; NotDecodable for one in a layout other than expected."""
    check_implemented(config)
    shapes = expected_shapes(config)
    weights = {}
    try:
        with h5py.File(weights_path, "r") as stored:
            layers = {group["vars"].attrs.get("name"): group for group in stored.get("layers", {}).values()
                      if isinstance(group, h5py.Group) and "vars" in group}
            for name, (layer_name, path) in stored_variables(config).items():
                if layer_name not in layers or path not in layers[layer_name]:
                    raise NotDecodable(f"{weights_path} has no variable {path} in a layer named {layer_name!r}")
                weights[name] = np.asarray(layers[layer_name][path], dtype=np.float32)
                if weights[name].shape != shapes[name]:
                    raise NotDecodable(f"{weights_path}: {name} has the shape {weights[name].shape}, not "
                                       f"{shapes[name]} as its config.json says")
    except OSError as error:  # h5py's error for a file that is cut or not HDF5
        raise damaged_weights(Path(weights_path), error) from error
    if config.position_features:
        weights["positions"] = position_encoding(max(config.max_input_length, config.max_output_length),
                                                 config.position_features)
    return weights


def position_encoding(length: int, features: int) -> np.ndarray:
    """helpers.step.position_encoding in NumPy: (length, features) float32 from TensorFlow's operations in
    their order, each in float32 (tf.linspace's formula: start + step * i, the last value the stop itself;
    the products; sin and cos), but exp correctly rounded (computed in float64): TensorFlow's float32 exp
    is off by an ulp here and there, and not the same way in its vectorized and scalar paths, so no
    float32 exp of NumPy's is TensorFlow's. An ulp of a frequency moves the far positions' angles, so the
    table differs from TensorFlow's a little more there (tests/test_numpy_decoding.py bounds it). Row i
    does not depend on ``length``."""
    count = features // 2
    start = np.log(np.float32(2 * 3.14159265 / 4.0))
    stop = np.log(np.float32(2 * 3.14159265 / 2000.0))
    step = (stop - start) / np.float32(max(count - 1, 1))
    middle = start + step * np.arange(1, max(count - 1, 1), dtype=np.float32)
    exponents = np.concatenate([[start], middle, [stop]]).astype(np.float32)[:count]
    frequencies = np.exp(exponents.astype(np.float64)).astype(np.float32)
    angles = np.arange(length, dtype=np.float32)[:, None] * frequencies[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=-1)


# ----- the network ---------------------------------------------------------------------------------------
def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def softmax(values: np.ndarray) -> np.ndarray:
    """Over the last axis, as tf.nn.softmax: exp(x - max) / sum."""
    exponentials = np.exp(values - values.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def lstm_cell(gates: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """step.lstm_cell: gates (batch, 4 units) in Keras' order i, f, c, o, c (batch, units) -> new h, c."""
    z_input, z_forget, z_cell, z_output = np.split(gates, 4, axis=-1)
    c = sigmoid(z_forget) * c + sigmoid(z_input) * np.tanh(z_cell)
    return sigmoid(z_output) * np.tanh(c), c


def run_direction(inputs: np.ndarray, mask: np.ndarray, recurrent_kernel: np.ndarray,
                  reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """step._run_direction: inputs (batch, time, 4 cell units), the input gates; mask (batch, time) ->
    outputs (batch, time, cell units), zeros at PAD; final h, c (batch, cell units). A PAD step keeps the
    state; ``reverse`` runs last to first."""
    batch, time, _ = inputs.shape
    cell_units = recurrent_kernel.shape[0]
    steps = np.ascontiguousarray(inputs.transpose(1, 0, 2))  # (time, batch, 4 cell units)
    steps_mask = mask.T[:, :, None]  # (time, batch, 1)
    h = np.zeros((batch, cell_units), np.float32)
    c = np.zeros((batch, cell_units), np.float32)
    outputs = np.zeros((time, batch, cell_units), np.float32)
    for step in range(time):
        index = time - 1 - step if reverse else step
        new_h, new_c = lstm_cell(steps[index] + h @ recurrent_kernel, c)
        keep = steps_mask[index]
        h, c = np.where(keep, new_h, h), np.where(keep, new_c, c)
        outputs[index] = np.where(keep, new_h, np.float32(0.0))
    return outputs.transpose(1, 0, 2), h, c


def in_output_order(reverse_output: bool, ids: np.ndarray) -> np.ndarray:
    """step.in_output_order: ids (batch, steps) as the decoder wrote them -> in the output's order. A
    reverse_output model's ids before each row's first END_ID (all of them in a row without one) are
    reversed; END_ID and the PAD after it stay."""
    if not reverse_output:
        return ids
    lengths = np.sum(np.cumsum(ids == END_ID, axis=1) == 0, axis=1, keepdims=True)  # (batch, 1): ids before END_ID
    positions = np.arange(ids.shape[1])[None, :]
    return np.take_along_axis(ids, np.where(positions < lengths, lengths - 1 - positions, positions), axis=1)


class GroupDecoder:
    """The network's step over NumPy arrays: one group of inputs encoded and decoded greedily. Built
    once from the named step weights; every table a step reads is prepared here."""

    def __init__(self, config: Seq2SeqConfig, weights: Mapping[str, np.ndarray]):
        check_implemented(config)
        self.config = config
        weights = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in weights.items()}
        units, embedding_dim = config.units, config.embedding_dim
        self.positions = weights.get("positions") if config.position_features else None

        def input_gate_tables(prefix: str, embedding: str):  # step.input_gate_tables
            kernel = weights[f"{prefix}_kernel"]
            by_id = weights[embedding] @ kernel[:embedding_dim] + weights[f"{prefix}_bias"]  # (vocabulary, 4 cell units)
            return by_id, None if self.positions is None else self.positions @ kernel[embedding_dim:]

        self.encoder_layers = []  # per layer, per direction: (where its input gates come from, its recurrent kernel)
        for layer in range(config.encoder_layers):
            directions = []
            for direction in range(2 if config.bidirectional_encoder else 1):
                prefix = encoder_prefix(layer, direction)
                # the first layer looks its gates up per byte id and position; the ones above multiply the outputs below
                gates_from = (input_gate_tables(prefix, "encoder_embedding") if layer == 0
                              else (weights[f"{prefix}_kernel"], weights[f"{prefix}_bias"]))
                directions.append((gates_from, weights[f"{prefix}_recurrent_kernel"]))
            self.encoder_layers.append(directions)
        self.encoder_embedding = weights["encoder_embedding"]
        self.decoder_tables = input_gate_tables("decoder", "decoder_embedding")
        self.recurrent_kernel = weights["decoder_recurrent_kernel"]
        combine = weights["combine_kernel"]  # (units + width, units): [h, context] -> units
        self.combine_values = np.ascontiguousarray(combine[units:])  # (width, units)
        # [combine's rows for h | the recurrent kernel]: h times this is this step's combine term and the next
        # step's recurrent term, in one product
        self.h_products = np.ascontiguousarray(np.concatenate([combine[:units], self.recurrent_kernel], axis=1))
        self.combine_bias = weights["combine_bias"]
        self.output_kernel, self.output_bias = weights["output_kernel"], weights["output_bias"]
        self.copy_gate = (weights["copy_gate_kernel"], weights["copy_gate_bias"]) if config.copy_mechanism else None

    def encode(self, ids: np.ndarray):
        """step.encode: ids (batch, time_in) int32 -> keys (batch, time_in, units), values (batch, time_in,
        width), mask (batch, time_in) bool, the decoder's initial h and c (batch, units)."""
        mask = ids != PAD_ID
        batch, time = ids.shape
        keys = None
        for layer, directions in enumerate(self.encoder_layers):
            results = []
            for direction, (gates_from, recurrent_kernel) in enumerate(directions):
                if layer == 0:
                    by_id, by_position = gates_from
                    inputs = by_id[ids] if by_position is None else by_id[ids] + by_position[None, :time]
                else:  # tf.tensordot's product: the outputs below as one matrix
                    kernel, bias = gates_from
                    inputs = (keys.reshape(batch * time, -1) @ kernel + bias).reshape(batch, time, -1)
                results.append(run_direction(inputs, mask, recurrent_kernel, reverse=direction == 1))
            keys, h, c = (np.concatenate(parts, axis=-1) for parts in zip(*results))  # both directions side by side
        values = np.concatenate([keys, self.encoder_embedding[ids]], axis=-1) if self.config.attend_to_embeddings else keys
        return keys, values, mask, h, c

    def decode(self, ids: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """step.greedy_decode of one group: ids (batch, time_in) int32 (UTF-8 bytes + 3, END_ID, PAD),
        limit: the most steps -> ids (batch, steps) int32 in the output's order (PAD after END_ID), scores
        (batch,) float32 (the smallest probability among each row's emitted ids)."""
        config, units = self.config, self.config.units
        batch = len(ids)
        keys, values, mask, h, c = self.encode(ids)
        keys_t = np.ascontiguousarray(keys.transpose(0, 2, 1))  # (batch, units, time_in): h times it gives the scores
        score_bias = np.where(mask, np.float32(0.0), np.float32(-1e9))[:, None, :]  # (batch, 1, time_in)
        read = values @ self.combine_values  # (batch, time_in, units): what the attention reads, through the combine kernel
        scale = np.float32(math.sqrt(keys.shape[-1])) if config.attention_scale else None
        by_id, by_position = self.decoder_tables
        emitted = np.zeros((batch, limit), np.int32)
        scores = np.ones(batch, np.float32)
        rows = np.arange(batch)  # the group's row of each row still decoding
        copy_ids = ids
        token = np.full(batch, START_ID, np.int32)
        recurrent_term = h @ self.recurrent_kernel
        steps = 0
        while steps < limit and len(rows):
            gates = by_id[token] + recurrent_term
            if by_position is not None:
                gates = gates + by_position[steps]
            h, c = lstm_cell(gates, c)
            h_term, recurrent_term = np.split(h @ self.h_products, [units], axis=1)
            attention_scores = np.matmul(h[:, None, :], keys_t)  # (rows, 1, time_in)
            if scale is not None:
                attention_scores = attention_scores / scale
            attention = softmax(attention_scores + score_bias)
            combined = np.tanh(h_term + np.matmul(attention, read)[:, 0] + self.combine_bias)  # (rows, units)
            probabilities = softmax(combined @ self.output_kernel + self.output_bias)  # (rows, vocabulary)
            if self.copy_gate is not None:
                gate_kernel, gate_bias = self.copy_gate
                gate = sigmoid(combined @ gate_kernel + gate_bias)  # (rows, 1)
                vocabulary = probabilities.shape[1]
                copied = np.zeros(len(rows) * vocabulary, np.float32)  # each row's attention summed per byte id
                np.add.at(copied, (copy_ids + (np.arange(len(rows)) * vocabulary)[:, None]).ravel(), attention.ravel())
                probabilities = gate * probabilities + (1.0 - gate) * copied.reshape(len(rows), vocabulary)
            next_ids = probabilities.argmax(axis=-1).astype(np.int32)
            emitted[rows, steps] = next_ids
            scores[rows] = np.minimum(scores[rows], probabilities.max(axis=-1))
            steps += 1
            going = next_ids != END_ID
            if not going.all():  # rows that wrote END_ID are done: the others go on without them
                rows, next_ids, h, c, recurrent_term, keys_t, score_bias, read, copy_ids = (
                    array[going] for array in (rows, next_ids, h, c, recurrent_term, keys_t, score_bias, read, copy_ids))
            token = next_ids
        return in_output_order(config.reverse_output, emitted[:, :steps]), scores

    def decode_texts(self, texts: list[str], limit: int) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """One group of checked inputs -> ids (n, steps), scores (n,), texts (None where no valid output)."""
        with np.errstate(over="ignore"):  # exp(-x) of a very negative gate is inf, and its sigmoid exactly 0
            ids, scores = self.decode(encode_batch(texts, add_end=True), limit)
        return ids, scores, [decode(row, strict=True) for row in ids]


# ----- many inputs, in worker processes ---------------------------------------------------------------------
def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_worker_decoder: GroupDecoder | None = None  # a worker process's own, set when it starts


def _start_worker(group_decoder: GroupDecoder) -> None:
    global _worker_decoder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers itself
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), daemon=True).start()
    _worker_decoder = group_decoder


def _end_with_parent(parent: int) -> None:
    """Ends the worker once its parent has ended: a parent that is killed (SIGKILL, or SIGTERM, which
    Python does not catch) cannot stop its workers, which would otherwise wait for work for ever."""
    while os.getppid() == parent:
        sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _decode_in_worker(texts: list[str], limit: int):
    return _worker_decoder.decode_texts(texts, limit)


def _worker_result(future: Future):
    """A group's result from a worker, or DecodingFailed in one line."""
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise DecodingFailed(f"{WORKER_STOPPED}: {error}") from None
    except Exception as error:  # the worker's exception, raised again here
        first_line = next(iter(str(error).splitlines()), "")
        raise DecodingFailed(f"a decoding process failed: {type(error).__name__}: {first_line}") from error


class DecodingJob:
    """A decoding under way (``NumpyDecoder.submit``): ``result()`` waits for its groups and returns
    their ``Decoded``, rows in the order given."""

    def __init__(self, count: int, groups: list[np.ndarray], parts: list[Callable]):
        self.count, self.groups, self.parts = count, groups, parts  # parts[i](): groups[i]'s (ids, scores, texts)
        self.decoded: Decoded | None = None

    def result(self) -> Decoded:
        if self.decoded is None:
            results = [part() for part in self.parts]
            ids = np.zeros((self.count, max((result[0].shape[1] for result in results), default=0)), np.int32)
            scores = np.zeros(self.count, np.float32)
            texts: list[str | None] = [None] * self.count
            for rows, (group_ids, group_scores, group_texts) in zip(self.groups, results):
                ids[rows, :group_ids.shape[1]] = group_ids
                scores[rows] = group_scores
                for row, text in zip(rows, group_texts):
                    texts[row] = text
            written = np.flatnonzero((ids != PAD_ID).any(axis=0))  # as greedy_decode_in_groups: to the last step any row wrote
            self.decoded = Decoded(texts=texts, ids=ids[:, :written[-1] + 1 if len(written) else 0], scores=scores)
        return self.decoded


class NumpyDecoder:
    """``GreedyDecoder``'s outputs from NumPy arrays: ``NumpyDecoder(config, weights)(["http://a.com/"]).texts``.

    Inputs are sorted by length and decoded ``group_size`` rows at a time. With more inputs than one
    group and more than one core, the groups go to ``processes`` worker processes (one per core by
    default) and come back in the order given; the workers are forked (a worker started afresh would run
    ``python -m helpers`` again), so where fork is missing everything is decoded in this process. Each
    worker's BLAS runs as many threads as it did here when numpy was first imported: the command line
    sets one. ``close()`` (or ``with``) stops the workers."""

    def __init__(self, config: Seq2SeqConfig, weights: Mapping[str, np.ndarray], processes: int | None = None,
                 group_size: int = GROUP_SIZE):
        if group_size < 1 or (processes is not None and processes < 1):
            raise ValueError(f"group_size and processes must be at least 1, got {group_size} and {processes}")
        self.config = config
        self.group_size = group_size
        self.group_decoder = GroupDecoder(config, weights)
        self.processes = (processes or usable_cores()) if "fork" in multiprocessing.get_all_start_methods() else 1
        self.pool: ProcessPoolExecutor | None = None

    def __call__(self, inputs: list[str], max_output_length: int | None = None) -> Decoded:
        """Decode n strings: a ``Decoded`` with texts, ids (n, steps) and scores (n,)."""
        return self.submit(inputs, max_output_length).result()

    def submit(self, inputs: list[str], max_output_length: int | None = None) -> DecodingJob:
        """Starts decoding n strings (in the workers, when they are used) and returns at once; ValueError
        for bad inputs, before any work (the messages of GreedyDecoder)."""
        limit = int(max_output_length or self.config.max_output_length)
        if limit < 1:
            raise ValueError(f"max_output_length must be at least 1, got {limit}")
        positions = self.group_decoder.positions
        if positions is not None and limit > len(positions):
            raise ValueError(f"max_output_length {limit} is more than the model's {len(positions)} positions")
        inputs, lengths = checked_inputs(inputs, self.config.max_input_length)
        in_workers = self.processes > 1 and len(inputs) > self.group_size
        size = min(self.group_size, -(-len(inputs) // self.processes)) if in_workers else self.group_size
        order = np.argsort(lengths, kind="stable")
        groups = [order[start:start + size] for start in range(0, len(order), size)]
        texts = [[inputs[row] for row in rows] for rows in groups]
        if not in_workers:  # decoded when the result is asked for
            return DecodingJob(len(inputs), groups, [functools.partial(self.group_decoder.decode_texts, group, limit)
                                                     for group in texts])
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_start_worker, initargs=(self.group_decoder,))
        try:
            futures = [self.pool.submit(_decode_in_worker, group, limit) for group in texts]
        except BrokenProcessPool as error:  # a worker died during an earlier job
            raise DecodingFailed(f"{WORKER_STOPPED}: {error}") from None
        return DecodingJob(len(inputs), groups, [functools.partial(_worker_result, future) for future in futures])

    def close(self) -> None:
        """Stops the worker processes (groups not yet started are dropped)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "NumpyDecoder":
        return self

    def __exit__(self, *exception) -> None:
        self.close()


def load_numpy_decoder(directory: str | Path, **options) -> tuple[str, NumpyDecoder]:
    """(task, NumpyDecoder) of a model folder (``helpers.storage``); ``options`` go to NumpyDecoder.
    ValueError, one line, for a folder that is not a model or a damaged file; NotDecodable (a
    ValueError) for a model this module does not decode."""
    task, config, weights_path = read_model_folder(directory)
    return task, NumpyDecoder(config, read_step_weights(weights_path, config), **options)
