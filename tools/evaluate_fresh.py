"""Exact match of a saved model on fresh inputs: its generator's mix, split into inputs on which the real
function returned and those on which it raised; by group and on the target draw where its entry has them
(hex: by number of digits, and uniform below 10**6).

    python tools/evaluate_fresh.py --model models/hex --count 2000      # 2000 numbers per digit count,
                                                                        # and 5 x 2000 uniform over the range
    python tools/evaluate_fresh.py --model models/date_inverse --count 10000

Prints one JSON object: each table (correct, total, exact_match per group and "all") and how the
inputs were drawn. The shipped models' COMMAND.txt files quote its output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def as_json(table) -> dict:
    """exact_match_by_group's table as {group: {"correct", "total", "exact_match"}}."""
    return {str(group): {"correct": int(row.correct), "total": int(row.total), "exact_match": round(float(row.exact_match), 5)}
            for group, row in table.iterrows()}


GENERATOR_MIX = "{count} fresh inputs of the generator's mix, seed {seed}"  # the records' data on the mix


def generator_mix(data: str) -> tuple[int, int] | None:
    """(count, seed) of a record's ``data`` written from GENERATOR_MIX, else None."""
    pattern = re.escape(GENERATOR_MIX).replace(r"\{count\}", r"(?P<count>\d+)").replace(r"\{seed\}", r"(?P<seed>\d+)")
    match = re.fullmatch(pattern, data)
    return (int(match["count"]), int(match["seed"])) if match else None


def write_records(model: str, report: dict, count: int, seed: int) -> None:
    """Each table of ``report`` as records of the model (helpers.records)."""
    from helpers.records import record

    mix = GENERATOR_MIX.format(count=count, seed=seed)
    for group, row in report["generator_mix"].items():
        record(model, "exact match" if group == "all" else f"exact match, {group}", mix, row["correct"], row["total"])
    for group, row in report.get("exact_match_by_group", {}).items():
        record(model, "exact match" if group == "all" else f"exact match, group {group}",
               f"{count} fresh inputs per group, seed {seed}", row["correct"], row["total"])
    if "target_draw" in report:
        target = report["target_draw"]
        record(model, "exact match", f"{target['total']} fresh inputs, {target['draw']}, seed {seed + 1}",
               target["correct"], target["total"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a saved model directory")
    parser.add_argument("--count", type=int, default=10_000, help="fresh inputs (hex: per number of digits)")
    parser.add_argument("--seed", type=int, default=None, help="default: helpers.fresh_evaluation.FRESH_SEED")
    parser.add_argument("--record", action="store_true", help="write the figures into the model's evaluations.json")
    arguments = parser.parse_args()

    from helpers.fresh_evaluation import FRESH_SEED, exact_match_by_group, exact_match_raised_or_returned, target_examples
    from helpers.functions import get_function
    from helpers.decoders import use_threads_for_decoding
    from helpers.storage import load_model

    use_threads_for_decoding()
    stored = load_model(arguments.model)
    seed = FRESH_SEED if arguments.seed is None else arguments.seed
    function = get_function(stored.task)
    started = time.monotonic()
    report = {"model": arguments.model, "task": stored.task, "seed": seed}
    if function.grouped_inputs is not None:  # as many inputs of each group as the entry draws (hex: digits)
        inputs = function.grouped_inputs(arguments.count, seed)
        targets = [function.output_text(text) for text in inputs]
        report["inputs"] = f"{arguments.count} inputs per group"
        report["exact_match_by_group"] = as_json(exact_match_by_group(
            stored.model, inputs, targets, [function.input_group(text) for text in inputs]))
    drawn = target_examples(stored.task, arguments.count * 5, seed + 1)  # as the accuracy target is stated
    if drawn is not None:
        row = exact_match_by_group(stored.model, *drawn, ["target"] * len(drawn[0])).loc["target"]
        report["target_draw"] = {"draw": function.target_inputs.__doc__.split(":")[0].strip(),
                                 "correct": int(row.correct), "total": int(row.total),
                                 "exact_match": round(float(row.exact_match), 5)}
    # the generator's own mix, split by whether the real function raised
    report["generator_mix"] = as_json(exact_match_raised_or_returned(stored.model, stored.task, arguments.count, seed))
    report["decode_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=1))
    if arguments.record:
        write_records(arguments.model, report, arguments.count, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
