"""How one training run is set: ``TrainingConfig``, every field with the reason for its default.

The model's shape is ``helpers.model.Seq2SeqConfig``; a named pair of both is a recipe
(``helpers.recipes``). Every field is saved with the run (``run.json``) and with its model's metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


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
    target_input_share: float = 0.0  # after the curriculum, share of training inputs drawn as the function's accuracy
    #                                  target is stated (LearnedFunction.target_inputs; hex: uniform below 10**6, nine in
    #                                  ten of six digits) instead of its generator's mix; validation keeps the mix
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
    seed: int = 1  # the initial weights' seed; each epoch of the training stream draws from its own seed made
    #                of this one and the epoch's number, so a resumed run sees the batches a straight run sees
    #                (validation draws with seed + 1_000_003)
    examples_to_show: int = 3  # decode attempts printed after each epoch
    target_exact_match: float | None = None  # stop once validation exact match reaches this


def parse_settings(pairs: list[str], config) -> dict:
    """["units=96", "bidirectional_encoder=false"] -> {name: typed value} for the dataclass ``config``
    (a ``TrainingConfig`` or a ``Seq2SeqConfig``); an unknown name or a bad value is a ``ValueError``."""
    types = {field.name: type(getattr(config, field.name)) for field in fields(config)}
    values = {}
    for pair in pairs:
        name, separator, text = pair.partition("=")
        if not separator or name not in types:
            raise ValueError(f"unknown setting {pair!r} (NAME=VALUE); settings: {', '.join(sorted(types))}")
        kind = types[name]
        try:
            if kind is bool:  # a misspelt value is an error, not a silent False
                if text.lower() not in {"1", "true", "yes", "0", "false", "no"}:
                    raise ValueError(text)
                values[name] = text.lower() in {"1", "true", "yes"}
            elif text.lower() == "none":
                values[name] = None
            elif kind is type(None):  # a field whose default is None: a number, or else text (a folder)
                values[name] = _number_or_text(text)
            else:
                values[name] = kind(text)
        except ValueError as error:
            raise ValueError(f"setting {name}: {text!r} is not a {kind.__name__}") from error
    return values


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text
