"""Each shipped model (models/NAME/ with a metrics.json) against its real function on fresh inputs, at
the figure its records give. tools/evaluate_fresh.py recorded, in models/NAME/evaluations.json, the
exact match on fresh inputs of the generator's mix (``helpers.fresh_evaluation``); here the same
measurement runs again on fewer fresh inputs drawn with another seed, and must agree with the record
within binomial tolerance. A model that decodes worse (or better) than its record says fails, and so
does a record that no longer describes its model."""

import importlib.util
import math
from pathlib import Path

import pytest

from helpers.fresh_evaluation import exact_match_raised_or_returned
from helpers.functions import FRESH_SEED
from helpers.records import read_records
from helpers.storage import load_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path.parent.name for path in (ROOT / "models").glob("*/metrics.json"))
COUNT = 400  # fresh inputs per model: enough to tell a model that works from one that does not
SEED = FRESH_SEED + 7  # not the records' seed: a sample independent of the recorded one
FALSE_ALARM = 1e-6  # the chance, at each end, that a model as good as its record fails (or a record's bound is off)


def load_evaluate_fresh():
    """tools/evaluate_fresh.py, which writes the records and names their data (GENERATOR_MIX)."""
    spec = importlib.util.spec_from_file_location("evaluate_fresh", ROOT / "tools" / "evaluate_fresh.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def binomial_probability(count: int, trials: int, probability: float) -> float:
    """P(X = count) for X ~ Binomial(trials, probability)."""
    if probability in (0.0, 1.0):
        return float(count == (0 if probability == 0.0 else trials))
    return math.exp(math.lgamma(trials + 1) - math.lgamma(count + 1) - math.lgamma(trials - count + 1)
                    + count * math.log(probability) + (trials - count) * math.log1p(-probability))


def at_most(count: int, trials: int, probability: float) -> float:
    return sum(binomial_probability(value, trials, probability) for value in range(count + 1))


def at_least(count: int, trials: int, probability: float) -> float:
    return sum(binomial_probability(value, trials, probability) for value in range(count, trials + 1))


def probability_bounds(correct: int, total: int, alpha: float) -> tuple[float, float]:
    """The exact (Clopper-Pearson) bounds of a success probability after ``correct`` of ``total``: below
    ``low``, or above ``high``, seeing ``correct`` or more (or fewer) has a chance under ``alpha``."""
    def solve(too_low) -> float:  # bisection over [0, 1] on a condition that holds below the bound
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if too_low(middle) else (low, middle)
        return (low + high) / 2

    low = 0.0 if correct == 0 else solve(lambda probability: at_least(correct, total, probability) < alpha)
    high = 1.0 if correct == total else solve(lambda probability: at_most(correct, total, probability) >= alpha)
    return low, high


def recorded_generator_mix(model_directory: Path) -> dict:
    """The model's record of "exact match" on fresh inputs of the generator's mix."""
    evaluate_fresh = load_evaluate_fresh()
    records = [entry for entry in read_records(model_directory)
               if entry["measure"] == "exact match" and evaluate_fresh.generator_mix(entry["data"])]
    assert len(records) == 1, (f"{model_directory.name}: no record of exact match on fresh inputs of the generator's "
                               f"mix: python tools/evaluate_fresh.py --model {model_directory} --count 2000 --record")
    return records[0]


def test_the_binomial_bounds_are_the_exact_ones():
    """Known values: 0 of 10 gives [0, 1 - alpha^(1/10)] at one end, 10 of 10 gives [alpha^(1/10), 1];
    the bounds hold their chance at alpha, and a bound of k of n surrounds k / n."""
    assert probability_bounds(0, 10, 0.05) == pytest.approx((0.0, 1 - 0.05 ** 0.1), abs=1e-9)
    assert probability_bounds(10, 10, 0.05) == pytest.approx((0.05 ** 0.1, 1.0), abs=1e-9)
    low, high = probability_bounds(30, 100, 1e-3)
    assert low < 0.3 < high
    assert at_least(30, 100, low) == pytest.approx(1e-3, rel=1e-6) and at_most(30, 100, high) == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_model_decodes_fresh_inputs_at_its_recorded_exact_match(name):
    model_directory = ROOT / "models" / name
    record = recorded_generator_mix(model_directory)
    recorded_count, recorded_seed = load_evaluate_fresh().generator_mix(record["data"])
    assert recorded_seed != SEED and record["total"] == recorded_count
    stored = load_model(model_directory)
    row = exact_match_raised_or_returned(stored.model, stored.task, COUNT, seed=SEED).loc["all"]
    correct, total = int(row.correct), int(row.total)
    assert total == COUNT
    low, high = probability_bounds(record["correct"], record["total"], FALSE_ALARM)
    summary = (f"{name}: {correct} of {total} fresh inputs right; its record says {record['correct']} of "
               f"{record['total']} ({record['date']}, {record['commit']})")
    assert at_most(correct, total, low) >= FALSE_ALARM, f"{summary}: worse than the record allows"
    assert at_least(correct, total, high) >= FALSE_ALARM, f"{summary}: better than the record allows: measure it again"
