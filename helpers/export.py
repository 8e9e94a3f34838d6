"""Export: the greedy decoder inside one TensorFlow graph, saved for TF Serving and TensorFlow.js.

``InGraphDecoder`` holds a trained model's named weights (``Seq2Seq.step_weights``) as plain arrays
and runs ``helpers.step.greedy_decode`` on them, the same function ``GreedyDecoder`` runs on the
Keras variables:

    encoder_ids (batch, time_in) int32
      -> step.encode: input gates looked up per byte and position, LSTM cell stepped by a while loop
         (both directions when bidirectional; PAD steps keep the state, as Keras masking does)
      -> step.decoder_step in a while loop: LSTM cell, attention, combine, softmax (and copy), argmax;
         stops when every row has written END_ID or after max_output_length steps
      -> ids (batch, steps) int32, scores (batch,) float32, attention (batch, steps, time_in), in the
         output's order (a ``reverse_output`` model's turned back by step.in_output_order)

Why not save the Keras layers? A Keras 3 LSTM saved while a GPU is visible contains ``CudnnRNNV3``
(no CPU-only or TensorFlow.js kernel), and the layer's internal loop converts to TensorFlow.js but
fails there at run time. The explicit loops over the cell weights run everywhere, from weights
trained on any device.

Four signatures, one ``_decode_ids`` definition:

* ``decode_ids(encoder_ids int32 (batch, time_in))``: steps collected in TensorArrays, attention
  weights included.
* ``decode_ids_in_groups``: the same ids for a batch in any order, fast: rows sorted by length and
  decoded ``group_size`` at a time (``helpers.step.greedy_decode_in_groups``); no attention.
* ``decode_ids_for_tfjs``: the same graph, but steps collected by ``tf.concat``: TensorFlow.js
  (4.22) disposes TensorList elements written inside a while loop too early (measured: "Cannot
  read properties of undefined (reading 'backend')"). The page runs it with ``executeAsync``;
  text <-> bytes happens in JavaScript, because tfjs has almost no string ops.
* ``serving_default(inputs tf.string (batch,))`` -> ``outputs`` tf.string (batch,), ``scores``
  (batch,), ``complete`` bool (batch,): for TF Serving and ``saved_model_cli`` (decoded in groups).

The page's default engine is not the tfjs graph: run by ``executeAsync``, every op of every loop
step costs TensorFlow.js tens of microseconds, and a URL takes ~200 steps of ~15-40 small ops each
(EXPERIMENTS.md has the figures). ``save_web_model`` writes OUT/tfjs/metadata.json and
step_weights.{json,bin} for ``StepDecoder`` in web/model.js, the one re-implementation of the step
(plain JavaScript loops, an order of magnitude faster; the tests check it byte for byte against
``GreedyDecoder``): float32 arrays written here with numpy, so the page needs neither the converter
nor TensorFlow.js (it runs in Colab, which has neither). ``output_step_features`` (in metadata.json)
tells JavaScript which terms the model has. ``build_page`` and ``show_page`` put that page in a
notebook: served by a thread of the kernel, shown through Colab's proxy in Colab, as an iframe elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import numpy as np
import tensorflow as tf

from helpers.model import Seq2Seq
from helpers.model_config import encoder_prefix
from helpers.step import INPUT_BUCKET, greedy_decode, greedy_decode_in_groups, input_gate_tables
from helpers.storage import metadata
from helpers.vectorization import BYTE_OFFSET, END_ID, PAD_ID

SAVED_MODEL_DIRECTORY = "saved_model"  # OUT/saved_model: both signatures
TFJS_DIRECTORY = "tfjs"  # OUT/tfjs: model.json, weight shards, metadata.json
TFJS_SIGNATURE = "decode_ids_for_tfjs"  # the signature converted for TensorFlow.js
BRIDGE_PYTHON_VARIABLE = "PORTING_TFJS_PYTHON"  # the Python that has tensorflowjs (tools/setup_web.sh)
DEFAULT_BRIDGE_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "tfjs" / "bin" / "python"
CONVERTER_SCRIPT = Path(__file__).resolve().parent / "tfjs_convert.py"


class InGraphDecoder(tf.Module):
    """A trained ``Seq2Seq`` as plain TensorFlow ops. ``InGraphDecoder(model, task).decode_ids(ids)``."""

    def __init__(self, model: Seq2Seq, task: str, group_size: int = 128, lanes: int = 2):
        super().__init__(name="in_graph_decoder")
        if group_size < 1 or lanes < 1:
            raise ValueError(f"group_size and lanes must be at least 1, got {group_size} and {lanes}")
        self.config = model.config
        self.task = task
        self.group_size = group_size  # rows decoded at once by decode_ids_in_groups and serving_default
        self.lanes = lanes  # groups decoded at the same time (step.greedy_decode_in_groups)
        self.encoder_directions = 2 if model.config.bidirectional_encoder else 1
        # Plain arrays, made graph constants when the functions are traced: the converter to
        # TensorFlow.js cannot freeze variables that are read inside a while loop.
        arrays = {name: np.asarray(value, np.float32) for name, value in model.step_weights().items()}
        # the LSTMs' input projections, tabulated once here rather than in every call of the graph
        for prefix in [f"encoder_{index}" for index in range(self.encoder_directions)] + ["decoder"]:
            by_id, by_position = input_gate_tables(self.config, arrays, prefix,
                                                   "decoder_embedding" if prefix == "decoder" else "encoder_embedding")
            arrays[f"{prefix}_input_gates"] = np.asarray(by_id, np.float32)
            if by_position is not None:
                arrays[f"{prefix}_position_gates"] = np.asarray(by_position, np.float32)
        self._arrays = arrays
        self.decode_ids = tf.function(
            self._decode_ids, input_signature=[tf.TensorSpec([None, None], tf.int32, name="encoder_ids")]
        )
        self.decode_ids_in_groups = tf.function(
            lambda encoder_ids: self._decode_ids(encoder_ids, in_groups=True),
            input_signature=[tf.TensorSpec([None, None], tf.int32, name="encoder_ids")],
        )
        self.decode_ids_for_tfjs = tf.function(
            lambda encoder_ids: self._decode_ids(encoder_ids, tensor_lists=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32, name="encoder_ids")],
        )
        self.serve_strings = tf.function(
            self._serve_strings, input_signature=[tf.TensorSpec([None], tf.string, name="inputs")]
        )

    def _decode_ids(self, encoder_ids, tensor_lists: bool = True, in_groups: bool = False):
        """encoder_ids (batch, time_in <= max_input_length) int32: UTF-8 bytes + 3, END_ID, PAD_ID ->
        {"ids": (batch, steps) int32 (PAD after END_ID), "scores": (batch,) float32 (the smallest
        probability among the emitted ids), "attention": (batch, steps, time_in) float32}:
        ``helpers.step.greedy_decode`` on the weights as constants of this graph. ``in_groups``:
        ``greedy_decode_in_groups`` (rows sorted by length, ``group_size`` at a time; the same ids, no
        attention: (batch, 0, time_in))."""
        weights = {name: tf.constant(array, name=name) for name, array in self._arrays.items()}
        if in_groups:
            ids, scores, attention = greedy_decode_in_groups(self.config, weights, encoder_ids,
                                                             self.config.max_output_length, self.group_size,
                                                             self.lanes)
        else:
            ids, scores, attention = greedy_decode(self.config, weights, encoder_ids, self.config.max_output_length,
                                                   tensor_lists=tensor_lists)
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
        decoded = self.decode_ids_in_groups(encoder_ids)  # the same graph function as that signature
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
    """Which terms ``step.output_step`` (and web/model.js ``outputStep``) computes for this model."""
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
    prefixes = [f"encoder_{index}" for index in range(decoder.encoder_directions)] + ["decoder"]
    tables = {}
    for prefix in prefixes:  # the tables the graph reads (helpers.step.input_gate_tables)
        tables[f"{prefix}_input_gates"] = arrays[f"{prefix}_input_gates"]
        if config.position_features:
            tables[f"{prefix}_position_gates"] = arrays[f"{prefix}_position_gates"]
        tables[f"{prefix}_recurrent_kernel_transposed"] = arrays[f"{prefix}_recurrent_kernel"].T
    for layer in range(1, config.encoder_layers):  # stacked layers read vectors: their kernels as they are
        for direction in range(decoder.encoder_directions):
            prefix = encoder_prefix(layer, direction)
            tables[f"{prefix}_kernel_transposed"] = arrays[f"{prefix}_kernel"].T
            tables[f"{prefix}_bias"] = arrays[f"{prefix}_bias"]
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
    directory.mkdir(parents=True, exist_ok=True)
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
    of the graph's input and outputs and, where the function's entry names them, the output fields."""
    from helpers.functions import REGISTRY

    entry = REGISTRY.get(task)  # a ported MODULE:FUNCTION has no entry here, and names no fields
    fields = entry.output_fields if entry is not None else None

    values = metadata(config, task)
    values.update({
        "format": "tfjs graph model; run it with executeAsync (it contains while loops)",
        "signature": TFJS_SIGNATURE,
        "input": "encoder_ids",
        "outputs": ["ids", "scores", "attention"],
        "input_bucket": INPUT_BUCKET,
        "output_fields": list(fields) if fields else None,
        # web/model.js StepDecoder: the same decoder in plain JavaScript (the page's default engine)
        "step_weights": STEP_WEIGHTS_FILE,
        "units": config.units,
        "bidirectional_encoder": bool(config.bidirectional_encoder),
        "encoder_layers": int(config.encoder_layers),
        "output_step": output_step_features(config),
    })
    return values


