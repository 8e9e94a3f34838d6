"""What a training run sees: the validation set, the infinite training stream, and the real inputs.

* The training stream draws (input, real_function(input)) pairs forever. It groups examples of
  similar length into the same batch (length bucketing), so that a batch of short URLs is not
  padded to the length of the longest URL in the stream: on a CPU, time steps are the cost.
* Each epoch of the stream draws from its own seed, so a run resumed at an epoch sees what a run
  that went straight through sees.
* The validation set is drawn once, from another seed, and the training stream skips every input
  that is in it: validation measures generalisation, never memory. Except common inputs: a
  validation input that the generator draws more often than ``common_input_share`` stays in
  training, because skipping it would cut a whole region out (hex draws the number of digits
  first, so all ten 1-digit numbers land in validation); fresh inputs contain it just as often.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Iterator, Sequence

import numpy as np

from helpers.functions import LearnedFunction, NotJsonError
from helpers.model_config import Seq2SeqConfig
from helpers.training_config import TrainingConfig
from helpers.vectorization import batches_by_length, teacher_forcing_batch


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


def epoch_seed(seed: int, epoch: int) -> str:
    """The seed of one epoch of the training stream: a resumed run draws epoch 7 as a straight one does."""
    return f"{seed}/epoch {epoch}"


def training_batches(
    function: LearnedFunction,
    config: TrainingConfig,
    model_config: Seq2SeqConfig,
    exclude: set[str],
    first_epoch: int = 0,
    real_pairs: Sequence[tuple[str, str]] = (),
) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
    """Infinite stream of teacher-forcing batches (see ``vectorization.teacher_forcing_batch``),
    length-bucketed, never containing an input from ``exclude``: ``config.steps_per_epoch`` batches
    per epoch from ``first_epoch`` on, each epoch drawn from its own seed (``epoch_seed``), so that
    the stream of a run resumed at an epoch is the stream of a run that went straight through. With
    ``real_pairs`` ((input, target) pairs of real inputs, ``real_training_pairs``), a
    ``real_input_share`` of the inputs are drawn from them."""
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
    if not 0 <= config.target_input_share <= 1:
        raise ValueError(f"target_input_share must be in [0, 1], got {config.target_input_share}")
    if config.target_input_share and function.target_inputs is None:
        raise ValueError(f"target_input_share is {config.target_input_share}, but {function.name!r} has no target draw "
                         f"(target_inputs)")
    for epoch in itertools.count(first_epoch):
        rng = random.Random(epoch_seed(config.seed, epoch))
        step = epoch * config.steps_per_epoch
        for _ in range(math.ceil(config.steps_per_epoch / config.pool_batches)):
            pool = min(config.pool_batches, (epoch + 1) * config.steps_per_epoch - step)
            for batch in _pool_of_batches(function, config, exclude, real_pairs, rng, step, pool):
                yield pairs_batch(batch, config.bucket, model_config)
            step += pool


def _pool_of_batches(function: LearnedFunction, config: TrainingConfig, exclude: set[str],
                     real_pairs: Sequence[tuple[str, str]], rng: random.Random, step: int,
                     count: int) -> list[list[tuple[str, str]]]:
    """``count`` batches of (input, target) pairs drawn at once, sorted by target length, cut into
    batches and shuffled: each batch holds pairs of similar length (length bucketing)."""
    pairs = []
    progress = min(1.0, step / config.curriculum_steps) if config.curriculum_steps else 1.0
    while len(pairs) < config.batch_size * count:
        if progress < 1.0:
            text, target = function.example(rng, progress=progress)
        elif config.real_input_share and rng.random() < config.real_input_share:
            text, target = rng.choice(real_pairs)
        elif config.target_input_share and rng.random() < config.target_input_share:  # no draw at share 0: a run
            text, target = function.example(rng, target=True)  # from before the field resumes with its own stream
        else:
            text, target = function.example(rng, hard=rng.random() < config.hard_input_share)
        if text not in exclude:
            pairs.append((text, target))
    return batches_by_length(pairs, config.batch_size, rng)


def real_training_pairs(function: LearnedFunction, config: TrainingConfig, exclude: set[str]) -> list[tuple[str, str]]:
    """(input, target) pairs of the real training inputs (``config.real_inputs``, a split folder of notebook
    02, or else the function's own ``real_inputs``), the real function giving each target; inputs over
    the function's length limit, in ``exclude`` or (without errors as outputs) rejected by it are left out."""
    if config.real_inputs:
        from helpers.data import read_split_folder

        texts, where = read_split_folder(config.real_inputs)[0], config.real_inputs
    elif function.real_inputs is not None:
        texts, where = function.real_inputs(), f"{function.name}'s real inputs"
    else:
        raise ValueError(f"real_input_share is {config.real_input_share}, but {function.name!r} has no real inputs: "
                         f"give TrainingConfig.real_inputs")
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
        raise ValueError(f"none of the {len(texts)} real inputs ({where}) is usable for {function.name!r}")
    return pairs


def as_dataset(make_iterator, prefetch: int = 4):
    """Batches from ``make_iterator()`` as a ``tf.data.Dataset`` whose time axes may differ from batch
    to batch. The prefetch draws the next batches in a background thread while the model trains."""
    import tensorflow as tf

    ids = tf.TensorSpec(shape=(None, None), dtype=tf.int32)
    signature = ({"encoder_ids": ids, "decoder_ids": ids}, ids)
    return tf.data.Dataset.from_generator(make_iterator, output_signature=signature).prefetch(prefetch)


def bucketed_batches(inputs: list[str], targets: list[str], batch_size: int, bucket: int,
                     model_config: Seq2SeqConfig) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    """The validation set as teacher-forcing batches, bucketed by length (``batches_by_length``)."""
    return [pairs_batch(batch, bucket, model_config) for batch in batches_by_length(list(zip(inputs, targets)), batch_size)]


def pairs_batch(pairs: Sequence[tuple[str, str]], bucket: int,
                model_config: Seq2SeqConfig) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(input, target) pairs -> one teacher-forcing batch (``vectorization.teacher_forcing_batch``)."""
    return teacher_forcing_batch([pair[0] for pair in pairs], [pair[1] for pair in pairs], bucket=bucket,
                                 max_input_length=model_config.max_input_length,
                                 max_output_length=model_config.max_output_length,
                                 reverse_output=model_config.reverse_output)