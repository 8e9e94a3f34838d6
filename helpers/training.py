"""Training: one function, ``train``, that fits a model of a learned function with Keras.

It draws its data from ``helpers.streams`` (the infinite stream of examples from the real function,
the validation set), watches and saves with ``helpers.callbacks``, and keeps what a resumed run needs
with ``helpers.run_state``: a run stopped anywhere (a Colab disconnect, the end of a sitting) goes on
from its folder as if it had never stopped.
"""

from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import keras

from helpers.callbacks import (CosineDecayByTime, ExactMatchCallback, HistoryWriter, MonitorExactMatch, ProgressBar,
                               SaveEveryEpoch, TimeLimit, WeightAverage, exact_match)
from helpers.decoders import GreedyDecoder
from helpers.functions import LearnedFunction, get_function
from helpers.model import LOSSES, Seq2Seq, Seq2SeqConfig, build_seq2seq, masked_token_accuracy, sequence_accuracy
from helpers.run_state import (RUN_FILE, STATE_FOLDER, RunState, check_same_settings, read_run_settings,
                               write_run_settings)
from helpers.storage import METRICS_FILE, save_model, write_text_atomically
from helpers.streams import (as_dataset, bucketed_batches, real_training_pairs, training_batches, training_exclusions,
                             validation_examples)
from helpers.training_config import TrainingConfig

__all__ = ["TrainingConfig", "TrainingResult", "train", "resume", "train_or_load", "exact_match", "ExactMatchCallback"]


def hardware_description() -> str:
    """What the run's metrics say it ran on (``environment.machine_description``)."""
    from helpers.environment import machine_description

    return machine_description()


