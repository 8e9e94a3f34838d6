"""A trained model on disk: one folder that ``load_model`` and ``python -m helpers predict`` read.

    DIR/config.json        {"task": "urlparse", "model": {Seq2SeqConfig fields}}
    DIR/model.weights.h5   the Keras weights
    DIR/metadata.json      vocabulary, special ids and maximum lengths (for other runtimes)
    DIR/metrics.json       written by training: accuracy, minutes, hardware, date (optional)

Importing this module imports no TensorFlow (``load_model`` does, when called): ``read_model_folder``
serves ``helpers.numpy_decoding`` too, with the same checks and messages.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from helpers.model_config import Seq2SeqConfig
from helpers.vectorization import BYTE_OFFSET, END_ID, PAD_ID, START_ID, VOCABULARY_SIZE

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
METRICS_FILE = "metrics.json"

if TYPE_CHECKING:
    from helpers.model import Seq2Seq


@dataclass
class StoredModel:
    task: str  # name of the learned function in helpers.functions.REGISTRY
    model: Seq2Seq


def metadata(config: Seq2SeqConfig, task: str) -> dict:
    return {
        "task": task,
        "vocabulary": "utf-8 bytes; id = byte + byte_offset",
        "vocabulary_size": VOCABULARY_SIZE,
        "byte_offset": BYTE_OFFSET,
        "pad_id": PAD_ID,
        "start_id": START_ID,
        "end_id": END_ID,
        "max_input_length": config.max_input_length,
        "max_input_bytes": config.max_input_length - 1,
        "max_output_length": config.max_output_length,
        "reverse_output": bool(config.reverse_output),  # the decoder writes each output last byte first
    }


def replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary)`` beside ``path``, then rename it over ``path``: a kill at any moment leaves
    either the old file or the new one, never half of one. The temporary name keeps the suffixes
    (Keras wants ``.weights.h5``)."""
    temporary = path.with_name(f".partial-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_text_atomically(path: Path, text: str) -> None:
    replace_atomically(path, lambda temporary: temporary.write_text(text))


def save_model(model: Seq2Seq, directory: str | Path, task: str) -> Path:
    """Writes the model folder; each file is replaced atomically (weights last)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomically(directory / CONFIG_FILE,
                          json.dumps({"task": task, "model": json.loads(model.config.to_json())}, indent=2) + "\n")
    write_text_atomically(directory / METADATA_FILE, json.dumps(metadata(model.config, task), indent=2) + "\n")
    replace_atomically(directory / WEIGHTS_FILE, model.training_model.save_weights)
    return directory


def read_model_folder(directory: str | Path) -> tuple[str, Seq2SeqConfig, Path]:
    """(task, config, path of the weights file) of a model folder; ValueError, one line that names
    what is missing or wrong, for anything else."""
    directory = Path(directory)
    config_path = directory / CONFIG_FILE
    weights_path = directory / WEIGHTS_FILE
    if not directory.is_dir():
        raise ValueError(f"model directory {directory} does not exist")
    if not config_path.is_file() or not weights_path.is_file():
        raise ValueError(f"{directory} is not a saved model: it needs {CONFIG_FILE} and {WEIGHTS_FILE}")
    try:
        stored = json.loads(config_path.read_text())
        task = stored["task"]
        config = Seq2SeqConfig.from_dict(stored["model"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{config_path} is not a valid model config: {error}") from error
    return task, config, weights_path


def damaged_weights(weights_path: Path, error: Exception) -> ValueError:
    """The one message for a weights file that cannot be read."""
    return ValueError(f"{weights_path} is damaged or incomplete ({type(error).__name__}): train the model "
                      f"again, or put back a good copy of the file")


def load_model(directory: str | Path) -> StoredModel:
    from helpers.model import build_seq2seq

    task, config, weights_path = read_model_folder(directory)
    model = build_seq2seq(config)
    try:
        model.training_model.load_weights(weights_path)
    except Exception as error:  # h5py's OSError for a cut file, Keras' ValueError for other shapes
        raise damaged_weights(weights_path, error) from error
    return StoredModel(task=task, model=model)
