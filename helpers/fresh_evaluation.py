"""Exact match on fresh inputs, by group (hex by number of digits), for notebook 05 and the shipped models.

    inputs, targets = fresh_examples("title", 10_000)
    table = exact_match_by_group(model, inputs, targets, groups=[len(text) for text in inputs])

"Fresh" means drawn from the function's own generator with a seed (``FRESH_SEED``) that neither
training (``streams.epoch_seed``) nor validation (seed + 1_000_003) uses. For tiny input spaces (hex of 1 to 3 digits has
1,110 inputs) fresh inputs were of course seen in training too; from 5 digits on, hardly ever.
"""

from __future__ import annotations

import datetime
import json
import random

import pandas as pd

from helpers.functions import FRESH_SEED, get_function, predicted_error
from helpers.functions.hexadecimal import decimal_numbers_by_digits  # noqa: F401  (notebook 05 imports it from here)


def fresh_examples(task: str, count: int, seed: int = FRESH_SEED) -> tuple[list[str], list[str]]:
    """``count`` (input, target) pairs from ``task``'s generator and real function."""
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    return get_function(task).examples(random.Random(seed), count)


def target_examples(task: str, count: int, seed: int = FRESH_SEED) -> tuple[list[str], list[str]] | None:
    """``count`` (input, target) pairs drawn as ``task``'s accuracy target is stated (its entry's
    ``target_inputs``; hex: uniform below 10**6); None where the entry has no such draw (its generator's
    mix is the target)."""
    function = get_function(task)
    if function.target_inputs is None:
        return None
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    rng = random.Random(seed)
    pairs = [function.example(rng, target=True) for _ in range(count)]
    return [pair[0] for pair in pairs], [pair[1] for pair in pairs]


def exact_match_by_group(model, inputs: list[str], targets: list[str], groups: list) -> pd.DataFrame:
    """Decode ``inputs`` with the fast greedy decoder and compare with ``targets``, per group.

    model: a helpers.model.Seq2Seq. Returns one row per group (sorted) and a final "all" row, with
    columns correct, total, exact_match.
    """
    from helpers.decoders import GreedyDecoder

    if not len(inputs) == len(targets) == len(groups):
        raise ValueError(f"{len(inputs)} inputs, {len(targets)} targets and {len(groups)} groups: they must match")
    predicted = GreedyDecoder(model)(inputs).texts
    frame = pd.DataFrame({"group": groups, "correct": [got == want for got, want in zip(predicted, targets)]})
    table = frame.groupby("group")["correct"].agg(correct="sum", total="count")
    table.loc["all"] = [int(frame["correct"].sum()), len(frame)]
    table["exact_match"] = table["correct"] / table["total"]
    return table


def date_error_seconds(predicted: str | None, expected: str) -> float | None:
    """How far a decoded ISO datetime (compact JSON text) is from the true one, in seconds;
    None when the output is not a datetime at all."""
    try:
        got = datetime.datetime.fromisoformat(json.loads(predicted))
    except (TypeError, ValueError):
        return None
    return abs((got - datetime.datetime.fromisoformat(json.loads(expected))).total_seconds())


def raised_or_returned(targets: list[str]) -> list[str]:
    """The group of each target: "function raised" for an error object ({"error":"ValueError"}), else
    "function returned"."""
    return ["function raised" if predicted_error(json.loads(target)) else "function returned" for target in targets]


def exact_match_raised_or_returned(model, task: str, count: int, seed: int = FRESH_SEED) -> pd.DataFrame:
    """Exact match on ``count`` fresh inputs of ``task``'s generator (``fresh_examples``), in two
    groups: the inputs on which the real function raised (the model must answer the error object)
    and those on which it returned. Columns as ``exact_match_by_group``."""
    inputs, targets = fresh_examples(task, count, seed)
    return exact_match_by_group(model, inputs, targets, raised_or_returned(targets))
