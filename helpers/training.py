"""Training: an infinite stream of examples from the real function, Keras ``fit``, and checkpoints.

* The training stream draws (input, real_function(input)) pairs forever. It groups examples of
  similar length into the same batch (length bucketing), so that a batch of short URLs is not
  padded to the length of the longest URL in the stream: on a CPU, time steps are the cost.
* The validation set is drawn once, from another seed, and the training stream skips every input
  that is in it: validation measures generalisation, never memory. Except common inputs: a
  validation input that the generator draws more often than ``common_input_share`` stays in
  training, because skipping it would cut a whole region out (hex draws the number of digits
  first, so all ten 1-digit numbers land in validation); fresh inputs contain it just as often.
* After each epoch a callback decodes the validation set with the fast greedy decoder, logs the
  real exact match (not the teacher-forced one) and prints a few attempts.
* With ``weight_average_steps``, what is validated and saved after each epoch is a moving average
  of the weights (``WeightAverage``); training continues from the raw weights.
* ``BackupAndRestore`` keeps the model, optimizer and epoch after every epoch: running ``train``
  again after an interruption (a Colab disconnect) resumes where it stopped.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import keras
import numpy as np

from helpers.decoders import GreedyDecoder
from helpers.functions import LearnedFunction, NotJsonError, get_function
from helpers.model import LOSSES, Seq2Seq, Seq2SeqConfig, build_seq2seq, masked_token_accuracy, sequence_accuracy
from helpers.storage import METRICS_FILE, replace_atomically, save_model, write_text_atomically
from helpers.vectorization import teacher_forcing_batch


@dataclass
class TrainingConfig:
    """One training run. Every field is saved with the run's metrics."""

    task: str = "protocol"  # name of the function in helpers.functions.REGISTRY
    batch_size: int = 128  # examples per step; CPU time per step grows slower than batch size
    steps_per_epoch: int = 100  # an epoch is a checkpoint + validation interval, not a pass over data
    epochs: int = 10  # upper bound; max_minutes may stop earlier
    max_minutes: float | None = None  # wall-clock budget for fit(); None = no limit
    learning_rate: float = 3e-3  # Adam; high early, the schedule below lowers it
    learning_rate_decay_epochs: int | None = None  # cosine decay to 5% over this many epochs; None = constant
    learning_rate_decay_minutes: float | None = None  # instead: cosine decay to 5% over this much training time,
    #                                                   so the rate is low when a time budget ends on any machine
    clip_norm: float = 1.0  # gradient clipping keeps LSTM training steady
    loss: str = "masked"  # "masked" or "padding_capped" (the article's)
    bucket: int = 8  # pad each batch to a multiple of this many ids (fewer distinct shapes to trace)
    pool_batches: int = 16  # draw this many batches at once, sort by length, then cut into batches
    validation_size: int = 1000  # fresh examples, never produced by the training stream unless common (next field)
    common_input_share: float = 1e-3  # a validation input drawn more often than this (share of the generator's draws)
    #                                   is common and stays in training: skipping it would leave a hole (hex: every
    #                                   1-digit number); 1.0 skips every validation input
    hard_input_share: float = 0.0  # share of training inputs drawn from the function's generator of hard
    #                                inputs (rare rules); validation keeps the natural proportions
    real_input_share: float = 0.0  # share of training inputs drawn from real ones (next field) instead of the
    #                                generator; validation stays generated, real held-out sites are evaluated apart
    real_inputs: str | None = None  # the real inputs: notebook 02's split (a parquet folder, its training side), or
    #                                 None for the same split computed from data/real_urls.txt (data.real_url_split)
    curriculum_steps: int = 0  # with the function's curriculum generator: inputs grow harder over the first
    #                            this many steps (progress 0 -> 1), then the natural mix; 0 = no curriculum
    weight_average_steps: int | None = None  # validate and save an exponential moving average of the weights
    #                                          over about this many steps (Polyak averaging; the warm-up caps it
    #                                          at about a ninth of the steps so far): it smooths the noise of a
    #                                          learning rate that is still high; None = raw weights
    initial_model: str | None = None  # start from the weights of this saved model folder (storage.load_model; same
    #                                   task and model config) instead of a random initialisation: training goes on
    #                                   from a trained model with a changed generator or rate. A run that resumes
    #                                   from its own backup ignores it
    seed: int = 1  # training stream seed (validation uses seed + 1_000_003)
    examples_to_show: int = 3  # decode attempts printed after each epoch
    target_exact_match: float | None = None  # stop once validation exact match reaches this


