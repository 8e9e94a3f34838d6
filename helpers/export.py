"""Export: the greedy decoder inside one TensorFlow graph, saved for TF Serving and TensorFlow.js.

``InGraphDecoder`` rebuilds a trained model from its weights with plain TensorFlow ops (gather,
matmul, sigmoid, tanh, softmax) and two explicit ``tf.while_loop``s:

    encoder_ids (batch, time_in) int32
      -> embeddings + positions -> LSTM cell stepped by a while loop (both directions when
         bidirectional; PAD steps keep the state, as Keras masking does)
      -> encoder_outputs (batch, time_in, units), state [h, c] (batch, units) each
      -> decoder while loop: one LSTM cell step, dot attention, combine, softmax, argmax per byte;
         stops when every row has written END_ID or after max_output_length steps
      -> ids (batch, steps) int32, scores (batch,) float32, attention (batch, steps, time_in)

Why not save the Keras layers? A Keras 3 LSTM saved while a GPU is visible contains ``CudnnRNNV3``
(no CPU-only or TensorFlow.js kernel), and the layer's internal loop converts to TensorFlow.js but
fails there at run time. The explicit loops over the cell weights run everywhere, from weights
trained on any device.

Three signatures, one ``_decode_ids`` definition:

* ``decode_ids(encoder_ids int32 (batch, time_in))``: steps collected in TensorArrays (fast for
  large batches in Python).
* ``decode_ids_for_tfjs``: the same graph, but steps collected by ``tf.concat``: TensorFlow.js
  (4.22) disposes TensorList elements written inside a while loop too early (measured: "Cannot
  read properties of undefined (reading 'backend')"). The page runs it with ``executeAsync``;
  text <-> bytes happens in JavaScript, because tfjs has almost no string ops.
* ``serving_default(inputs tf.string (batch,))`` -> ``outputs`` tf.string (batch,), ``scores``
  (batch,), ``complete`` bool (batch,): for TF Serving and ``saved_model_cli``.

The page's default engine is not the tfjs graph: run by ``executeAsync``, every op of every loop
step costs TensorFlow.js tens of microseconds, and a URL takes ~200 steps of ~15-40 small ops each
(measured: 150-450 ms per URL). ``save_step_weights`` writes OUT/tfjs/step_weights.{json,bin} for
``StepDecoder`` in web/model.js, which runs the same network as plain JavaScript loops (~15 ms per
URL for a urlparse-sized model). The output computation of a step lives in one place on each side:
``InGraphDecoder._output_step`` here, ``StepDecoder.outputStep`` there; ``output_step_features``
(in metadata.json) tells JavaScript which terms the model has.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import tensorflow as tf

from helpers.model import Seq2Seq, position_encoding
from helpers.storage import metadata
from helpers.vectorization import BYTE_OFFSET, END_ID, PAD_ID, START_ID

SAVED_MODEL_DIRECTORY = "saved_model"  # OUT/saved_model: both signatures
TFJS_DIRECTORY = "tfjs"  # OUT/tfjs: model.json, weight shards, metadata.json
TFJS_SIGNATURE = "decode_ids_for_tfjs"  # the signature converted for TensorFlow.js
INPUT_BUCKET = 8  # serving_default pads inputs to a multiple of 8 ids, as GreedyDecoder does
BRIDGE_PYTHON_VARIABLE = "PORTING_TFJS_PYTHON"  # the Python that has tensorflowjs (tools/setup_web.sh)
DEFAULT_BRIDGE_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "tfjs" / "bin" / "python"
CONVERTER_SCRIPT = Path(__file__).resolve().parent / "tfjs_convert.py"


def _lstm_weights(cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """kernel (inputs, 4 units), recurrent_kernel (units, 4 units), bias (4 units); gates i, f, c, o."""
    weights = cell.get_weights()
    if len(weights) != 3:
        raise ValueError(f"expected an LSTM cell with kernel, recurrent kernel and bias, got {len(weights)} arrays")
    return tuple(weights)


class InGraphDecoder(tf.Module):
    """A trained ``Seq2Seq`` as plain TensorFlow ops. ``InGraphDecoder(model, task).decode_ids(ids)``."""

    def __init__(self, model: Seq2Seq, task: str):
        super().__init__(name="in_graph_decoder")
        config = model.config
        self.config = config
        self.task = task
        # Plain arrays, made graph constants when the functions are traced: the converter to
        # TensorFlow.js cannot freeze variables that are read inside a while loop.
        arrays = {
            "encoder_embedding": model.encoder_embedding.get_weights()[0],
            "decoder_embedding": model.decoder_embedding.get_weights()[0],
        }
        # Inputs are padded to a multiple of INPUT_BUCKET, so the table must reach past max_input_length.
        longest = max(-(-config.max_input_length // INPUT_BUCKET) * INPUT_BUCKET, config.max_output_length)
        # The same sinusoids as AppendPositions, tabulated once: row t is position t.
        arrays["positions"] = np.asarray(position_encoding(longest, config.position_features)).reshape(
            longest, config.position_features)
        if config.bidirectional_encoder:
            directions = [model.encoder_lstm.forward_layer.cell, model.encoder_lstm.backward_layer.cell]
        else:
            directions = [model.encoder_lstm.cell]
        self.encoder_directions = len(directions)
        for index, cell in enumerate(directions):
            for part, array in zip(("kernel", "recurrent_kernel", "bias"), _lstm_weights(cell)):
                arrays[f"encoder_{index}_{part}"] = array
        for part, array in zip(("kernel", "recurrent_kernel", "bias"), _lstm_weights(model.decoder_lstm.cell)):
            arrays[f"decoder_{part}"] = array
        arrays["combine_kernel"], arrays["combine_bias"] = model.combine.get_weights()
        arrays["output_kernel"], arrays["output_bias"] = model.output_layer.get_weights()
        if config.copy_mechanism:
            arrays["copy_gate_kernel"], arrays["copy_gate_bias"] = model.copy_gate.get_weights()  # (units, 1), (1,)
        self._arrays = {name: np.asarray(array, np.float32) for name, array in arrays.items()}
        self.decode_ids = tf.function(
            self._decode_ids, input_signature=[tf.TensorSpec([None, None], tf.int32, name="encoder_ids")]
        )
        self.decode_ids_for_tfjs = tf.function(
            lambda encoder_ids: self._decode_ids(encoder_ids, tensor_lists=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32, name="encoder_ids")],
        )
        self.serve_strings = tf.function(
            self._serve_strings, input_signature=[tf.TensorSpec([None], tf.string, name="inputs")]
        )

    # ----- pieces -------------------------------------------------------------------------------

    @staticmethod
    def _lstm_step(inputs, h, c, weights):
        """One Keras LSTM cell step: inputs (batch, features), h and c (batch, units) -> new h, c."""
        kernel, recurrent_kernel, bias = weights
        z = tf.matmul(inputs, kernel) + tf.matmul(h, recurrent_kernel) + bias
        z_input, z_forget, z_cell, z_output = tf.split(z, 4, axis=-1)
        c = tf.sigmoid(z_forget) * c + tf.sigmoid(z_input) * tf.tanh(z_cell)
        h = tf.sigmoid(z_output) * tf.tanh(c)
        return h, c

    def _constants(self, *names):
        """The named weight arrays as constants of the graph being traced."""
        return [tf.constant(self._arrays[name], name=name) for name in names]

    def _embed(self, table, ids, first_position, positions=None):
        """ids (batch, time) -> (batch, time, embedding + position_features), positions from first_position."""
        embedded = tf.gather(table, ids)
        if self.config.position_features == 0:
            return embedded
        time = tf.shape(ids)[1]
        positions = positions[first_position:first_position + time]
        positions = tf.broadcast_to(positions[None], [tf.shape(ids)[0], time, self.config.position_features])
        return tf.concat([embedded, positions], axis=-1)

    def _encode_direction(self, embedded, mask, reverse: bool, weights, tensor_lists: bool):
        """embedded (batch, time, features), mask (batch, time) bool -> outputs (batch, time, cell
        units) with zeros at PAD, final h, c (batch, cell units). ``reverse`` runs last to first."""
        batch, time = tf.shape(embedded)[0], tf.shape(embedded)[1]
        cell_units = weights[1].shape[0]
        inputs = tf.transpose(embedded, [1, 0, 2])  # (time, batch, features)
        steps_mask = tf.transpose(mask, [1, 0])  # (time, batch)
        zeros = tf.zeros([batch, cell_units])
        if tensor_lists:
            outputs = tf.TensorArray(tf.float32, size=time)
        else:
            outputs = tf.zeros([batch, 0, cell_units])

        def body(step, h, c, outputs):
            index = time - 1 - step if reverse else step
            new_h, new_c = self._lstm_step(inputs[index], h, c, weights)
            keep = steps_mask[index][:, None]
            h = tf.where(keep, new_h, h)
            c = tf.where(keep, new_c, c)
            output = tf.where(keep, new_h, zeros)
            if tensor_lists:
                outputs = outputs.write(index, output)
            elif reverse:
                outputs = tf.concat([output[:, None, :], outputs], axis=1)
            else:
                outputs = tf.concat([outputs, output[:, None, :]], axis=1)
            return step + 1, h, c, outputs

        _, h, c, outputs = tf.while_loop(lambda step, *_: step < time, body, [0, zeros, zeros, outputs],
                                         shape_invariants=None if tensor_lists else [tf.TensorShape(None)] * 4)
        if tensor_lists:
            outputs = tf.transpose(outputs.stack(), [1, 0, 2])
        return outputs, h, c

    def encode(self, encoder_ids, tensor_lists: bool = True):
        """encoder_ids (batch, time_in) -> outputs (the attention keys) (batch, time_in, units), values
        (batch, time_in, units [+ embedding_dim with attend_to_embeddings]), h, c (batch, units)."""
        table, positions = self._constants("encoder_embedding", "positions")
        embedded = self._embed(table, encoder_ids, 0, positions)
        byte_embeddings = tf.gather(table, encoder_ids)  # attention may read these (attend_to_embeddings)
        mask = tf.not_equal(encoder_ids, PAD_ID)
        results = [self._encode_direction(embedded, mask, reverse=index == 1, weights=self._constants(
                       f"encoder_{index}_kernel", f"encoder_{index}_recurrent_kernel", f"encoder_{index}_bias"),
                       tensor_lists=tensor_lists)
                   for index in range(self.encoder_directions)]
        if len(results) == 1:
            outputs, h, c = results[0]
        else:
            (forward, forward_h, forward_c), (backward, backward_h, backward_c) = results
            outputs = tf.concat([forward, backward], -1)
            h, c = tf.concat([forward_h, backward_h], -1), tf.concat([forward_c, backward_c], -1)
        values = tf.concat([outputs, byte_embeddings], -1) if self.config.attend_to_embeddings else outputs
        return outputs, values, h, c

    def _output_step(self, h, keys, values, key_mask, output_weights):
        """THE output computation of one decoder step (web/model.js ``outputStep`` mirrors it; a new
        output term goes here and there, named in ``output_step_features``): h (batch, units), keys
        (batch, time_in, units), values (batch, time_in, width), key_mask (batch, 1, time_in) ->
        probabilities (batch, vocabulary), attention weights (batch, 1, time_in). With copy_mechanism,
        ``output_weights`` ends with the gate's kernel and bias and the inputs' one-hot ids (batch,
        time_in, vocabulary): a sigmoid gate mixes the softmax with the attention summed per byte id."""
        combine_kernel, combine_bias, output_kernel, output_bias = output_weights[:4]
        attention_scores = tf.matmul(h[:, None, :], keys, transpose_b=True)  # (batch, 1, time_in)
        if self.config.attention_scale:
            attention_scores = attention_scores / float(np.sqrt(self.config.units))
        attention_scores = tf.where(key_mask, attention_scores, tf.fill(tf.shape(attention_scores), -1e9))
        weights = tf.nn.softmax(attention_scores, axis=-1)
        context = tf.matmul(weights, values)[:, 0, :]  # (batch, values width)
        combined = tf.tanh(tf.matmul(tf.concat([h, context], -1), combine_kernel) + combine_bias)
        probabilities = tf.nn.softmax(tf.matmul(combined, output_kernel) + output_bias, axis=-1)
        if self.config.copy_mechanism:
            gate_kernel, gate_bias, input_one_hot = output_weights[4:]
            gate = tf.sigmoid(tf.matmul(combined, gate_kernel) + gate_bias)  # (batch, 1)
            copied = tf.matmul(weights, input_one_hot)[:, 0, :]  # (batch, vocabulary)
            probabilities = gate * probabilities + (1.0 - gate) * copied
        return probabilities, weights

    # ----- signatures ---------------------------------------------------------------------------

    def _decode_ids(self, encoder_ids, tensor_lists: bool = True):
        """encoder_ids (batch, time_in <= max_input_length) int32: UTF-8 bytes + 3, END_ID, PAD_ID ->
        {"ids": (batch, steps) int32 (PAD after END_ID), "scores": (batch,) float32 (the smallest
        probability among the emitted ids), "attention": (batch, steps, time_in) float32}."""
        config = self.config
        batch = tf.shape(encoder_ids)[0]
        encoder_outputs, values, h, c = self.encode(encoder_ids, tensor_lists)
        table, positions = self._constants("decoder_embedding", "positions")
        decoder_cell = self._constants("decoder_kernel", "decoder_recurrent_kernel", "decoder_bias")
        combine_kernel, combine_bias, output_kernel, output_bias = self._constants(
            "combine_kernel", "combine_bias", "output_kernel", "output_bias")
        key_mask = tf.not_equal(encoder_ids, PAD_ID)[:, None, :]  # (batch, 1, time_in)
        output_weights = (combine_kernel, combine_bias, output_kernel, output_bias)
        if config.copy_mechanism:
            # one-hot ids by comparison (equal + cast): tfjs' OneHot gave probabilities 0.7% off (measured)
            input_one_hot = tf.cast(tf.equal(encoder_ids[:, :, None], tf.range(config.vocabulary_size)[None, None, :]),
                                    tf.float32)  # (batch, time_in, vocabulary)
            output_weights += (*self._constants("copy_gate_kernel", "copy_gate_bias"), input_one_hot)
        limit = config.max_output_length

        def body(step, token, h, c, finished, scores, emitted, attention):
            embedded = self._embed(table, token[:, None], step, positions)[:, 0, :]
            h, c = self._lstm_step(embedded, h, c, decoder_cell)
            probabilities, weights = self._output_step(h, encoder_outputs, values, key_mask, output_weights)
            next_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
            next_ids = tf.where(finished, PAD_ID, next_ids)
            scores = tf.where(finished, scores, tf.minimum(scores, tf.reduce_max(probabilities, axis=-1)))
            if tensor_lists:
                emitted = emitted.write(step, next_ids)
                attention = attention.write(step, weights[:, 0, :])
            else:
                emitted = tf.concat([emitted, next_ids[:, None]], axis=1)
                attention = tf.concat([attention, weights], axis=1)
            finished = tf.logical_or(finished, tf.equal(next_ids, END_ID))
            token = tf.where(tf.equal(next_ids, END_ID), PAD_ID, next_ids)  # END is read as padding
            return step + 1, token, h, c, finished, scores, emitted, attention

        def running(step, token, h, c, finished, *_):
            return tf.logical_and(step < limit, tf.logical_not(tf.reduce_all(finished)))

        start = [0, tf.fill([batch], START_ID), h, c, tf.zeros([batch], tf.bool), tf.ones([batch], tf.float32)]
        if tensor_lists:
            start += [tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[None]),
                      tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[None, None])]
        else:
            start += [tf.zeros([batch, 0], tf.int32), tf.zeros([batch, 0, tf.shape(encoder_ids)[1]])]
        _, _, _, _, _, scores, ids, attention = tf.while_loop(
            running, body, start, shape_invariants=None if tensor_lists else [tf.TensorShape(None)] * len(start))
        if tensor_lists:
            ids = tf.transpose(ids.stack(), [1, 0])
            attention = tf.transpose(attention.stack(), [1, 0, 2])
        return {"ids": tf.identity(ids, name="ids"), "scores": tf.identity(scores, name="scores"),
                "attention": tf.identity(attention, name="attention")}

    def _serve_strings(self, inputs):
        """inputs (batch,) tf.string -> {"outputs": (batch,) tf.string, the bytes before END_ID;
        "scores": (batch,) float32; "complete": (batch,) bool, whether END_ID was written}."""
        config = self.config
        byte_strings = tf.strings.bytes_split(inputs)  # ragged (batch, None) of 1-byte strings
        byte_values = tf.io.decode_raw(byte_strings.flat_values, tf.uint8)[:, 0]
        ids = tf.RaggedTensor.from_row_splits(tf.cast(byte_values, tf.int32) + BYTE_OFFSET, byte_strings.row_splits)
        lengths = ids.row_lengths()
        tf.debugging.assert_less_equal(tf.reduce_max(tf.concat([lengths, [0]], 0)), tf.cast(config.max_input_length - 1, tf.int64),
                                       message=f"inputs are limited to {config.max_input_length - 1} UTF-8 bytes")
        ids = tf.concat([ids, tf.fill([tf.shape(inputs)[0], 1], END_ID)], axis=1)
        width = (tf.reduce_max(tf.concat([ids.row_lengths(), [1]], 0)) + INPUT_BUCKET - 1) // INPUT_BUCKET * INPUT_BUCKET
        encoder_ids = ids.to_tensor(default_value=PAD_ID)
        encoder_ids = tf.pad(encoder_ids, [[0, 0], [0, tf.cast(width, tf.int32) - tf.shape(encoder_ids)[1]]])
        decoded = self.decode_ids(encoder_ids)  # the same graph function as the decode_ids signature
        output_ids = decoded["ids"]
        before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(output_ids, END_ID), tf.int32), axis=1), 0)
        keep = tf.logical_and(before_end, output_ids >= BYTE_OFFSET)
        byte_table = tf.constant([bytes([value]) for value in range(256)])
        characters = tf.gather(byte_table, tf.maximum(output_ids - BYTE_OFFSET, 0))
        outputs = tf.strings.reduce_join(tf.ragged.boolean_mask(characters, keep), axis=1)
        complete = tf.reduce_any(tf.equal(output_ids, END_ID), axis=1)
        return {"outputs": outputs, "scores": decoded["scores"], "complete": complete}


STEP_WEIGHTS_FILE = "step_weights.json"  # OUT/tfjs: the manifest of step_weights.bin (web/model.js StepDecoder)


def output_step_features(config) -> dict:
    """Which terms ``_output_step`` (and web/model.js ``outputStep``) computes for this model."""
    return {"attention_scale": bool(config.attention_scale), "attend_to_embeddings": bool(config.attend_to_embeddings),
            "copy_mechanism": bool(config.copy_mechanism)}


def step_decoder_weights(decoder: InGraphDecoder) -> dict[str, np.ndarray]:
    """The arrays of web/model.js ``StepDecoder`` (the greedy decoder in plain JavaScript, one input at
    a time), derived from the same weights as the graph. An LSTM's input projection of a byte is a
    table lookup: embedding @ kernel[:embedding_dim] + bias is tabulated per byte id, and
    positions @ kernel[embedding_dim:] per position, so a step only multiplies h by the recurrent kernel.
    Gates i, f, c, o as in Keras. Kernels are stored transposed, (outputs, inputs) (``*_transposed``):
    the JavaScript products are then dot products over contiguous rows."""
    arrays, config = decoder._arrays, decoder.config
    embedding_dim = config.embedding_dim
    prefixes = [f"encoder_{index}" for index in range(decoder.encoder_directions)] + ["decoder"]
    tables = {}
    for prefix in prefixes:
        embedding = arrays["decoder_embedding" if prefix == "decoder" else "encoder_embedding"].astype(np.float64)
        kernel = arrays[f"{prefix}_kernel"].astype(np.float64)
        tables[f"{prefix}_input_gates"] = embedding @ kernel[:embedding_dim] + arrays[f"{prefix}_bias"]
        if config.position_features:
            tables[f"{prefix}_position_gates"] = arrays["positions"].astype(np.float64) @ kernel[embedding_dim:]
        tables[f"{prefix}_recurrent_kernel_transposed"] = arrays[f"{prefix}_recurrent_kernel"].T
    if config.attend_to_embeddings:
        tables["encoder_embedding"] = arrays["encoder_embedding"]
    for name in ("combine", "output") + (("copy_gate",) if config.copy_mechanism else ()):
        tables[f"{name}_kernel_transposed"], tables[f"{name}_bias"] = arrays[f"{name}_kernel"].T, arrays[f"{name}_bias"]
    return {name: np.ascontiguousarray(array, np.float32) for name, array in tables.items()}


def save_step_weights(decoder: InGraphDecoder, directory: str | Path) -> Path:
    """directory/step_weights.json (name, shape, offset in floats of each array) + step_weights.bin
    (float32, little-endian, row-major)."""
    directory = Path(directory)
    arrays, offset, entries = step_decoder_weights(decoder), 0, []
    for name, array in arrays.items():
        entries.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += array.size
    binary = STEP_WEIGHTS_FILE.replace(".json", ".bin")
    (directory / binary).write_bytes(b"".join(array.astype("<f4").tobytes() for array in arrays.values()))
    (directory / STEP_WEIGHTS_FILE).write_text(json.dumps({"dtype": "float32", "file": binary, "arrays": entries}, indent=1) + "\n")
    return directory / STEP_WEIGHTS_FILE


def export_metadata(config, task: str) -> dict:
    """Everything JavaScript needs to turn text into ids and back: storage.metadata plus the names
    of the graph's input and outputs and, for urlparse, the names of the output fields."""
    from helpers.functions import URLPARSE_FIELD_NAMES

    values = metadata(config, task)
    values.update({
        "format": "tfjs graph model; run it with executeAsync (it contains while loops)",
        "signature": TFJS_SIGNATURE,
        "input": "encoder_ids",
        "outputs": ["ids", "scores", "attention"],
        "input_bucket": INPUT_BUCKET,
        "output_fields": list(URLPARSE_FIELD_NAMES) if task == "urlparse" else None,
        # web/model.js StepDecoder: the same decoder in plain JavaScript (the page's default engine)
        "step_weights": STEP_WEIGHTS_FILE,
        "units": config.units,
        "bidirectional_encoder": bool(config.bidirectional_encoder),
        "output_step": output_step_features(config),
    })
    return values


