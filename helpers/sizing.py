"""The one sizing rule: model and training settings from how long a function's inputs and outputs are.

``sized_recipe`` is what ``learn`` uses for any function, what ``train --task`` uses for a registered
one without a recipe, and the start of every short function's recipe (each entry says what it
changes, and why). Its length classes follow the recipes measured on notebook 05's functions (short
inputs and outputs) and on urlparse (long ones, where copying long runs of bytes is most of the task);
EXPERIMENTS.md has the runs.
"""

from __future__ import annotations

from dataclasses import replace

from helpers.model_config import Seq2SeqConfig
from helpers.training_config import TrainingConfig

SHORT_BYTES = 64  # inputs and outputs up to this long: notebook 05's functions
MEDIUM_BYTES = 160  # up to this long: between those and urlparse


def sized_recipe(task: str, max_input_bytes: int, longest_output_bytes: int, steps: int | None = None,
                 minutes: float | None = None, validation_size: int = 1000, seed: int = 1,
                 longest_input_bytes: int | None = None) -> tuple[Seq2SeqConfig, TrainingConfig]:
    """(Seq2SeqConfig, TrainingConfig) for a function whose inputs reach ``max_input_bytes`` and whose
    outputs (compact JSON) reach ``longest_output_bytes``. The budget is ``steps`` (rounded up to whole
    epochs, the cosine over them) or else ``minutes`` of training time (the cosine over them).
    ``longest_input_bytes``: the longest input seen, when the model takes longer ones than were seen
    (a generator's sample with a margin); the length class is chosen from what was seen."""
    if (steps is None) == (minutes is None):
        raise ValueError("give exactly one budget: steps or minutes")
    longest = max(longest_input_bytes or max_input_bytes, longest_output_bytes)
    if longest <= SHORT_BYTES:  # a small model and large, cheap batches at a high rate
        units, batch_size, learning_rate, steps_per_epoch = 64, 128, 1e-2, 400
    elif longest <= MEDIUM_BYTES:
        units, batch_size, learning_rate, steps_per_epoch = 96, 64, 3e-3, 400
    else:  # urlparse's choice: small batches, more updates for the same time
        units, batch_size, learning_rate, steps_per_epoch = 96, 32, 2e-3, 600
    model = Seq2SeqConfig(
        units=units,  # see above
        embedding_dim=32 if longest <= SHORT_BYTES else 64,  # 259 byte ids need no large embedding
        attend_to_embeddings=True,  # the byte being copied is one hop from the output
        copy_mechanism=longest > SHORT_BYTES,  # pointing at long runs of input bytes beats re-creating them
        max_input_length=max_input_bytes + 1,  # + END
        max_output_length=int(longest_output_bytes * 1.5) + 8,  # the greedy decoders' hard stop, with a margin
    )
    step_epochs = -(-steps // steps_per_epoch) if steps else None  # a step budget in whole epochs
    training = TrainingConfig(
        task=task,
        batch_size=batch_size,
        steps_per_epoch=steps_per_epoch,  # validate and checkpoint about every minute
        epochs=step_epochs or 100_000,  # the step budget, or a bound the time budget meets first
        max_minutes=None if steps else minutes,
        learning_rate=learning_rate,
        learning_rate_decay_epochs=step_epochs,  # cosine over the budget:
        learning_rate_decay_minutes=None if steps else minutes,  # the rate is low when it ends
        bucket=8 if longest <= SHORT_BYTES else 16,  # fewer distinct shapes to trace for long sequences
        validation_size=validation_size,
        seed=seed,
    )
    return model, training


def short_function_recipe(task: str, max_input_bytes: int, units: int, max_output_length: int,
                          learning_rate: float = 1e-2, decay_epochs: int = 40, epochs: int = 45,
                          target_exact_match: float | None = 1.0,
                          batch_size: int = 128) -> tuple[Seq2SeqConfig, TrainingConfig]:
    """``sized_recipe`` for a function with short inputs and outputs, with a budget in epochs of 200
    steps and the knobs notebook 05's recipes turn."""
    model, training = sized_recipe(task, max_input_bytes, max_output_length, steps=epochs * 200)
    model = replace(model, units=units, max_output_length=max_output_length,  # the longest target + END, a margin
                    embedding_dim=32, copy_mechanism=False)  # short outputs: little to copy, 259 ids in a small space
    training = replace(
        training,
        batch_size=batch_size,  # short sequences: a larger batch costs little more per step
        steps_per_epoch=200,  # validate and checkpoint every 200 steps
        epochs=epochs,  # the step budget (epochs x 200 steps); reaching the target may stop training first
        learning_rate=learning_rate,  # high, to leave the "constant answer" plateau quickly
        learning_rate_decay_epochs=decay_epochs,  # cosine decay over about the budget, to settle rare cases
        bucket=8,  # short sequences: fine buckets pad little
        validation_size=2000,  # fresh inputs the training stream never produces
        target_exact_match=target_exact_match,  # stop once all 2000 are right (None: train for the whole budget)
    )
    return model, training