def validation_examples(function: LearnedFunction, size: int, seed: int) -> tuple[list[str], list[str]]:
    """``size`` distinct (input, target) pairs drawn with their own seed."""
    rng = random.Random(seed + 1_000_003)
    inputs, targets, seen = [], [], set()
    attempts = 0
    while len(inputs) < size:
        attempts += 1
        if attempts > 50 * size + 1000:
            raise ValueError(f"the generator of {function.name!r} repeats itself too much to draw {size} distinct inputs")
        text, target = function.example(rng)
        if text in seen:
            continue
        seen.add(text)
        inputs.append(text)
        targets.append(target)
    return inputs, targets


def training_exclusions(function: LearnedFunction, validation_inputs: list[str], config: TrainingConfig) -> set[str]:
    """The validation inputs that the training stream skips: the rare ones. Each one's share of the
    generator's draws is estimated from ``20 / common_input_share`` draws with their own seed (20
    draws expected at the threshold); those above ``common_input_share`` are common and stay in
    training: in a small region of the input space (hex's 1-digit numbers) skipping them would leave
    it untrained, and any fresh test draws them as often anyway."""
    share = config.common_input_share
    if not 0 < share <= 1:
        raise ValueError(f"common_input_share must be in (0, 1], got {share}")
    validation = set(validation_inputs)
    if share == 1:
        return validation
    draws = math.ceil(20 / share)
    rng = random.Random(config.seed + 2_000_029)
    counts: dict[str, int] = {}
    for _ in range(draws):
        text = function.example(rng)[0]
        if text in validation:
            counts[text] = counts.get(text, 0) + 1
    common = {text for text, count in counts.items() if count > share * draws}
    if common:
        print(f"{len(common)} of {len(validation)} validation inputs are common (each over {share:.2%} of "
              f"{function.name!r}'s draws): the training stream keeps them")
    return validation - common


def training_batches(
    function: LearnedFunction,
    config: TrainingConfig,
    model_config: Seq2SeqConfig,
    exclude: set[str],
    seed: int,
    first_step: int = 0,
    real_pairs: Sequence[tuple[str, str]] = (),
) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
    """Infinite stream of teacher-forcing batches (see ``vectorization.teacher_forcing_batch``),
    length-bucketed, never containing an input from ``exclude``. With ``real_pairs`` ((input, target)
    pairs of real inputs, ``real_training_pairs``), a ``real_input_share`` of the inputs are drawn from them."""
    if not 0 <= config.real_input_share <= 1:
        raise ValueError(f"real_input_share must be in [0, 1], got {config.real_input_share}")
    if config.real_input_share and not real_pairs:
        raise ValueError(f"real_input_share is {config.real_input_share}, but no real inputs were given")
    if not 0 <= config.hard_input_share <= 1:
        raise ValueError(f"hard_input_share must be in [0, 1], got {config.hard_input_share}")
    if config.hard_input_share and function.generate_hard_input is None:
        raise ValueError(f"hard_input_share is {config.hard_input_share}, but {function.name!r} has no generator of hard inputs")
    if config.curriculum_steps and function.generate_curriculum_input is None:
        raise ValueError(f"curriculum_steps is {config.curriculum_steps}, but {function.name!r} has no curriculum generator")
    rng = random.Random(seed)
    step = first_step
    while True:
        pairs = []
        progress = min(1.0, step / config.curriculum_steps) if config.curriculum_steps else 1.0
        while len(pairs) < config.batch_size * config.pool_batches:
            if progress < 1.0:
                text, target = function.example(rng, progress=progress)
            elif config.real_input_share and rng.random() < config.real_input_share:
                text, target = rng.choice(real_pairs)
            else:
                text, target = function.example(rng, hard=rng.random() < config.hard_input_share)
            if text not in exclude:
                pairs.append((text, target))
        step += config.pool_batches
        pairs.sort(key=lambda pair: len(pair[1].encode("utf-8")))
        batches = [pairs[start:start + config.batch_size] for start in range(0, len(pairs), config.batch_size)]
        rng.shuffle(batches)
        for batch in batches:
            yield teacher_forcing_batch(
                [pair[0] for pair in batch], [pair[1] for pair in batch], bucket=config.bucket,
                max_input_length=model_config.max_input_length, max_output_length=model_config.max_output_length,
            )


