"""Exact match of a saved model on fresh inputs from its function's generator (hex: by number of digits),
split into inputs on which the real function returned and those on which it raised.

    python tools/evaluate_fresh.py --model models/hex --count 2000      # 2000 numbers per digit count,
                                                                        # and 5 x 2000 uniform over the range
    python tools/evaluate_fresh.py --model models/date_inverse --count 10000

Prints one JSON object: the table (correct, total, exact_match per group and "all") and how the
inputs were drawn. The shipped models' COMMAND.txt files quote its output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def as_json(table) -> dict:
    """exact_match_by_group's table as {group: {"correct", "total", "exact_match"}}."""
    return {str(group): {"correct": int(row.correct), "total": int(row.total), "exact_match": round(float(row.exact_match), 5)}
            for group, row in table.iterrows()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a saved model directory")
    parser.add_argument("--count", type=int, default=10_000, help="fresh inputs (hex: per number of digits)")
    parser.add_argument("--seed", type=int, default=None, help="default: helpers.fresh_evaluation.FRESH_SEED")
    arguments = parser.parse_args()

    from helpers.fresh_evaluation import (FRESH_SEED, decimal_numbers_by_digits, exact_match_by_group,
                                          exact_match_raised_or_returned)
    from helpers.functions import get_function
    from helpers.storage import load_model

    stored = load_model(arguments.model)
    seed = FRESH_SEED if arguments.seed is None else arguments.seed
    function = get_function(stored.task)
    started = time.monotonic()
    if stored.task == "hex":
        inputs = decimal_numbers_by_digits(arguments.count, max_digits=function.max_input_bytes, seed=seed)
        targets = [function.output_text(text) for text in inputs]
        groups, drawn = [len(text) for text in inputs], f"{arguments.count} random numbers per number of digits"
        table = exact_match_by_group(stored.model, inputs, targets, groups)
    else:
        drawn = f"{arguments.count} inputs from the {stored.task} generator"
        table = exact_match_raised_or_returned(stored.model, stored.task, arguments.count, seed)
    report = {
        "model": arguments.model, "task": stored.task, "inputs": drawn, "seed": seed,
        "decode_seconds": round(time.monotonic() - started, 1),
        "exact_match": as_json(table),
    }
    if stored.task == "hex":
        # the measure of hex's target: fresh numbers drawn uniformly over the whole range (90% have the most digits)
        rng = random.Random(seed + 1)
        uniform = [str(rng.randrange(10 ** function.max_input_bytes)) for _ in range(arguments.count * 5)]
        row = exact_match_by_group(stored.model, uniform, [function.output_text(text) for text in uniform],
                                   ["uniform"] * len(uniform)).loc["uniform"]
        report["uniform_over_range"] = {"range": f"0 <= n < 10**{function.max_input_bytes}", "correct": int(row.correct),
                                        "total": int(row.total), "exact_match": round(float(row.exact_match), 5)}
        # and the generator's own mix, where a share of the inputs are text that int() rejects
        table = exact_match_raised_or_returned(stored.model, stored.task, arguments.count, seed)
        report["generator_mix"] = as_json(table)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