@dataclass
class TrainingResult:
    model: Seq2Seq
    history: list[dict] = field(default_factory=list)  # one dict of logs per epoch (all runs)
    validation_inputs: list[str] = field(default_factory=list)
    validation_targets: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the validation exact match, the steps and the training time of the run."""
        metrics = self.metrics
        return (f"{metrics.get('task')}: validation exact match {metrics.get('validation_exact_match', float('nan')):.2%}"
                f" of {metrics.get('validation_size', '?')} inputs after {metrics.get('steps', 0):,} steps, "
                f"{metrics.get('training_minutes', float('nan')):.1f} minutes of training ({metrics.get('hardware', '?')})")


def compile_for_training(model: Seq2Seq, training_config: TrainingConfig) -> None:
    """Adam on the training model, with the recipe's learning-rate schedule, gradient clipping and
    loss (cross-entropy over the real target bytes, padding masked)."""
    if training_config.learning_rate_decay_minutes:
        learning_rate = training_config.learning_rate  # a variable that CosineDecayByTime sets
    elif training_config.learning_rate_decay_epochs:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            training_config.learning_rate,
            decay_steps=training_config.learning_rate_decay_epochs * training_config.steps_per_epoch, alpha=0.05)
    else:
        learning_rate = training_config.learning_rate
    model.training_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=training_config.clip_norm),
        loss=LOSSES[training_config.loss],
        metrics=[masked_token_accuracy, sequence_accuracy],
    )


def fit_on_stream(model: Seq2Seq, stream, validation_batches: list, training_config: TrainingConfig,
                  initial_epoch: int, callbacks: list, verbose: int | str) -> None:
    """Keras' ``fit`` on the endless stream of ``(features, decoder_targets)`` batches: features
    ``{"encoder_ids": (batch, input length), "decoder_ids": (batch, output length)}`` (the target
    shifted right behind START, teacher forcing), decoder_targets ``(batch, output length)``; an
    "epoch" is ``steps_per_epoch`` batches, after which the callbacks validate and checkpoint."""
    model.training_model.fit(
        as_dataset(lambda: stream),
        steps_per_epoch=training_config.steps_per_epoch,
        epochs=training_config.epochs,
        initial_epoch=initial_epoch,
        validation_data=as_dataset(lambda: iter(validation_batches)),
        validation_steps=len(validation_batches),
        shuffle=False,  # the stream is random already
        callbacks=callbacks,
        verbose=verbose,
    )


def train(
    training_config: TrainingConfig,
    model_config: Seq2SeqConfig | None = None,
    output_dir: str | Path = "output/run",
    verbose: int | str = "auto",
    monitor_sets: dict[str, tuple[list[str], list[str]]] | None = None,
    extra_callbacks: list[keras.callbacks.Callback] = (),
    function: LearnedFunction | None = None,
    validation: tuple[list[str], list[str]] | None = None,
    fresh: bool = False,
) -> TrainingResult:
    """Train (or go on training) a model of ``training_config.task``.

    Writes into ``output_dir``: ``run.json`` and ``state/`` (what a resumed run needs, see
    ``helpers.run_state``), ``model/`` (loadable by ``load_model``), ``logs/`` (TensorBoard),
    ``history.json`` and ``model/metrics.json``. A folder that holds a run goes on from its last
    epoch, exactly as if the run had not stopped, if the settings are its own (``epochs`` and
    ``max_minutes`` may grow); ``resume(output_dir)`` reads them from the folder.
    ``monitor_sets`` ({name: (inputs, targets)}) are decoded after each epoch and logged as
    ``{name}_exact_match``, to draw time-to-accuracy curves on data the model never trains on.
    ``extra_callbacks`` run after the others at the end of each epoch (the model holds its raw weights).
    ``function``: the function to learn (default: ``get_function(training_config.task)``).
    ``validation``: held-out (inputs, targets), for a function whose generator cannot draw them apart
    (one that picks from a fixed list of inputs: the list must hold none of them); default:
    ``validation_size`` distinct examples drawn with their own seed.
    ``verbose``: Keras' ``fit`` verbosity (0, 1, 2 or "auto"; above 0 the validation attempts are
    printed after each epoch too), or "bar": one progress bar over the whole run and a one-line
    summary at the end, nothing per epoch (the notebooks' choice).
    ``fresh``: start afresh, deleting the resume state, history and logs an earlier run left in
    ``output_dir``.
    """
    function = function or get_function(training_config.task)
    if model_config is None:
        model_config = Seq2SeqConfig(max_input_length=function.max_input_bytes + 1)
    if model_config.max_input_length < function.max_input_bytes + 1:
        raise ValueError(
            f"max_input_length={model_config.max_input_length} is too short for {function.name!r}, "
            f"whose inputs reach {function.max_input_bytes} bytes (+1 for END_ID)")
    if training_config.loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {training_config.loss!r}")
    output_dir = Path(output_dir)
    if fresh:
        for stale in (STATE_FOLDER, "logs", "model"):
            shutil.rmtree(output_dir / stale, ignore_errors=True)
        for stale in ("history.json", RUN_FILE):
            (output_dir / stale).unlink(missing_ok=True)
    check_same_settings(output_dir, training_config, model_config)
    write_run_settings(output_dir, training_config, model_config)

    keras.utils.set_random_seed(training_config.seed)
    model = build_seq2seq(model_config)
    if validation is None:
        validation_inputs, validation_targets = validation_examples(
            function, training_config.validation_size, training_config.seed)
    else:
        validation_inputs, validation_targets = list(validation[0]), list(validation[1])
        if not validation_inputs or len(validation_inputs) != len(validation_targets):
            raise ValueError(f"validation needs as many targets as inputs (at least one), got "
                             f"{len(validation_inputs)} and {len(validation_targets)}")
    excluded = training_exclusions(function, validation_inputs, training_config)
    validation_batches = bucketed_batches(
        validation_inputs, validation_targets, training_config.batch_size, training_config.bucket, model_config)

    compile_for_training(model, training_config)
    average = (WeightAverage(training_config.weight_average_steps)
               if training_config.weight_average_steps else None)
    run_state = RunState(output_dir, model, average)
    initial_epoch = run_state.restore()
    history = read_history(output_dir / "history.json")[:initial_epoch]
    if training_config.initial_model and not initial_epoch:
        start_from_saved_weights(model, training_config.initial_model, training_config.task)
    real_pairs = real_training_pairs(function, training_config, excluded) if training_config.real_input_share else ()
    stream = training_batches(function, training_config, model_config, excluded, first_epoch=initial_epoch,
                              real_pairs=real_pairs)
    bar = verbose == "bar"
    quiet = bar or verbose == 0
    monitor = MonitorExactMatch(model, monitor_sets or {}, quiet=quiet)
    timer = TimeLimit(training_config.max_minutes,
                      minutes_before=history[-1].get("minutes", 0.0) if history else 0.0, monitor=monitor)
    schedule = ([CosineDecayByTime(training_config.learning_rate, training_config.learning_rate_decay_minutes, timer)]
                if training_config.learning_rate_decay_minutes else [])
    swap_in, swap_out = average.swap_callbacks() if average else (None, None)
    callbacks = [
        *schedule,
        *([average, swap_in] if average else []),  # from here to swap_out the model holds the average
        ExactMatchCallback(model, validation_inputs, validation_targets, training_config.examples_to_show,
                           training_config.target_exact_match, seed=training_config.seed, quiet=quiet),
        monitor,
        *([ProgressBar(training_config.epochs * training_config.steps_per_epoch,
                       initial_epoch * training_config.steps_per_epoch)] if bar else []),
        timer,
        HistoryWriter(output_dir / "history.json", history),
        SaveEveryEpoch(model, output_dir / "model", training_config.task),
        keras.callbacks.TensorBoard(str(output_dir / "logs"), update_freq="epoch"),
        *([swap_out] if average else []),
        run_state,  # the raw weights, the optimizer and the average, after the epoch's history is written
        *extra_callbacks,
    ]
    if initial_epoch < training_config.epochs:
        fit_on_stream(model, stream, validation_batches, training_config, initial_epoch, callbacks,
                      verbose=0 if bar else verbose)
    if average:
        average.set_model(model.training_model)  # fit sets it, but a run already complete skips fit
        average.keep_average()  # the model that is decoded and saved below is the average, as after every epoch

    final = GreedyDecoder(model)(validation_inputs)
    metrics = {
        "task": training_config.task,
        "validation_exact_match": exact_match(final.texts, validation_targets),
        "validation_size": len(validation_inputs),
        "training_minutes": round(history[-1].get("minutes", timer.minutes()) if history else timer.minutes(), 2),
        "epochs": len(history),
        "steps": len(history) * training_config.steps_per_epoch,
        "hardware": hardware_description(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "training_config": asdict(training_config),
        "model_config": asdict(model_config),
    }
    save_model(model, output_dir / "model", training_config.task)
    write_text_atomically(output_dir / "model" / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
    result = TrainingResult(model=model, history=history, validation_inputs=validation_inputs,
                            validation_targets=validation_targets, metrics=metrics)
    if bar:
        print(result.summary())
    return result


def resume(output_dir: str | Path, epochs: int | None = None, **options) -> TrainingResult:
    """Go on with the run in ``output_dir`` with the settings it started with (its ``run.json``);
    ``epochs``: a new budget instead of its own. ``options`` as for ``train``."""
    training_config, model_config = read_run_settings(output_dir)
    if epochs is not None:
        training_config = replace(training_config, epochs=epochs)
    return train(training_config, model_config, output_dir, **options)


def read_history(path: Path) -> list[dict]:
    """The per-epoch logs of a run so far (``[]`` for a new run)."""
    try:
        return json.loads(path.read_text()) if path.exists() else []
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is damaged ({error}): start afresh (train(..., fresh=True), --fresh on "
                         f"the command line) or delete it") from error


def start_from_saved_weights(model: Seq2Seq, directory: str | Path, task: str) -> None:
    """Copy into ``model`` the weights of the saved model in ``directory``, which must be a model of
    ``task`` with the same configuration (``ValueError`` otherwise)."""
    from helpers.storage import load_model

    stored = load_model(directory)
    if stored.task != task:
        raise ValueError(f"initial_model {directory} is a model of {stored.task!r}, not {task!r}")
    if stored.model.config != model.config:
        differences = {name: (value, getattr(model.config, name)) for name, value in asdict(stored.model.config).items()
                       if getattr(model.config, name) != value}
        raise ValueError(f"initial_model {directory} has another model config (saved, asked): {differences}")
    model.training_model.set_weights(stored.model.training_model.get_weights())
    print(f"starting from the weights of {directory}")


def train_or_load(train_model: bool, shipped: str | Path, training_config: TrainingConfig,
                  model_config: Seq2SeqConfig | None = None, output_dir: str | Path = "output/run",
                  **options) -> TrainingResult:
    """``train(training_config, model_config, output_dir, **options)`` when ``train_model``; otherwise
    the shipped model directory ``shipped`` (trained by the same recipe, see its COMMAND.txt) with
    its ``metrics.json`` and no per-epoch history: the notebooks' switch between minutes and the
    full training run."""
    if train_model:
        return train(training_config, model_config, output_dir, **options)
    from helpers.storage import load_model

    shipped = Path(shipped)
    stored = load_model(shipped)
    if stored.task != training_config.task:
        raise ValueError(f"{shipped} is a model of {stored.task!r}, not {training_config.task!r}")
    metrics_path = shipped / METRICS_FILE
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {"task": stored.task}
    print(f"loaded {shipped} instead of training (validation exact match {metrics.get('validation_exact_match')}, "
          f"trained for {metrics.get('training_minutes')} minutes, {metrics.get('steps')} steps)")
    return TrainingResult(model=stored.model, history=[], metrics=metrics)