def real_training_pairs(function: LearnedFunction, config: TrainingConfig, exclude: set[str]) -> list[tuple[str, str]]:
    """(input, target) pairs of the real training inputs (``config.real_inputs``, or the training side of
    ``data.real_url_split()``), the real function giving each target; inputs over the function's length
    limit, in ``exclude`` or (without errors as outputs) rejected by the function are left out."""
    from helpers.data import real_url_split, read_split_folder

    texts = read_split_folder(config.real_inputs)[0] if config.real_inputs else real_url_split()[0]
    pairs = []
    for text in texts:
        if text in exclude or len(text.encode("utf-8")) > function.max_input_bytes:
            continue
        try:
            pairs.append((text, function.output_text(text)))
        except NotJsonError:
            raise
        except ValueError:
            continue
    if not pairs:
        raise ValueError(f"none of the {len(texts)} real inputs ({config.real_inputs or 'data/real_urls.txt'}) "
                         f"is usable for {function.name!r}")
    return pairs


def as_dataset(make_iterator, prefetch: int = 4):
    """Batches from ``make_iterator()`` as a ``tf.data.Dataset`` whose time axes may differ from batch
    to batch. The prefetch draws the next batches in a background thread while the model trains."""
    import tensorflow as tf

    ids = tf.TensorSpec(shape=(None, None), dtype=tf.int32)
    signature = ({"encoder_ids": ids, "decoder_ids": ids}, ids)
    return tf.data.Dataset.from_generator(make_iterator, output_signature=signature).prefetch(prefetch)


def bucketed_batches(inputs, targets, batch_size, bucket, model_config):
    order = sorted(range(len(inputs)), key=lambda index: len(targets[index]))
    batches = []
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        batches.append(teacher_forcing_batch(
            [inputs[index] for index in chunk], [targets[index] for index in chunk], bucket=bucket,
            max_input_length=model_config.max_input_length, max_output_length=model_config.max_output_length))
    return batches


def exact_match(predicted: list[str | None], expected: list[str]) -> float:
    if not expected:
        return float("nan")
    return sum(p == e for p, e in zip(predicted, expected)) / len(expected)


class ExactMatchCallback(keras.callbacks.Callback):
    """Decodes the validation inputs after each epoch; logs ``val_exact_match``; prints attempts."""

    def __init__(self, model: Seq2Seq, inputs, targets, examples_to_show=3, target_exact_match=None, seed=0):
        super().__init__()
        self.seq2seq = model
        self.inputs = inputs
        self.targets = targets
        self.examples_to_show = examples_to_show
        self.target_exact_match = target_exact_match
        self.rng = random.Random(seed)
        self.decoder = GreedyDecoder(model)

    def on_epoch_end(self, epoch, logs=None):
        decoded = self.decoder(self.inputs)
        score = exact_match(decoded.texts, self.targets)
        if logs is not None:
            logs["val_exact_match"] = score
        wrong = [index for index, text in enumerate(decoded.texts) if text != self.targets[index]]
        shown = self.rng.sample(range(len(self.inputs)), min(self.examples_to_show, len(self.inputs)))
        shown = (wrong[:1] + shown)[: self.examples_to_show]
        print(f"\nepoch {epoch + 1}: validation exact match {score:.4f} ({len(wrong)} wrong of {len(self.inputs)})")
        for index in shown:
            mark = "ok " if decoded.texts[index] == self.targets[index] else "BAD"
            print(f"  {mark} input    {self.inputs[index]!r}\n      expected {self.targets[index]}\n      got      {decoded.texts[index]}")
        if self.target_exact_match is not None and score >= self.target_exact_match:
            print(f"reached the target exact match {self.target_exact_match}: stopping")
            self.model.stop_training = True


