"""The registry of functions to learn: the real Python function is the ground truth.

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

Adding a function is one ``register(LearnedFunction(...))`` call; any importable function can be
named ``MODULE:FUNCTION`` instead (``get_function`` imports it; see ``helpers.porting``).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlparse

from helpers.url_generator import hard_url, random_domain, random_path, random_port, random_url


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

    def example(self, rng: random.Random, hard: bool = False, progress: float | None = None) -> tuple[str, str]:
        """One (input, target) pair, from ``generate_hard_input`` if ``hard``, from the curriculum at
        ``progress`` if given. Without ``errors_as_outputs``, inputs on which the real function raises
        ValueError are drawn again."""
        if hard and self.generate_hard_input is None:
            raise ValueError(f"the function {self.name!r} has no generator of hard inputs")
        if progress is not None and self.generate_curriculum_input is None:
            raise ValueError(f"the function {self.name!r} has no curriculum generator")
        generate = self.generate_hard_input if hard else self.generate_input
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


def get_function(name: str) -> LearnedFunction:
    """The registry entry ``name``, or for ``MODULE:FUNCTION`` (``path/file.py:FUNCTION``) the imported
    function as an entry with ``errors_as_outputs`` and no input generator (enough to evaluate)."""
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" in name:
        from helpers.porting import ported_function

        return ported_function(name)
    raise ValueError(f"unknown function {name!r}; registered: {', '.join(sorted(REGISTRY))}, "
                     f"or name any function as MODULE:FUNCTION")


# ------------------------------------------------------------------------------------------------
# urlparse and its toy sibling
# ------------------------------------------------------------------------------------------------
PROTOCOL_PREFIX_CHARACTERS = 32


def protocol(url: str) -> str:
    """The scheme that urlparse finds in the first 32 characters of a URL (the toy task)."""
    return urlparse(url[:PROTOCOL_PREFIX_CHARACTERS]).scheme


SCHEME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."


def url_prefix(rng: random.Random) -> str:
    """The first 32 characters of a URL. Half are realistic URLs; the other half have a made-up
    scheme (random letters, digits, '+-.', mixed case, sometimes an invalid character), so that
    the model cannot get by with "http or https" and must learn to copy what stands before ':'."""
    roll = rng.random()
    if roll < 0.45:
        return random_url(rng)[:PROTOCOL_PREFIX_CHARACTERS]
    if roll < 0.55:  # a host and port without a scheme: urlparse takes "www.example.com" as the scheme
        return (random_domain(rng) + random_port(rng) + random_path(rng))[:PROTOCOL_PREFIX_CHARACTERS]
    scheme = rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    # lengths up to 30, mostly short: long made-up schemes teach the model to copy long runs exactly
    scheme += "".join(rng.choice(SCHEME_CHARACTERS) for _ in range(min(int(rng.expovariate(1 / 6)), 29)))
    if rng.random() < 0.25:  # a character that is not allowed in a scheme: urlparse finds none
        position = rng.randint(0, len(scheme))
        scheme = scheme[:position] + rng.choice(" _/?#@%~!é'\"()[]*,;&=$") + scheme[position:]
    rest = random_url(rng).partition(":")[2] if rng.random() < 0.8 else random_url(rng)
    return (scheme + ":" + rest)[:PROTOCOL_PREFIX_CHARACTERS]


def urlparse_fields(url: str) -> list[str]:
    """The six ParseResult fields, in order: scheme, netloc, path, params, query, fragment."""
    return list(urlparse(url))


URLPARSE_FIELD_NAMES = ("scheme", "netloc", "path", "params", "query", "fragment")

register(LearnedFunction(
    name="protocol",
    function=protocol,
    generate_input=url_prefix,
    max_input_bytes=4 * PROTOCOL_PREFIX_CHARACTERS,
    errors_as_outputs=True,  # 'http://[d9e4:dbe0:302c:e3d9:1486' (a bracket cut at 32) -> {"error":"ValueError"}
    description="urlparse(url[:32]).scheme: the toy model of notebook 03",
))

register(LearnedFunction(
    name="urlparse",
    function=urlparse_fields,
    generate_input=random_url,
    max_input_bytes=256,
    generate_hard_input=hard_url,
    errors_as_outputs=True,  # 'http://[::1/' -> {"error":"ValueError"}: url_generator.rejected_url draws such inputs
    output_check=lambda value: isinstance(value, list) and len(value) == 6 and all(isinstance(item, str) for item in value),
    description="urllib.parse.urlparse: the six fields as a JSON list, or {\"error\":\"ValueError\"} where it raises",
))


# ------------------------------------------------------------------------------------------------
# hex
# ------------------------------------------------------------------------------------------------
HEX_DIGITS = 6  # inputs 0 <= n < 10**6, the range the model must cover (up to 10**9, 10 minutes taught 0% from 7 digits on)
HEX_MAX = 10 ** HEX_DIGITS
# how often each number of digits (1..6) is drawn: longer numbers are more and harder, but every
# length keeps a share, so that the 10 one-digit and 90 two-digit numbers are seen often
HEX_DIGIT_WEIGHTS = (1, 2, 3, 4, 5, 6)


def decimal_number(rng: random.Random) -> str:
    """A non-negative integer below HEX_MAX as decimal text; the number of digits is drawn first,
    with HEX_DIGIT_WEIGHTS, then the number among those of that length."""
    digits = rng.choices(range(1, HEX_DIGITS + 1), weights=HEX_DIGIT_WEIGHTS)[0]
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return str(rng.randint(low, 10 ** digits - 1))


def decimal_number_curriculum(rng: random.Random, progress: float) -> str:
    """A number for the training progress ``progress`` in [0, 1): at first only 1 to 2 digits, one
    more digit allowed every 1/5 of the way, with HEX_DIGIT_WEIGHTS among the allowed counts."""
    allowed = min(HEX_DIGITS, 2 + int(progress * (HEX_DIGITS - 1)))
    digits = rng.choices(range(1, allowed + 1), weights=HEX_DIGIT_WEIGHTS[:allowed])[0]
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return str(rng.randint(low, 10 ** digits - 1))


HEX_INVALID_SHARE = 0.05  # share of the draws that int() rejects ('12a4', '3.5'): the model learns to answer
#                          {"error":"ValueError"} for them (tests/test_functions.py measures the share)
NOT_DECIMAL_CHARACTERS = "abcdefxoABCDEFXO.,e/:;#%-+ _"  # put into a number, each can make int() reject it


def not_a_decimal_number(rng: random.Random) -> str:
    """Text of at most HEX_DIGITS characters on which int() raises ValueError: a number with one
    character replaced or inserted ('12a4', '3.5', '7-', '0x1f') or a character alone ('x', '.').
    (int accepts '+7', ' 7', '1_0': such draws are drawn again, so every one of these raises.)"""
    while True:
        number = decimal_number(rng)
        character = rng.choice(NOT_DECIMAL_CHARACTERS)
        position = rng.randint(0, len(number))
        roll = rng.random()
        if roll < 0.45 and len(number) > 1:
            text = number[:position] + character + number[position + 1:]  # replaced
        elif roll < 0.9:
            text = number[:position] + character + number[position:]  # inserted
        else:
            text = character
        text = text[:HEX_DIGITS]
        try:
            int(text)
        except ValueError:
            return text


def decimal_text(rng: random.Random) -> str:
    """hex's training input: decimal_number, and a HEX_INVALID_SHARE of not_a_decimal_number."""
    return not_a_decimal_number(rng) if rng.random() < HEX_INVALID_SHARE else decimal_number(rng)


