"""The registry of functions to learn: the real Python function is the ground truth.

Everything specific to one function lives in its entry (one module each in ``helpers.functions``):
the rest of ``helpers`` reads the entry's fields and never branches on a function's name.


Each ``LearnedFunction`` holds
  * ``function``: the real Python function, str -> any JSON-able value;
  * ``generate_input``: random.Random -> one input string (the training distribution);
  * ``max_input_bytes``: the longest input in UTF-8 bytes the model is built for.
  * ``generate_hard_input`` (optional): inputs built around the function's rare rules, which
    training may mix in (``TrainingConfig.hard_input_share``); evaluation never draws them.

The model learns ``output_text(x)``: the real function's result written as compact JSON (no spaces,
UTF-8 kept as is), so that every output, a string, a list or an object, is one unambiguous string.
For an entry with ``errors_as_outputs``, an input on which the function raises has the target
``{"error":"ValueError"}`` (the exception's type name): the model learns to say so.

Adding a function is one module with one ``register(LearnedFunction(...))`` call, imported by
``helpers/functions/__init__.py``; any importable function can be named ``MODULE:FUNCTION`` instead
(``get_function`` imports it: ``helpers.functions.ported``).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # only for the annotations: the configs are plain dataclasses of the layer above
    from helpers.model_config import Seq2SeqConfig
    from helpers.training_config import TrainingConfig

FRESH_SEED = 20_261_124  # the seed of fresh evaluation draws: far from training's and validation's
ERROR_KEY = "error"  # a predicted exception is the object {"error": TYPE_NAME}


def to_json_text(value: Any) -> str:
    """Compact JSON: ``["http","a.com","/","","",""]``. Raises TypeError for a value JSON cannot
    hold (a set, bytes, an object) and ValueError for NaN or infinity."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def error_output(error: BaseException) -> str:
    """The target for an input on which the real function raised: ``{"error":"ValueError"}``."""
    return to_json_text({ERROR_KEY: type(error).__name__})


def predicted_error(value: Any) -> str | None:
    """The exception type name if ``value`` (a decoded output) is an error object, else None."""
    if isinstance(value, dict) and set(value) == {ERROR_KEY} and isinstance(value[ERROR_KEY], str):
        return value[ERROR_KEY]
    return None


class NotJsonError(ValueError):
    """The real function returned a value that compact JSON cannot hold."""


@dataclass(frozen=True)
class LearnedFunction:
    name: str  # registry key, also the model's task name
    function: Callable[[str], Any]  # the real Python function (the oracle)
    generate_input: Callable[[random.Random], str]  # draws one training input
    max_input_bytes: int  # longest input, in UTF-8 bytes, that the model must accept
    description: str = ""  # one line for the README and the command line
    generate_hard_input: Callable[[random.Random], str] | None = None  # draws an input built around a rare
    #                     rule of the function; training may draw a share of its inputs here
    #                     (TrainingConfig.hard_input_share), validation and fresh tests never do
    errors_as_outputs: bool = False  # where the function raises, the target is {"error":"TypeName"};
    #                                  False: such inputs are drawn again (the models shipped before)
    output_check: Callable[[Any], bool] | None = None  # is a decoded JSON value a well-formed result?
    #                                                    (predict's "ok"); None: any JSON value is
    generate_curriculum_input: Callable[[random.Random, float], str] | None = None  # draws an input for the
    #                     training progress p in [0, 1), easy ones first (TrainingConfig.curriculum_steps)
    recipe: Callable[[], tuple[Seq2SeqConfig, TrainingConfig]] | None = None  # the measured model and training
    #                     settings (helpers.recipes.recipe); None: size them from examples (helpers.sizing)
    output_fields: tuple[str, ...] | None = None  # the names of a list output's items, for per-field
    #                     accuracy and the exported metadata; None: items are numbered
    real_inputs: Callable[[], list[str]] | None = None  # real inputs that training may mix in
    #                     (TrainingConfig.real_input_share): the training side of a split of real data
    input_group: Callable[[str], Any] | None = None  # the group an input's accuracy is reported in
    #                     (hex: its number of digits); None: one group
    grouped_inputs: Callable[[int, int], list[str]] | None = None  # (count per group, seed) -> fresh inputs
    #                     with as many of each group (hex: numbers of each length); None: the generator's mix
    target_inputs: Callable[[random.Random], str] | None = None  # draws an input as the function's accuracy
    #                     target is stated (hex: uniform below 10**6); None: the generator is the target

    def output_text(self, text: str) -> str:
        """The target the model learns for ``text``: compact JSON of the real function's result, or
        with ``errors_as_outputs`` the error object when it raises (otherwise the exception passes).
        A result that JSON cannot hold raises ``NotJsonError`` naming the input."""
        try:
            value = self.function(text)
        except Exception as error:  # the real function's own exceptions: its behaviour to learn
            if not self.errors_as_outputs:
                raise
            return error_output(error)
        try:
            return to_json_text(value)
        except (TypeError, ValueError) as error:
            raise NotJsonError(f"{self.name} returned a value that is not JSON-serialisable for the input "
                               f"{text!r}: {type(value).__name__} ({error})") from error

    def example(self, rng: random.Random, hard: bool = False, progress: float | None = None,
                target: bool = False) -> tuple[str, str]:
        """One (input, target) pair, from ``generate_hard_input`` if ``hard``, from ``target_inputs`` if
        ``target``, from the curriculum at ``progress`` if given. Without ``errors_as_outputs``, inputs on
        which the real function raises ValueError are drawn again."""
        if hard and self.generate_hard_input is None:
            raise ValueError(f"the function {self.name!r} has no generator of hard inputs")
        if target and self.target_inputs is None:
            raise ValueError(f"the function {self.name!r} has no target draw (target_inputs)")
        if progress is not None and self.generate_curriculum_input is None:
            raise ValueError(f"the function {self.name!r} has no curriculum generator")
        generate = self.target_inputs if target else self.generate_hard_input if hard else self.generate_input
        if progress is not None:
            generate = lambda rng: self.generate_curriculum_input(rng, progress)  # noqa: E731
        for _ in range(1000):
            text = generate(rng)
            if len(text.encode("utf-8")) > self.max_input_bytes:
                continue
            try:
                return text, self.output_text(text)
            except NotJsonError:
                raise
            except ValueError:
                continue
        raise ValueError(f"the generator of {self.name!r} gave 1000 inputs in a row that the function rejects")

    def examples(self, rng: random.Random, count: int) -> tuple[list[str], list[str]]:
        pairs = [self.example(rng) for _ in range(count)]
        return [pair[0] for pair in pairs], [pair[1] for pair in pairs]


REGISTRY: dict[str, LearnedFunction] = {}


def register(entry: LearnedFunction) -> LearnedFunction:
    if entry.name in REGISTRY:
        raise ValueError(f"a function named {entry.name!r} is registered already")
    REGISTRY[entry.name] = entry
    return entry
