"""Batch inference on Spark: the exported SavedModel adds the learned output to a DataFrame, and
``LearnedFunctionTransformer``, a ``pyspark.ml`` stage over a model directory.

    frame = add_learned_output(frame, "OUT/saved_model", input_column="url")
    # + columns learned (string, null when the model cannot take the row or gives no valid output)
    #   and learned_score (float: the smallest probability among the emitted bytes)

``mapInPandas`` hands each task an iterator of pandas batches; the task loads the SavedModel once
and decodes ``batch_size`` rows per call of its ``serving_default`` signature (the whole greedy loop
runs inside TensorFlow). Rows are sorted by length inside each batch so that little padding is decoded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from pyspark import keyword_only
from pyspark.ml import Transformer
from pyspark.ml.param.shared import HasInputCol, HasOutputCol, Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable


@dataclass
class InferenceSettings:
    batch_size: int = 256  # rows per SavedModel call: larger batches amortize the loop's per-step overhead
    output_column: str = "learned"  # the decoded text
    score_column: str = "learned_score"  # its confidence


def keep_workers_off_the_gpu() -> None:
    """In a Spark task, before TensorFlow starts: decode on the CPU, so that Spark's worker processes
    do not compete with the notebook (or each other) for one GPU's memory."""
    os.environ["CUDA_VISIBLE_DEVICES"] = ""


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
        keep_workers_off_the_gpu()
        return decode_batches(batches, saved_model, input_column, settings, max_input_bytes)

    return frame.mapInPandas(task, schema=schema)


# ------------------------------------------------------------------------------------------------
# A pyspark.ml stage: the learned function inside a Pipeline, straight from a model directory
# ------------------------------------------------------------------------------------------------


def predict_frame(frame: pd.DataFrame, stored, input_column: str, output_column: str, score_column: str,
                  error_column: str) -> pd.DataFrame:
    """One pandas batch with three more columns, row for row (``helpers.prediction.predict_records``):
    the decoded text (None when there is none), its score (NaN when none) and why a row has no
    output (None when it has one). A null input is a row with an error, never a dropped row."""
    from helpers.prediction import predict_records

    texts = list(frame[input_column])
    present = [index for index, text in enumerate(texts) if isinstance(text, str)]
    outputs = np.full(len(frame), None, dtype=object)
    scores = np.full(len(frame), np.nan, dtype=np.float64)
    errors = np.full(len(frame), "null input", dtype=object)
    records = predict_records(stored, [texts[index].encode("utf-8") for index in present])
    for index, record in zip(present, records):
        outputs[index] = record["output"]
        scores[index] = np.nan if record["score"] is None else record["score"]
        errors[index] = record.get("error") if record["output"] is None else None
    return frame.assign(**{output_column: outputs, score_column: scores, error_column: errors})


class LearnedFunctionTransformer(Transformer, HasInputCol, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """A learned function as a ``pyspark.ml`` stage:

        stage = LearnedFunctionTransformer(inputCol="url", outputCol="parsed", modelPath="models/urlparse")
        Pipeline(stages=[stage]).fit(frame).transform(frame)

    Adds ``outputCol`` (the decoded text, compact JSON, as ``predict``'s output; null when the model
    cannot take the row or gives no valid UTF-8), ``scoreCol`` (its confidence, default
    ``<outputCol>_score``) and ``errorCol`` (why the output is null, default ``<outputCol>_error``).
    Every row stays; nothing fails the job. Each Spark task loads the model directory once and
    decodes with ``GreedyDecoder``. Saved and loaded with a pipeline (the params, not the weights:
    ``modelPath`` must be readable where the pipeline is loaded)."""

    modelPath = Param(Params._dummy(), "modelPath", "a trained model directory (config.json, model.weights.h5)",
                      typeConverter=TypeConverters.toString)
    scoreCol = Param(Params._dummy(), "scoreCol", "column for the output's score (default <outputCol>_score)",
                     typeConverter=TypeConverters.toString)
    errorCol = Param(Params._dummy(), "errorCol", "column for why a row has no output (default <outputCol>_error)",
                     typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, *, inputCol: str | None = None, outputCol: str | None = None, modelPath: str | None = None,
                 scoreCol: str | None = None, errorCol: str | None = None):
        super().__init__()
        self._set(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCol: str | None = None, outputCol: str | None = None, modelPath: str | None = None,
                  scoreCol: str | None = None, errorCol: str | None = None):
        return self._set(**self._input_kwargs)

    def setModelPath(self, value: str):
        return self._set(modelPath=value)

    def getModelPath(self) -> str:
        return self.getOrDefault(self.modelPath)

    def score_column(self) -> str:
        return self.getOrDefault(self.scoreCol) if self.isDefined(self.scoreCol) else f"{self.getOutputCol()}_score"

    def error_column(self) -> str:
        return self.getOrDefault(self.errorCol) if self.isDefined(self.errorCol) else f"{self.getOutputCol()}_error"

    def _transform(self, dataset):
        from pyspark.sql.types import DoubleType, StringType, StructField, StructType

        for name in ("inputCol", "outputCol", "modelPath"):
            if not self.isDefined(getattr(self, name)):
                raise ValueError(f"LearnedFunctionTransformer needs {name}")
        input_column, output_column = self.getInputCol(), self.getOutputCol()
        score_column, error_column = self.score_column(), self.error_column()
        if input_column not in dataset.columns:
            raise ValueError(f"no column {input_column!r}; the frame has {dataset.columns}")
        if not isinstance(dataset.schema[input_column].dataType, StringType):
            raise ValueError(f"column {input_column!r} is {dataset.schema[input_column].dataType.simpleString()}, "
                             f"not string")
        taken = {output_column, score_column, error_column} & set(dataset.columns)
        if taken:
            raise ValueError(f"the frame already has the output columns {sorted(taken)}")
        model_path = str(Path(self.getModelPath()).resolve())
        from helpers.storage import load_model

        load_model(model_path)  # a missing or damaged model is a ValueError here, not a failed Spark task
        schema = StructType(dataset.schema.fields + [StructField(output_column, StringType()),
                                                     StructField(score_column, DoubleType()),
                                                     StructField(error_column, StringType())])

        def task(batches):
            keep_workers_off_the_gpu()
            stored = load_model(model_path)
            for frame in batches:
                yield predict_frame(frame, stored, input_column, output_column, score_column, error_column)

        return dataset.mapInPandas(task, schema=schema)