class MonitorExactMatch(keras.callbacks.Callback):
    """Logs ``{name}_exact_match`` on extra evaluation sets after each epoch (e.g. real-world URLs).

    For watching generalisation only: nothing here feeds back into training or stopping.
    """

    def __init__(self, model: Seq2Seq, sets: dict[str, tuple[list[str], list[str]]]):
        super().__init__()
        self.sets = sets
        self.decoder = GreedyDecoder(model)
        self.seconds_spent = 0.0  # not counted as training time (see TimeLimit)

    def on_epoch_end(self, epoch, logs=None):
        started = time.monotonic()
        for name, (inputs, targets) in self.sets.items():
            score = exact_match(self.decoder(inputs).texts, targets)
            if logs is not None:
                logs[f"{name}_exact_match"] = score
            print(f"epoch {epoch + 1}: {name} exact match {score:.4f} on {len(inputs)}")
        self.seconds_spent += time.monotonic() - started


class TimeLimit(keras.callbacks.Callback):
    """Stops training after the first batch that ends past ``max_minutes`` of fit() (that last,
    shortened epoch is still validated and checkpointed), so a run overshoots its budget by one
    step, not by up to one epoch; records ``minutes`` (cumulative training time, resumed runs
    included) in the logs."""

    clock = staticmethod(time.monotonic)  # seconds; tests replace it with a fake clock

    def __init__(self, max_minutes: float | None, minutes_before: float = 0.0, monitor: "MonitorExactMatch | None" = None):
        super().__init__()
        self.max_minutes = max_minutes
        self.minutes_before = minutes_before
        self.monitor = monitor  # its evaluation time on extra sets is not training time
        self.start = self.clock()

    def on_train_begin(self, logs=None):
        self.start = self.clock()

    def minutes(self) -> float:
        excluded = self.monitor.seconds_spent if self.monitor else 0.0
        return self.minutes_before + (self.clock() - self.start - excluded) / 60

    def used(self) -> bool:
        return self.max_minutes is not None and self.minutes() >= self.max_minutes

    def on_train_batch_end(self, batch, logs=None):
        if self.used():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["minutes"] = self.minutes()
        if self.used():
            print(f"time budget of {self.max_minutes} minutes used: stopping")
            self.model.stop_training = True


class CosineDecayByTime(keras.callbacks.Callback):
    """Sets Adam's learning rate from the training time used (``timer.minutes()``, evaluation on
    monitor sets excluded): a cosine from ``initial`` down to 5% of it at ``minutes``, then flat.
    A step-count schedule tuned on one machine decays too early on a slower one and too late on a
    faster one; this one ends low whenever the time budget ends."""

    def __init__(self, initial: float, minutes: float, timer: "TimeLimit", every: int = 10):
        super().__init__()
        if minutes <= 0:
            raise ValueError(f"learning_rate_decay_minutes must be positive, got {minutes}")
        self.initial, self.decay_minutes, self.timer, self.every = initial, minutes, timer, every

    def rate(self, minutes: float) -> float:
        fraction = min(max(minutes / self.decay_minutes, 0.0), 1.0)
        return self.initial * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * fraction)))

    def on_train_batch_begin(self, batch, logs=None):
        if batch % self.every == 0:
            self.model.optimizer.learning_rate.assign(self.rate(self.timer.minutes()))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.rate(self.timer.minutes()))


