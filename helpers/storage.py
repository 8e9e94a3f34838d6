"""A trained model on disk: one folder that ``load_model`` and ``python -m helpers predict`` read.

    DIR/config.json        {"task": "urlparse", "model": {Seq2SeqConfig fields}}
    DIR/model.weights.h5   the Keras weights
    DIR/metadata.json      vocabulary, special ids and maximum lengths (for other runtimes)
    DIR/metrics.json       written by training: accuracy, minutes, hardware, date (optional)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers.model import Seq2Seq, Seq2SeqConfig, build_seq2seq
from helpers.vectorization import BYTE_OFFSET, END_ID, PAD_ID, START_ID, VOCABULARY_SIZE

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
METRICS_FILE = "metrics.json"


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
    }


def save_model(model: Seq2Seq, directory: str | Path, task: str) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(json.dumps({"task": task, "model": json.loads(model.config.to_json())}, indent=2) + "\n")
    (directory / METADATA_FILE).write_text(json.dumps(metadata(model.config, task), indent=2) + "\n")
    model.training_model.save_weights(directory / WEIGHTS_FILE)
    return directory


def load_model(directory: str | Path) -> StoredModel:
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
    model = build_seq2seq(config)
    model.training_model.load_weights(weights_path)
    return StoredModel(task=task, model=model)
