"""A training run that stops anywhere and goes on exactly: everything it needs, in its folder.

    RUN/run.json                 the settings: {"training": TrainingConfig fields, "model": Seq2SeqConfig fields}
    RUN/state/state.json         {"epoch": N, "files": [...]}: names the last whole checkpoint; written last
    RUN/state/epoch-N.weights.h5 the raw weights and the optimizer's state (Adam's moments and step) after epoch N
    RUN/state/epoch-N.average.npz the moving average of the weights and its update count (weight_average_steps)
    RUN/history.json, logs/, model/   the curve so far, TensorBoard's logs, the model after the last epoch

The training stream draws each epoch from its own seed (``streams.epoch_seed``), so a run that
resumes after epoch N sees the batches a straight run sees. A checkpoint's files are written whole
under their own names before ``state.json`` names them, and older ones are removed only after it
does: a kill at any moment leaves the previous checkpoint or the new one, never half of one. Keras'
``BackupAndRestore`` writes its weights and its epoch count as two files, one after the other, so a
kill between the two leaves new weights with the old count, and it has no place for the average.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np

from helpers.callbacks import WeightAverage
from helpers.model import Seq2Seq
from helpers.model_config import Seq2SeqConfig
from helpers.storage import replace_atomically, write_text_atomically
from helpers.training_config import TrainingConfig

RUN_FILE = "run.json"
STATE_FOLDER = "state"
STATE_FILE = "state.json"


def write_run_settings(directory: Path, training_config: TrainingConfig, model_config: Seq2SeqConfig) -> None:
    """RUN/run.json: what ``read_run_settings`` (``train --resume RUN``) needs to go on."""
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomically(directory / RUN_FILE, json.dumps(
        {"training": asdict(training_config), "model": asdict(model_config)}, indent=2) + "\n")


def read_run_settings(directory: str | Path) -> tuple[TrainingConfig, Seq2SeqConfig]:
    """The (training, model) settings of the run in ``directory`` (``ValueError`` if there is none)."""
    path = Path(directory) / RUN_FILE
    if not path.is_file():
        raise ValueError(f"{directory} holds no training run: {RUN_FILE} is missing")
    try:
        settings = json.loads(path.read_text())
        return TrainingConfig(**settings["training"]), Seq2SeqConfig.from_dict(settings["model"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a run's settings ({type(error).__name__}: {error})") from error


def check_same_settings(directory: Path, training_config: TrainingConfig, model_config: Seq2SeqConfig) -> None:
    """A run goes on only with the settings it started with, except ``epochs`` and ``max_minutes`` (the
    budget may grow): anything else would make a run that no single setting describes."""
    if not (directory / RUN_FILE).is_file():
        return
    stored_training, stored_model = read_run_settings(directory)
    budget = {"epochs": training_config.epochs, "max_minutes": training_config.max_minutes}
    differences = [name for name, value in asdict(stored_training).items()
                   if name not in budget and value != getattr(training_config, name)]
    differences += [name for name, value in asdict(stored_model).items() if value != getattr(model_config, name)]
    if differences:
        raise ValueError(f"the run in {directory} was started with other settings ({', '.join(differences)}): go on "
                         f"with its own (train --resume {directory}) or start afresh (--fresh)")


class RunState(keras.callbacks.Callback):
    """Writes the resume state after every epoch; ``restore()`` puts it back before ``fit``."""

    def __init__(self, directory: Path, model: Seq2Seq, average: WeightAverage | None = None):
        super().__init__()
        self.directory = Path(directory) / STATE_FOLDER
        self.seq2seq, self.average = model, average

    def epochs_done(self) -> int:
        """The epochs of the last whole checkpoint (0 without one)."""
        return self._read()["epoch"] if (self.directory / STATE_FILE).is_file() else 0

    def _read(self) -> dict:
        path = self.directory / STATE_FILE
        try:
            state = json.loads(path.read_text())
            return {"epoch": int(state["epoch"]), "files": list(state["files"])}
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path} is damaged ({type(error).__name__}): start afresh (--fresh) or "
                             f"delete {self.directory}") from error

    def restore(self) -> int:
        """Loads the last checkpoint (raw weights, optimizer, average) into the model; returns its epoch."""
        if not (self.directory / STATE_FILE).is_file():
            return 0
        state = self._read()
        training_model = self.seq2seq.training_model
        training_model.optimizer.build(training_model.trainable_variables)  # its variables exist before loading
        weights = self.directory / f"epoch-{state['epoch']}.weights.h5"
        try:
            training_model.load_weights(weights)
            if self.average is not None:
                self._restore_average(self.directory / f"epoch-{state['epoch']}.average.npz")
        except Exception as error:  # h5py's OSError for a cut file, Keras' ValueError for other shapes
            raise ValueError(f"the resume state in {self.directory} is damaged ({type(error).__name__}): start afresh "
                             f"(--fresh) or delete that folder") from error
        return state["epoch"]

    def _restore_average(self, path: Path) -> None:
        if not path.is_file():  # the run's first epoch ended before any update: nothing to restore
            return
        with np.load(path) as stored:
            self.average.updates = int(stored["updates"])
            self.average.average = [stored[f"variable_{index}"] for index in range(len(stored.files) - 1)]

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        previous = self._read()["files"] if (self.directory / STATE_FILE).is_file() else []
        files = [f"epoch-{epoch + 1}.weights.h5"]
        replace_atomically(self.directory / files[0], self.seq2seq.training_model.save_weights)
        if self.average is not None and self.average.average is not None:
            files.append(f"epoch-{epoch + 1}.average.npz")
            arrays = {f"variable_{index}": value for index, value in enumerate(self.average.average)}
            replace_atomically(self.directory / files[1], lambda path: _save_npz(path, updates=self.average.updates,
                                                                                   **arrays))
        write_text_atomically(self.directory / STATE_FILE, json.dumps({"epoch": epoch + 1, "files": files}) + "\n")
        for name in set(previous) - set(files):
            (self.directory / name).unlink(missing_ok=True)


def _save_npz(path: Path, **arrays) -> None:
    with open(path, "wb") as file:  # a file object: np.savez would add ".npz" to the temporary name
        np.savez(file, **arrays)