class WeightAverage(keras.callbacks.Callback):
    """An exponential moving average of the model's weights over about ``steps`` steps (Polyak
    averaging), updated every ``every`` steps with a warm-up (the TF ``ExponentialMovingAverage``
    rule: momentum min(1 - every / steps, (1 + n) / (10 + n)) after n updates), so that the
    average of a short run is not dragged towards the initial weights.

    Training always continues from the raw weights. ``swap_in`` puts the average into the model
    (for validation and saving at the end of an epoch) and ``swap_out`` puts the raw weights back:
    use ``WeightAverage.swap_callbacks()`` around the callbacks that must see the average. Not in the
    resume state: after a restart the average starts again from the restored weights.
    """

    def __init__(self, steps: int, every: int = 10):
        super().__init__()
        if steps < every:
            raise ValueError(f"weight_average_steps must be at least {every} (the update interval), got {steps}")
        self.steps, self.every = steps, every
        self.average: list[np.ndarray] | None = None
        self.updates = 0
        self.raw: list[np.ndarray] | None = None  # the raw weights while the average is swapped in

    @property
    def variables(self) -> list:
        return self.model.trainable_variables  # the Keras model that fit() trains

    def momentum(self) -> float:
        return min(1.0 - self.every / self.steps, (1.0 + self.updates) / (10.0 + self.updates))

    def on_train_batch_end(self, batch, logs=None):
        if batch % self.every:
            return
        values = [variable.numpy() for variable in self.variables]
        if self.average is None:
            self.average = values
        else:
            momentum = self.momentum()
            self.average = [momentum * average + (1.0 - momentum) * value
                            for average, value in zip(self.average, values)]
        self.updates += 1

    def swap_in(self) -> None:
        if self.average is None or self.raw is not None:
            return
        self.raw = [variable.numpy() for variable in self.variables]
        for variable, value in zip(self.variables, self.average):
            variable.assign(value)

    def swap_out(self) -> None:
        if self.raw is None:
            return
        for variable, value in zip(self.variables, self.raw):
            variable.assign(value)
        self.raw = None

    def keep_average(self) -> None:
        """After training: the model keeps the average for good (the raw weights are dropped)."""
        self.swap_in()
        self.raw = None

    def swap_callbacks(self) -> tuple[keras.callbacks.Callback, keras.callbacks.Callback]:
        """(before, after): put ``before`` ahead of the epoch-end callbacks that should see the average
        and ``after`` behind them."""
        return (keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: self.swap_in()),
                keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: self.swap_out()))


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras' resume state (weights, optimizer, epoch in ``backup/``), each file written beside its
    place and renamed over it: a kill during a write (a Colab disconnect) leaves the previous epoch's
    state whole, so the next run resumes from it."""

    def _save_model(self):
        directory = Path(self.backup_dir)
        directory.mkdir(parents=True, exist_ok=True)
        replace_atomically(Path(self._weights_path), lambda path: self.model.save_weights(filepath=path, overwrite=True))
        write_text_atomically(Path(self._training_metadata_path),
                              json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_begin(self, logs=None):
        try:
            super().on_train_begin(logs)
        except Exception as error:  # h5py's OSError for a cut file, json's error for a cut metadata file
            raise ValueError(f"the resume state in {self.backup_dir} is damaged ({type(error).__name__}): start "
                             f"afresh (train(..., fresh=True), --fresh on the command line) or delete that folder") from error


class HistoryWriter(keras.callbacks.Callback):
    """Appends each epoch's logs to ``history.json``, so an interrupted run keeps its curve."""

    def __init__(self, path: Path, history: list[dict]):
        super().__init__()
        self.path, self.history = path, history

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({key: float(value) for key, value in (logs or {}).items()})
        write_text_atomically(self.path, json.dumps(self.history, indent=1) + "\n")


class SaveEveryEpoch(keras.callbacks.Callback):
    """Writes the model folder (config, weights, metadata) after every epoch."""

    def __init__(self, model: Seq2Seq, directory: Path, task: str):
        super().__init__()
        self.seq2seq, self.directory, self.task = model, directory, task

    def on_epoch_end(self, epoch, logs=None):
        save_model(self.seq2seq, self.directory, self.task)


def hardware_description() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else "CPU only"
    return f"{os.cpu_count()} CPU cores, {device}, {platform.processor() or platform.machine()}"