def save_saved_model(decoder: InGraphDecoder, directory: str | Path) -> Path:
    """OUT/saved_model with signatures serving_default (strings), decode_ids, decode_ids_in_groups and
    decode_ids_for_tfjs (int32 ids)."""
    directory = Path(directory)
    tf.saved_model.save(decoder, str(directory),
                        signatures={"serving_default": decoder.serve_strings, "decode_ids": decoder.decode_ids,
                                    "decode_ids_in_groups": decoder.decode_ids_in_groups,
                                    TFJS_SIGNATURE: decoder.decode_ids_for_tfjs})
    # The metadata travels with the SavedModel (assets/ is part of it): Spark reads its limits there.
    (directory / "assets").mkdir(exist_ok=True)
    (directory / "assets" / "metadata.json").write_text(
        json.dumps(export_metadata(decoder.config, decoder.task), indent=2) + "\n")
    return directory


def save_web_model(decoder: InGraphDecoder, directory: str | Path) -> Path:
    """What the page's step engine loads, without the TensorFlow.js converter: directory/metadata.json
    and step_weights.{json,bin}. ``convert_to_tfjs`` adds the graph (model.json) beside them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metadata.json").write_text(json.dumps(export_metadata(decoder.config, decoder.task), indent=2) + "\n")
    save_step_weights(decoder, directory)
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
    return save_web_model(decoder, directory)


PAGE_MODEL_DIRECTORY = "model"  # site/model: where web/index.js loads the model from


def build_page(web_model: str | Path, site: str | Path) -> Path:
    """site/: web/index.html, index.js, model.js and model/ (a copy of ``save_web_model``'s directory):
    the page with its default engine, which needs no TensorFlow.js (helpers.web.build_site adds it)."""
    from helpers.web import PAGE_FILES, WEB_SOURCE

    web_model, site = Path(web_model), Path(site)
    if not (web_model / "metadata.json").is_file() or not (web_model / STEP_WEIGHTS_FILE).is_file():
        raise ValueError(f"{web_model} holds no web model (metadata.json and {STEP_WEIGHTS_FILE}): run save_web_model")
    if (site / PAGE_MODEL_DIRECTORY).exists():
        shutil.rmtree(site / PAGE_MODEL_DIRECTORY)
    shutil.copytree(web_model, site / PAGE_MODEL_DIRECTORY)
    for name in PAGE_FILES:
        shutil.copyfile(WEB_SOURCE / name, site / name)
    return site


# The servers of show_page: they live as long as the kernel. Not context managers: one closed by the
# garbage collector at interpreter exit would wait for its (by then stopped) daemon thread forever.
_SERVED_PAGES: list = []


def show_page(site: str | Path, query: str | None = None, height: int = 620) -> None:
    """Show ``site``'s index.html (``?q=query``: decoded as the page opens) in this notebook; its
    JavaScript runs in the reader's browser. A thread of the kernel serves the folder on 127.0.0.1;
    in Colab ``google.colab.output.serve_kernel_port_as_iframe`` shows that port through Colab's proxy,
    elsewhere an iframe of the local address does (live while the kernel runs)."""
    from helpers.environment import in_colab
    from helpers.web import start_server

    _SERVED_PAGES.append(start_server(site))
    port = _SERVED_PAGES[-1].server_address[1]
    path = "/index.html" + ("" if query is None else "?q=" + quote(query, safe=""))
    if in_colab():
        from google.colab import output  # type: ignore[import-not-found]

        output.serve_kernel_port_as_iframe(port, path=path, width="100%", height=str(height))
    else:
        from IPython.display import display

        frame = f'<iframe src="http://127.0.0.1:{port}{path}" width="100%" height="{height}" frameborder="0"></iframe>'
        display({"text/html": frame, "text/plain": f"the page {path}, served by this kernel (live while it runs)"},
                raw=True)


def export(model_directory: str | Path, out: str | Path, tfjs: bool = True) -> dict[str, Path]:
    """A trained model directory -> OUT/saved_model (and OUT/tfjs: the graph converted by the
    converter bridge, with the page's web model). Returns the written paths."""
    from helpers.storage import load_model

    stored = load_model(model_directory)
    decoder = InGraphDecoder(stored.model, stored.task)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {"saved_model": save_saved_model(decoder, out / SAVED_MODEL_DIRECTORY)}
    if tfjs:
        written["tfjs"] = convert_to_tfjs(written["saved_model"], out / TFJS_DIRECTORY, decoder)
    return written

