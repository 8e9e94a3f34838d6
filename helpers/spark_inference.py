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
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import numpy as np
import pandas as pd
from pyspark import keyword_only
from pyspark.ml import Transformer
from pyspark.ml.param.shared import HasInputCol, HasOutputCol, Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsReader, DefaultParamsWritable, DefaultParamsWriter

DEFAULT_OUTPUT_COLUMN = "learned"  # the decoded text, when no other column name is given
SCORE_SUFFIX = "_score"  # the score column is named after the output column ...
ERROR_SUFFIX = "_error"  # ... and so is the column that says why a row has no output
CARRIED_MODEL_FOLDER = "model"  # a saved LearnedFunctionTransformer keeps a copy of its model here


@dataclass
class InferenceSettings:
    batch_size: int = 256  # rows per SavedModel call: larger batches amortize the loop's per-step overhead
    output_column: str = DEFAULT_OUTPUT_COLUMN  # the decoded text
    score_column: str = DEFAULT_OUTPUT_COLUMN + SCORE_SUFFIX  # its confidence


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
    from helpers.prediction import greedy_decoding, predict_records

    texts = list(frame[input_column])
    present = [index for index, text in enumerate(texts) if isinstance(text, str)]
    outputs = np.full(len(frame), None, dtype=object)
    scores = np.full(len(frame), np.nan, dtype=np.float64)
    errors = np.full(len(frame), "null input", dtype=object)
    records = predict_records(stored.task, stored.model.config.max_input_length, greedy_decoding(stored.model),
                              [texts[index].encode("utf-8") for index in present])
    for index, record in zip(present, records):
        outputs[index] = record["output"]
        scores[index] = np.nan if record["score"] is None else record["score"]
        errors[index] = record.get("error") if record["output"] is None else None
    return frame.assign(**{output_column: outputs, score_column: scores, error_column: errors})


def local_folder(path: str) -> Path:
    """The local folder of a path Spark ML saves to (a plain path or a file: URI); ValueError for
    another file system, where the stage cannot copy its model."""
    parsed = urlparse(path)
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"LearnedFunctionTransformer carries its model only to a local folder, not to {path}")
    return Path(parsed.path if parsed.scheme else path)


def checked_model(model_path: str, what: str) -> None:
    """``load_model`` on the driver: a missing or damaged model is one line here, naming it, rather than
    a failed Spark task later."""
    from helpers.storage import load_model

    try:
        load_model(model_path)
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None


class ModelCarryingWriter(DefaultParamsWriter):
    """Saves the stage's params (metadata/, as every pyspark.ml stage) and a copy of its model's files
    (model/), so that the saved stage works on a machine without the original model folder."""

    def saveImpl(self, path: str) -> None:
        model_path = self.instance.getModelPath()
        checked_model(model_path, f"cannot save {type(self.instance).__name__}")
        carried = local_folder(path) / CARRIED_MODEL_FOLDER
        carried.mkdir(parents=True, exist_ok=True)
        for file in Path(model_path).iterdir():
            if file.is_file():
                shutil.copy2(file, carried / file.name)
        super().saveImpl(path)


class ModelCarryingReader(DefaultParamsReader):
    """Loads the params, then points ``modelPath`` at the copy of the model the stage carries; a stage
    without a usable copy fails here, in one line that names the missing model."""

    def load(self, path: str):
        instance = super().load(path)
        carried = local_folder(path) / CARRIED_MODEL_FOLDER
        checked_model(str(carried), f"the saved stage {path} has no usable model")
        return instance._set(modelPath=str(carried))