@dataclass
class TrainingResult:
    model: Seq2Seq
    history: list[dict] = field(default_factory=list)  # one dict of logs per epoch (all runs)
    validation_inputs: list[str] = field(default_factory=list)
    validation_targets: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


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
    """Train (or resume training) a model of ``training_config.task``.

    Writes into ``output_dir``: ``model/`` (loadable by ``load_model``), ``backup/`` (resume
    state), ``logs/`` (TensorBoard), ``history.json`` and ``model/metrics.json``.
    ``monitor_sets`` ({name: (inputs, targets)}) are decoded after each epoch and logged as
    ``{name}_exact_match``, to draw time-to-accuracy curves on data the model never trains on.
    ``extra_callbacks`` run after the others at the end of each epoch (the model holds its raw weights).
    ``function``: the function to learn (default: ``get_function(training_config.task)``).
    ``validation``: held-out (inputs, targets), for a function whose generator cannot draw them apart
    (one that picks from a fixed list of inputs: the list must hold none of them); default:
    ``validation_size`` distinct examples drawn with their own seed.
    ``fresh``: start afresh, deleting the resume state, history and logs an earlier run left in
    ``output_dir``; by default a run resumes from them.
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
        import shutil

        for stale in ("backup", "logs", "model"):
            shutil.rmtree(output_dir / stale, ignore_errors=True)
        (output_dir / "history.json").unlink(missing_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    history_path = output_dir / "history.json"
    try:
        history = json.loads(history_path.read_text()) if history_path.exists() else []
    except json.JSONDecodeError as error:
        raise ValueError(f"{history_path} is damaged ({error}): start afresh (train(..., fresh=True), --fresh on "
                         f"the command line) or delete it") from error

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
    initial_epoch = len(history)
    if training_config.initial_model and not initial_epoch:
        start_from_saved_weights(model, training_config.initial_model, training_config.task)
    real_pairs = real_training_pairs(function, training_config, excluded) if training_config.real_input_share else ()
    stream = training_batches(function, training_config, model_config, excluded,
                              seed=training_config.seed + 7919 * initial_epoch,
                              first_step=initial_epoch * training_config.steps_per_epoch,  # a resumed curriculum goes on
                              real_pairs=real_pairs)
    monitor = MonitorExactMatch(model, monitor_sets or {})
    timer = TimeLimit(training_config.max_minutes,
                      minutes_before=history[-1].get("minutes", 0.0) if history else 0.0, monitor=monitor)
    schedule = ([CosineDecayByTime(training_config.learning_rate, training_config.learning_rate_decay_minutes, timer)]
                if training_config.learning_rate_decay_minutes else [])
    average = (WeightAverage(training_config.weight_average_steps)
               if training_config.weight_average_steps else None)
    swap_in, swap_out = average.swap_callbacks() if average else (None, None)
    callbacks = [
        AtomicBackupAndRestore(str(output_dir / "backup"), delete_checkpoint=False),  # raw weights
        *schedule,
        *([average, swap_in] if average else []),  # from here to swap_out the model holds the average
        ExactMatchCallback(model, validation_inputs, validation_targets, training_config.examples_to_show,
                           training_config.target_exact_match, seed=training_config.seed),
        monitor,
        timer,
        HistoryWriter(history_path, history),
        SaveEveryEpoch(model, output_dir / "model", training_config.task),
        keras.callbacks.TensorBoard(str(output_dir / "logs"), update_freq="epoch"),
        *([swap_out] if average else []),
        *extra_callbacks,
    ]
    model.training_model.fit(
        as_dataset(lambda: stream),
        steps_per_epoch=training_config.steps_per_epoch,
        epochs=training_config.epochs,
        validation_data=as_dataset(lambda: iter(validation_batches)),
        validation_steps=len(validation_batches),
        shuffle=False,  # the stream is random already
        callbacks=callbacks,
        verbose=verbose,
    )
    if average:
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
    return TrainingResult(model=model, history=history, validation_inputs=validation_inputs,
                          validation_targets=validation_targets, metrics=metrics)


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


def epochs_for(minutes: float, seconds_per_step: float, steps_per_epoch: int) -> int:
    """How many epochs fit in a budget, given a measured speed (for notebooks that plan a run)."""
    return max(1, math.ceil(minutes * 60 / seconds_per_step / steps_per_epoch))


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