def decimal_text_curriculum(rng: random.Random, progress: float) -> str:
    """decimal_number_curriculum, with the same share of not_a_decimal_number as decimal_text."""
    return not_a_decimal_number(rng) if rng.random() < HEX_INVALID_SHARE else decimal_number_curriculum(rng, progress)


def hex_of_decimal(text: str) -> str:
    """hex() of the integer written in decimal: "255" -> "0xff"."""
    return hex(int(text))


register(LearnedFunction(
    name="hex",
    function=hex_of_decimal,
    generate_input=decimal_text,
    generate_curriculum_input=decimal_text_curriculum,
    max_input_bytes=HEX_DIGITS,
    errors_as_outputs=True,  # '12a4' -> {"error":"ValueError"}: decimal_text draws such inputs
    description=f"hex(int(text)) for 0 <= n < 10**{HEX_DIGITS}, or {{\"error\":\"ValueError\"}} for text int() rejects",
))


# ------------------------------------------------------------------------------------------------
# notebook 05: more real functions, and the inverse of a date format nobody wrote
# ------------------------------------------------------------------------------------------------
import posixpath  # noqa: E402  (kept beside the entries that use it)

from helpers.dates import formatted_date_or_not, parse_my_date_format  # noqa: E402
from helpers.text_inputs import MAX_PATH_CHARACTERS, MAX_TITLE_CHARACTERS, file_path, title_text  # noqa: E402


def splitext(path: str) -> list[str]:
    """os.path.splitext on POSIX (posixpath, the same on every OS) as a JSON list:
    "a/b.tar.gz" -> ["a/b.tar", ".gz"]."""
    return list(posixpath.splitext(path))


def title(text: str) -> str:
    """str.title, quirks included: "don't stop" -> "Don'T Stop", "3rd" -> "3Rd"."""
    return text.title()


register(LearnedFunction(
    name="splitext",
    function=splitext,
    generate_input=file_path,
    errors_as_outputs=True,  # like every entry; posixpath.splitext raises on no string, so none is drawn
    max_input_bytes=MAX_PATH_CHARACTERS,
    description="os.path.splitext(path) as [root, extension]",
))

register(LearnedFunction(
    name="title",
    function=title,
    generate_input=title_text,
    errors_as_outputs=True,  # like every entry; str.title raises on no string, so none is drawn
    max_input_bytes=2 * MAX_TITLE_CHARACTERS,
    description="str.title(text)",
))

register(LearnedFunction(
    name="date_inverse",
    function=parse_my_date_format,
    generate_input=formatted_date_or_not,
    max_input_bytes=20,
    errors_as_outputs=True,  # '7ea-d-1 0:00:00' (month 13) -> {"error":"ValueError"}: formatted_date_or_not draws such inputs
    description="the inverse of helpers.dates.my_date_format: hexadecimal date text -> datetime.isoformat(), "
                "or {\"error\":\"ValueError\"} for text my_date_format cannot write",
))
