"""Scoring a learned function against the real one (the oracle)."""

from __future__ import annotations

import json

from helpers.functions import LearnedFunction


def evaluate_records(function: LearnedFunction, records: list[dict], worst: int = 10) -> dict:
    """Exact match of ``predict`` records against ``function``.

    records: dicts with "input", "output", "ok", "score" (see ``helpers.cli.predict_records``).
    Inputs the real function rejects (it raises ValueError) or the model cannot take are counted
    apart, never dropped silently. For list outputs (urlparse) the per-field accuracy is included.
    """
    compared = correct = rejected_by_function = rejected_by_model = 0
    field_correct: list[int] = []
    failures = []
    for record in records:
        if "error" in record and record["output"] is None and record["score"] is None:
            rejected_by_model += 1
            continue
        try:
            expected = function.output_text(record["input"])
        except ValueError:
            rejected_by_function += 1
            continue
        compared += 1
        if record["output"] == expected:
            correct += 1
        else:
            failures.append({"input": record["input"], "expected": expected, "got": record["output"],
                             "score": record["score"]})
        expected_value = json.loads(expected)
        if isinstance(expected_value, list):
            try:
                got_value = json.loads(record["output"]) if record["output"] is not None else None
            except json.JSONDecodeError:
                got_value = None
            if len(field_correct) < len(expected_value):
                field_correct.extend([0] * (len(expected_value) - len(field_correct)))
            for index, item in enumerate(expected_value):
                if isinstance(got_value, list) and index < len(got_value) and got_value[index] == item:
                    field_correct[index] += 1
    report = {
        "task": function.name,
        "lines": len(records),
        "compared": compared,
        "exact_match": correct / compared if compared else None,
        "wrong": compared - correct,
        "rejected_by_model": rejected_by_model,
        "rejected_by_function": rejected_by_function,
    }
    if field_correct and compared:
        names = ["scheme", "netloc", "path", "params", "query", "fragment"] if function.name == "urlparse" else None
        report["field_accuracy"] = {
            (names[index] if names and index < len(names) else str(index)): count / compared
            for index, count in enumerate(field_correct)
        }
    failures.sort(key=lambda failure: -(failure["score"] or 0.0))
    report["worst_failures"] = failures[:worst]
    return report


def load_lines(path) -> list[str]:
    """A text file of inputs, one per line, split on "\\n" only (the format of dev_urls.txt)."""
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def reference_targets(task: str, inputs: list[str]) -> tuple[list[str], list[str]]:
    """(inputs, targets) from the real function, keeping only inputs it accepts and that fit the
    task's maximum input size. Raises ValueError when that drops anything, so no row is lost silently."""
    from helpers.functions import get_function

    function = get_function(task)
    kept_inputs, targets, dropped = [], [], []
    for text in inputs:
        if not text or len(text.encode("utf-8")) > function.max_input_bytes:
            dropped.append(text)
            continue
        try:
            targets.append(function.output_text(text))
            kept_inputs.append(text)
        except ValueError:
            dropped.append(text)
    if dropped:
        raise ValueError(f"{len(dropped)} of {len(inputs)} inputs are empty, too long, or rejected by {task}: "
                         f"{dropped[:3]!r}")
    return kept_inputs, targets