class LearnedFunctionTransformer(Transformer, HasInputCol, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """A learned function as a ``pyspark.ml`` stage:

        stage = LearnedFunctionTransformer(inputCol="url", outputCol="parsed", modelPath="models/urlparse")
        Pipeline(stages=[stage]).fit(frame).transform(frame)

    Params (defaults set with ``_setDefault``, shown by ``explainParams()``):

        inputCol   the string column to decode (no default: required)
        outputCol  the decoded text, compact JSON as ``predict``'s output; null when the model cannot
                   take the row or gives no valid UTF-8 (default "learned")
        scoreCol   the output's score, the smallest probability among the emitted bytes; NaN when there
                   is no output (default: outputCol + "_score")
        errorCol   why a row has no output, null when it has one (default: outputCol + "_error")
        modelPath  a trained model directory (config.json, model.weights.h5; no default: required)

    Every row stays; nothing fails the job. Each Spark task loads the model directory once and decodes
    with ``GreedyDecoder``. Saved with a pipeline, the stage carries a copy of its model (``model/``
    beside its ``metadata/``; to a local folder only), and a loaded stage decodes with that copy: a
    saved pipeline works where the original model folder is absent, and one whose copy is missing or
    damaged fails at load, in one line that names it."""

    modelPath = Param(Params._dummy(), "modelPath", "a trained model directory (config.json, model.weights.h5); "
                      "a saved stage carries a copy of it", typeConverter=TypeConverters.toString)
    scoreCol = Param(Params._dummy(), "scoreCol", "column for the output's score, the smallest probability among "
                     "the emitted bytes (default: outputCol + '_score')", typeConverter=TypeConverters.toString)
    errorCol = Param(Params._dummy(), "errorCol", "column for why a row has no output, null when it has one "
                     "(default: outputCol + '_error')", typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, *, inputCol: str | None = None, outputCol: str | None = None, modelPath: str | None = None,
                 scoreCol: str | None = None, errorCol: str | None = None):
        super().__init__()
        self._setDefault(outputCol=DEFAULT_OUTPUT_COLUMN)
        self._set_column_defaults(DEFAULT_OUTPUT_COLUMN)
        self._set(**self._input_kwargs)

    def _set_column_defaults(self, output_column: str) -> None:
        self._setDefault(scoreCol=output_column + SCORE_SUFFIX, errorCol=output_column + ERROR_SUFFIX)

    def _set(self, **kwargs):
        """As ``Params._set``; a new outputCol also renames the default score and error columns."""
        super()._set(**kwargs)
        if kwargs.get("outputCol") is not None:
            self._set_column_defaults(self.getOutputCol())
        return self

    def set(self, param: Param, value) -> None:
        self._set(**{param.name: value})

    @keyword_only
    def setParams(self, *, inputCol: str | None = None, outputCol: str | None = None, modelPath: str | None = None,
                  scoreCol: str | None = None, errorCol: str | None = None):
        return self._set(**self._input_kwargs)

    def setInputCol(self, value: str):
        return self._set(inputCol=value)

    def setOutputCol(self, value: str):
        return self._set(outputCol=value)

    def setScoreCol(self, value: str):
        return self._set(scoreCol=value)

    def setErrorCol(self, value: str):
        return self._set(errorCol=value)

    def setModelPath(self, value: str):
        return self._set(modelPath=value)

    def getModelPath(self) -> str:
        return self.getOrDefault(self.modelPath)

    def getScoreCol(self) -> str:
        return self.getOrDefault(self.scoreCol)

    def getErrorCol(self) -> str:
        return self.getOrDefault(self.errorCol)

    def write(self) -> ModelCarryingWriter:
        return ModelCarryingWriter(self)

    @classmethod
    def read(cls) -> ModelCarryingReader:
        return ModelCarryingReader(cls)

    def _transform(self, dataset):
        from pyspark.sql.types import DoubleType, StringType, StructField, StructType

        for name in ("inputCol", "modelPath"):
            if not self.isDefined(getattr(self, name)):
                raise ValueError(f"LearnedFunctionTransformer needs {name}")
        input_column, output_column = self.getInputCol(), self.getOutputCol()
        score_column, error_column = self.getScoreCol(), self.getErrorCol()
        if input_column not in dataset.columns:
            raise ValueError(f"no column {input_column!r}; the frame has {dataset.columns}")
        if not isinstance(dataset.schema[input_column].dataType, StringType):
            raise ValueError(f"column {input_column!r} is {dataset.schema[input_column].dataType.simpleString()}, "
                             f"not string")
        taken = {output_column, score_column, error_column} & set(dataset.columns)
        if taken:
            raise ValueError(f"the frame already has the output columns {sorted(taken)}")
        model_path = str(Path(self.getModelPath()).resolve())
        checked_model(model_path, "LearnedFunctionTransformer")  # on the driver, before any Spark task
        schema = StructType(dataset.schema.fields + [StructField(output_column, StringType()),
                                                     StructField(score_column, DoubleType()),
                                                     StructField(error_column, StringType())])

        def task(batches):
            from helpers.storage import load_model

            keep_workers_off_the_gpu()
            stored = load_model(model_path)
            for frame in batches:
                yield predict_frame(frame, stored, input_column, output_column, score_column, error_column)

        return dataset.mapInPandas(task, schema=schema)
