"""Port any Python function of one string: ``python -m helpers learn MODULE:FUNCTION``.

    learn(PortConfig(function="html:escape", generator="tools/port_inputs.py:html_text"), "runs/escape")
    learn(PortConfig(function="my_module:normalise", inputs="examples.txt"), "runs/normalise")

The function is named ``MODULE:FUNCTION`` (a module on ``sys.path`` or in the current folder, the
function's dotted name inside it) or ``path/to/file.py:FUNCTION``. Its inputs come from a file of
lines (split on "\\n" only) or from a generator ``MODULE:GENERATOR`` (``random.Random`` -> one str).
The targets come from calling the function: compact JSON of its result, or ``{"error":"TypeName"}``
where it raises. The model is sized from the data (``size_recipe``) and trained for a budget of time or steps;
the model directory records ``MODULE:FUNCTION`` as its task, so ``evaluate`` can call the function.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from helpers.functions import LearnedFunction, NotJsonError, predicted_error
from helpers.lines import read_text_lines
from helpers.functions.ported import MAX_INPUT_BYTES, import_callable, ported_function, split_spec


@dataclass
class PortConfig:
    """One ``learn`` run. Exactly one of ``inputs`` and ``generator`` is set."""

    function: str  # MODULE:FUNCTION or path/to/file.py:FUNCTION, a callable taking one str
    inputs: str | None = None  # a file of example inputs, one per line (split on "\n" only)
    generator: str | None = None  # MODULE:GENERATOR, a callable random.Random -> one input str
    minutes: float = 10.0  # training time budget; the learning rate decays over it (cosine)
    steps: int | None = None  # a budget in steps instead (the same model on any machine; minutes is then unused)
    validation_share: float = 0.1  # of a file's distinct inputs, held out for validation
    max_validation: int = 1000  # validation inputs at most: all are decoded after every epoch
    min_distinct_inputs: int = 50  # fewer distinct inputs than this cannot teach a function
    sample_size: int = 2000  # generator draws used to size the model (longest input and output)
    seed: int = 1  # the file's split, the training stream and the validation draws


# ------------------------------------------------------------------------------------------------
# naming
# ------------------------------------------------------------------------------------------------
def recorded_spec(spec: str) -> str:
    """The name a model directory records: a file path made absolute, so ``evaluate`` finds it from
    any folder; a module name as given."""
    where, name = split_spec(spec)
    return f"{Path(where).resolve()}:{name}" if where.endswith(".py") else spec


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------
def read_inputs(path: str | Path) -> list[str]:
    """The lines of an inputs file (``lines.read_text_lines``; ``-`` reads standard input); ValueError
    for a missing, empty or non-UTF-8 file, naming the first bad line."""
    texts = read_text_lines(path)
    if not texts:
        raise ValueError(f"{path} is empty: give one example input per line")
    return texts


def check_lengths(inputs: list[str], where: str) -> None:
    """ValueError when an input is empty or longer than ``MAX_INPUT_BYTES``, with how many and the limit."""
    empty = sum(1 for text in inputs if not text)
    if empty:
        raise ValueError(f"{empty} of {len(inputs)} inputs from {where} are empty: the model needs at least one byte")
    long = [text for text in inputs if len(text.encode("utf-8")) > MAX_INPUT_BYTES]
    if long:
        longest = max(len(text.encode("utf-8")) for text in long)
        raise ValueError(f"{len(long)} of {len(inputs)} inputs from {where} are longer than {MAX_INPUT_BYTES} UTF-8 "
                         f"bytes, the longest input learn builds a model for (the longest has {longest})")


def targets_of(function: LearnedFunction, inputs: list[str]) -> list[str]:
    """The targets of ``inputs``; ValueError when a result is not JSON or the function raises on all."""
    try:
        targets = [function.output_text(text) for text in inputs]
    except NotJsonError as error:
        raise ValueError(str(error)) from error
    errors = [target for target in targets if predicted_error(json.loads(target)) is not None]
    if len(errors) == len(targets):
        first = inputs[0]
        try:
            function.function(first)
        except Exception as error:  # what it raised, to say why
            reason = f"{type(error).__name__}: {error}"
        raise ValueError(f"{function.name} raised on every one of {len(inputs)} inputs (on {first!r}: {reason})")
    return targets


def generator_draws(generate: Callable[[random.Random], str], rng: random.Random, count: int, where: str) -> list[str]:
    """``count`` draws of a generator, checked: each must be a str."""
    draws = []
    for _ in range(count):
        try:
            text = generate(rng)
        except Exception as error:
            raise ValueError(f"the generator {where} raised {type(error).__name__}: {error}") from error
        if not isinstance(text, str):
            raise ValueError(f"the generator {where} returned a {type(text).__name__}, not a str: {text!r}")
        draws.append(text)
    return draws


# ------------------------------------------------------------------------------------------------
# sizing
# ------------------------------------------------------------------------------------------------
def size_recipe(task: str, inputs: list[str], targets: list[str], minutes: float, margin: float,
                seed: int = 1, steps: int | None = None):
    """(Seq2SeqConfig, TrainingConfig) sized from example inputs and targets by ``sizing.sized_recipe``.

    ``margin`` scales the longest input the model takes (1.0 for a file, whose every input is known;
    more for a generator, which may draw longer ones later). The budget is ``steps`` when given, else
    ``minutes`` of training time.
    """
    from helpers.sizing import sized_recipe

    longest_input = max(len(text.encode("utf-8")) for text in inputs)
    longest_output = max(len(text.encode("utf-8")) for text in targets)
    max_input_bytes = min(MAX_INPUT_BYTES, max(8, int(longest_input * margin)))
    return sized_recipe(task, max_input_bytes, longest_output, steps=steps, minutes=None if steps else minutes,
                        validation_size=min(1000, len(inputs)), seed=seed,
                        longest_input_bytes=longest_input)


# ------------------------------------------------------------------------------------------------
# the command
# ------------------------------------------------------------------------------------------------
@dataclass
class PortPlan:
    """What ``plan`` decided: the function entry, the model and training settings, the validation set."""

    function: LearnedFunction
    model_config: Any  # Seq2SeqConfig
    training_config: Any  # TrainingConfig
    validation: tuple[list[str], list[str]] | None  # held out from a file; None: drawn by train()
    training_inputs: int | None  # distinct training inputs from a file; None: a generator
    summary: str  # one line for the user


def plan(config: PortConfig) -> PortPlan:
    """Checks the function and its inputs and sizes the model; ValueError for every bad input."""
    if (config.inputs is None) == (config.generator is None):
        raise ValueError("give exactly one of --inputs FILE and --generator MODULE:GENERATOR")
    if config.minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {config.minutes}")
    if config.steps is not None and config.steps <= 0:
        raise ValueError(f"--steps must be positive, got {config.steps}")
    spec = recorded_spec(config.function)
    probe = ported_function(spec)
    if config.inputs is not None:
        lines = read_inputs(config.inputs)
        check_lengths(lines, config.inputs)
        distinct = sorted(set(lines))
        if len(distinct) < config.min_distinct_inputs:
            raise ValueError(f"{config.inputs} has {len(distinct)} distinct inputs; at least "
                             f"{config.min_distinct_inputs} are needed to learn a function and check it")
        random.Random(config.seed).shuffle(distinct)
        targets = targets_of(probe, distinct)  # every check on the whole file, before the split
        held_out = min(config.max_validation, max(10, int(len(distinct) * config.validation_share)))
        validation_inputs, training_inputs = distinct[:held_out], distinct[held_out:]
        validation_targets, training_targets = targets[:held_out], targets[held_out:]
        function = ported_function(spec, generate_input=lambda rng: rng.choice(training_inputs),
                                   max_input_bytes=max(len(text.encode("utf-8")) for text in lines))
        model_config, training_config = size_recipe(
            spec, training_inputs + validation_inputs, training_targets + validation_targets,
            config.minutes, margin=1.0, seed=config.seed, steps=config.steps)
        summary = (f"{len(lines)} lines, {len(distinct)} distinct inputs: {len(training_inputs)} for training, "
                   f"{len(validation_inputs)} held out for validation (never trained on)")
        return PortPlan(function, model_config, training_config, (validation_inputs, validation_targets),
                        len(training_inputs), summary)
    generate = import_callable(config.generator)
    sample = generator_draws(generate, random.Random(config.seed + 17), config.sample_size, config.generator)
    check_lengths(sample, f"the generator {config.generator}")
    targets = targets_of(probe, sample)
    model_config, training_config = size_recipe(spec, sample, targets, config.minutes, margin=1.25, seed=config.seed,
                                                steps=config.steps)
    function = ported_function(spec, generate_input=generate, max_input_bytes=model_config.max_input_length - 1)
    distinct = len(set(sample))
    if distinct < config.min_distinct_inputs:
        raise ValueError(f"the generator {config.generator} drew {distinct} distinct inputs in {len(sample)} draws; "
                         f"at least {config.min_distinct_inputs} are needed")
    validation_size = min(config.max_validation, distinct // 2)
    training_config.validation_size = validation_size
    summary = (f"inputs from the generator {config.generator}: {validation_size} distinct ones held out for validation, "
               f"training draws skip them")
    return PortPlan(function, model_config, training_config, None, None, summary)


def describe(port: PortPlan) -> str:
    model, training = port.model_config, port.training_config
    return (f"model: {model.units} units, embedding {model.embedding_dim}, copy mechanism {'on' if model.copy_mechanism else 'off'}, "
            f"inputs up to {model.max_input_length - 1} bytes, outputs up to {model.max_output_length} ids; "
            f"training: batch {training.batch_size} at {training.learning_rate:g}, cosine over "
            + (f"{training.epochs * training.steps_per_epoch} steps" if training.max_minutes is None
               else f"{training.max_minutes:g} minutes"))


def learn(config: PortConfig, output_dir: str | Path, verbose: int | str = 2, port: PortPlan | None = None,
          fresh: bool = False) -> dict:
    """Plans (unless ``port``, the ``plan(config)`` already made, is given), trains (or resumes) and
    writes ``output_dir/model``; returns the run's metrics with ``inputs`` (what was used) added.
    Prints progress. ``fresh``: start afresh instead of resuming (see ``helpers.training.train``)."""
    from helpers.storage import write_text_atomically
    from helpers.training import train

    port = port or plan(config)
    print(port.summary)
    print(describe(port))
    result = train(port.training_config, port.model_config, output_dir, verbose=verbose,
                   function=port.function, validation=port.validation, fresh=fresh)
    metrics = dict(result.metrics)
    metrics["function"] = port.function.name
    metrics["inputs"] = port.summary
    if port.training_inputs is not None:
        metrics["training_inputs"] = port.training_inputs
    model_dir = Path(output_dir) / "model"
    write_text_atomically(model_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    return metrics
