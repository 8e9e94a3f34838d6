"""The Keras callbacks of a training run, each with one job: validate by real decoding, watch extra
sets, keep a time budget, decay the rate by time, average the weights, write the curve and the model.

* After each epoch ``ExactMatchCallback`` decodes the validation set with the fast greedy decoder,
  logs the real exact match (not the teacher-forced one) and prints a few attempts.
* With ``weight_average_steps``, what is validated and saved after each epoch is a moving average
  of the weights (``WeightAverage``); training continues from the raw weights.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import keras
import numpy as np

from helpers.decoders import GreedyDecoder
from helpers.model import Seq2Seq
from helpers.storage import save_model, write_text_atomically


def exact_match(predicted: list[str | None], expected: list[str]) -> float:
    if not expected:
        return float("nan")
    return sum(p == e for p, e in zip(predicted, expected)) / len(expected)


class ExactMatchCallback(keras.callbacks.Callback):
    """Decodes the validation inputs after each epoch; logs ``val_exact_match``; prints attempts."""

    def __init__(self, model: Seq2Seq, inputs, targets, examples_to_show=3, target_exact_match=None, seed=0,
                 quiet=False):
        super().__init__()
        self.quiet = quiet  # log the score only: no printed attempts (a progress bar shows the score)
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
        reached = self.target_exact_match is not None and score >= self.target_exact_match
        if reached:
            self.model.stop_training = True
        if self.quiet:
            return
        print(f"\nepoch {epoch + 1}: validation exact match {score:.4f} ({len(wrong)} wrong of {len(self.inputs)})")
        for index in shown:
            mark = "ok " if decoded.texts[index] == self.targets[index] else "BAD"
            print(f"  {mark} input    {self.inputs[index]!r}\n      expected {self.targets[index]}\n      got      {decoded.texts[index]}")
        if reached:
            print(f"reached the target exact match {self.target_exact_match}: stopping")


class MonitorExactMatch(keras.callbacks.Callback):
    """Logs ``{name}_exact_match`` on extra evaluation sets after each epoch (e.g. real-world URLs).

    For watching generalisation only: nothing here feeds back into training or stopping.
    """

    def __init__(self, model: Seq2Seq, sets: dict[str, tuple[list[str], list[str]]], quiet=False):
        super().__init__()
        self.quiet = quiet  # log the scores only, print nothing
        self.sets = sets
        self.decoder = GreedyDecoder(model)
        self.seconds_spent = 0.0  # not counted as training time (see TimeLimit)

    def on_epoch_end(self, epoch, logs=None):
        started = time.monotonic()
        for name, (inputs, targets) in self.sets.items():
            score = exact_match(self.decoder(inputs).texts, targets)
            if logs is not None:
                logs[f"{name}_exact_match"] = score
            if not self.quiet:
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
            self.model.stop_training = True
            if self.params.get("verbose"):
                print(f"time budget of {self.max_minutes} minutes used: stopping")


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
    use ``WeightAverage.swap_callbacks()`` around the callbacks that must see the average. Its state
    (``state()``, ``restore()``) is part of a run's resume state (``helpers.run_state``).
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


class ProgressBar(keras.callbacks.Callback):
    """One bar over the run's whole step budget that updates in place (tqdm; Keras' own bar starts
    a new one every epoch), showing the training loss and, after each epoch, the validation exact
    match. Stopping early leaves the bar where the run stopped."""

    def __init__(self, total_steps: int, initial_steps: int = 0, every_seconds: float = 5.0):
        super().__init__()
        self.total_steps, self.initial_steps, self.every_seconds = total_steps, initial_steps, every_seconds
        self.bar = None
        self.exact_match = None

    def on_train_begin(self, logs=None):
        import sys

        try:  # a widget in a notebook that can show one (Colab); tqdm.auto would warn where it cannot
            import ipywidgets  # noqa: F401
            from tqdm.auto import tqdm
        except ImportError:
            from tqdm.std import tqdm
        self.bar = tqdm(total=self.total_steps, initial=self.initial_steps, unit="step", file=sys.stdout,
                        mininterval=self.every_seconds, dynamic_ncols=True)

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(1)
        if logs and "loss" in logs and self.bar.n % 50 == 0:
            self.show(float(logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        if logs and "val_exact_match" in logs:
            self.exact_match = float(logs["val_exact_match"])
            self.show(float(logs.get("loss", float("nan"))))

    def show(self, loss: float) -> None:
        postfix = {"loss": f"{loss:.3g}"}
        if self.exact_match is not None:
            postfix["validation exact match"] = f"{self.exact_match:.2%}"
        self.bar.set_postfix(postfix, refresh=False)

    def on_train_end(self, logs=None):
        self.bar.close()
