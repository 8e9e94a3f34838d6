"""Batch inference on Spark: the exported SavedModel adds the learned output to a DataFrame.

    frame = add_learned_output(frame, "OUT/saved_model", input_column="url")
    # + columns learned (string, null when the model cannot take the row or gives no valid output)
    #   and learned_score (float: the smallest probability among the emitted bytes)

``mapInPandas`` hands each task an iterator of pandas batches; the task loads the SavedModel once
and decodes ``batch_size`` rows per call of its ``serving_default`` signature (the whole greedy loop
runs inside TensorFlow). Rows are sorted by length inside each batch so that little padding is decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd


@dataclass
class InferenceSettings:
    batch_size: int = 256  # rows per SavedModel call: larger batches amortize the loop's per-step overhead
    output_column: str = "learned"  # the decoded text
    score_column: str = "learned_score"  # its confidence


def read_limits(saved_model: str | Path) -> dict:
    """The export's metadata.json (saved_model/assets/): max_input_bytes, task, special ids."""
    path = Path(saved_model) / "assets" / "metadata.json"
    if not path.is_file():
        raise ValueError(f"{path} is missing: export the model with python -m helpers export")
    return json.loads(path.read_text())


def decode_batches(batches: Iterator[pd.DataFrame], saved_model: str, input_column: str,
                   settings: InferenceSettings, max_input_bytes: int) -> Iterator[pd.DataFrame]:
    """The body of one Spark task: load the SavedModel once, then decode every batch.

    Each batch (rows, columns) comes back with two more columns: output (str or None), score
    (float or NaN). None when the input is null, longer than max_input_bytes, or the model did not
    write END_ID or wrote invalid UTF-8 (the same rule as GreedyDecoder)."""
    import tensorflow as tf

    serving = tf.saved_model.load(saved_model).signatures["serving_default"]
    for frame in batches:
        texts = frame[input_column]
        outputs = np.full(len(frame), None, dtype=object)
        scores = np.full(len(frame), np.nan, dtype=np.float64)
        encoded = [text.encode("utf-8") if isinstance(text, str) else None for text in texts]
        usable = [index for index, raw in enumerate(encoded) if raw is not None and len(raw) <= max_input_bytes]
        usable.sort(key=lambda index: len(encoded[index]))
        for start in range(0, len(usable), settings.batch_size):
            chunk = usable[start:start + settings.batch_size]
            result = serving(inputs=tf.constant([encoded[index] for index in chunk]))
            for index, raw, complete, score in zip(chunk, result["outputs"].numpy(), result["complete"].numpy(),
                                                   result["scores"].numpy()):
                scores[index] = float(score)
                if complete:
                    try:
                        outputs[index] = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        pass
        yield frame.assign(**{settings.output_column: outputs, settings.score_column: scores})


def add_learned_output(frame, saved_model: str | Path, input_column: str = "url",
                       settings: InferenceSettings | None = None):
    """A Spark DataFrame -> the same rows with the learned output and its score appended."""
    settings = settings or InferenceSettings()
    if input_column not in frame.columns:
        raise ValueError(f"no column {input_column!r}; the frame has {frame.columns}")
    saved_model = str(Path(saved_model).resolve())
    max_input_bytes = int(read_limits(saved_model)["max_input_bytes"])
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    schema = StructType(frame.schema.fields + [StructField(settings.output_column, StringType()),
                                               StructField(settings.score_column, DoubleType())])

    def task(batches):
        return decode_batches(batches, saved_model, input_column, settings, max_input_bytes)

    return frame.mapInPandas(task, schema=schema)