def save_saved_model(decoder: InGraphDecoder, directory: str | Path) -> Path:
    """OUT/saved_model with signatures serving_default (strings), decode_ids and decode_ids_for_tfjs
    (int32 ids)."""
    directory = Path(directory)
    tf.saved_model.save(decoder, str(directory),
                        signatures={"serving_default": decoder.serve_strings, "decode_ids": decoder.decode_ids,
                                    TFJS_SIGNATURE: decoder.decode_ids_for_tfjs})
    # The metadata travels with the SavedModel (assets/ is part of it): Spark reads its limits there.
    (directory / "assets").mkdir(exist_ok=True)
    (directory / "assets" / "metadata.json").write_text(
        json.dumps(export_metadata(decoder.config, decoder.task), indent=2) + "\n")
    return directory


def bridge_python() -> Path:
    return Path(os.environ.get(BRIDGE_PYTHON_VARIABLE, DEFAULT_BRIDGE_PYTHON))


def convert_to_tfjs(saved_model: str | Path, directory: str | Path, decoder: InGraphDecoder) -> Path:
    """Convert the decode_ids signature to a TensorFlow.js graph model in ``directory`` and write
    its metadata.json. The converter runs in the bridge environment made by tools/setup_web.sh."""
    python = bridge_python()
    if not python.exists():
        raise ValueError(f"the TensorFlow.js converter is not installed ({python} missing): run bash tools/setup_web.sh")
    directory = Path(directory)
    if directory.exists():
        shutil.rmtree(directory)
    completed = subprocess.run([str(python), str(CONVERTER_SCRIPT), str(saved_model), str(directory), TFJS_SIGNATURE],
                               capture_output=True, text=True)
    if completed.returncode != 0 or not (directory / "model.json").is_file():
        lines = (completed.stderr or completed.stdout).strip().splitlines()
        raise ValueError(f"TensorFlow.js conversion failed: {lines[-1] if lines else completed.returncode}")
    (directory / "metadata.json").write_text(json.dumps(export_metadata(decoder.config, decoder.task), indent=2) + "\n")
    save_step_weights(decoder, directory)
    return directory


def export(model_directory: str | Path, out: str | Path, tfjs: bool = True) -> dict[str, Path]:
    """A trained model directory -> OUT/saved_model (and OUT/tfjs). Returns the written paths."""
    from helpers.storage import load_model

    stored = load_model(model_directory)
    decoder = InGraphDecoder(stored.model, stored.task)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {"saved_model": save_saved_model(decoder, out / SAVED_MODEL_DIRECTORY)}
    if tfjs:
        written["tfjs"] = convert_to_tfjs(written["saved_model"], out / TFJS_DIRECTORY, decoder)
    return written

