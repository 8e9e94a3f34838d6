"""Scoring a learned function against the real one (the oracle)."""

from __future__ import annotations

import json

from helpers.functions import LearnedFunction, predicted_error


def evaluate_records(function: LearnedFunction, records: list[dict], worst: int = 10) -> dict:
    """Exact match of ``predict`` records against ``function``.

    records: dicts with "input", "output", "ok", "score" (see ``helpers.cli.predict_records``).
    Inputs the real function rejects (it raises ValueError) or the model cannot take are counted
    apart, never dropped silently. For list outputs (urlparse) the per-field accuracy is included.
    """
    compared = correct = rejected_by_function = rejected_by_model = 0
    raised = raised_right = listed = 0  # rows whose target is an error object / a list (per-field accuracy)
    field_correct: list[int] = []
    scored: list[tuple[float, bool]] = []  # (score, right) for the confidence report
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
        if record.get("score") is not None:
            scored.append((float(record["score"]), record["output"] == expected))
        if record["output"] == expected:
            correct += 1
        else:
            failures.append({"input": record["input"], "expected": expected, "got": record["output"],
                             "score": record["score"]})
        expected_value = json.loads(expected)
        if predicted_error(expected_value) is not None:
            raised += 1
            raised_right += record["output"] == expected
        if isinstance(expected_value, list):
            listed += 1
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
        "function_raised": raised,  # compared rows where the real function raised (errors as outputs)
        "function_raised_right": raised_right,  # ... and the model answered with the same error object
    }
    if field_correct and listed:
        names = function.output_fields
        report["field_accuracy"] = {
            (names[index] if names and index < len(names) else str(index)): count / listed
            for index, count in enumerate(field_correct)
        }
    if scored:
        # does the score flag the wrong outputs? (threshold keeping 99% of the right ones)
        report["confidence"] = confidence_report([score for score, _ in scored], [right for _, right in scored])
    failures.sort(key=lambda failure: -(failure["score"] or 0.0))
    report["worst_failures"] = failures[:worst]
    return report


def load_lines(path) -> list[str]:
    """A text file of inputs, one per line (``lines.read_text_lines``: the format of dev_urls.txt)."""
    from helpers.lines import read_text_lines

    return read_text_lines(path)


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


def confidence_report(scores, correct, keep_right: float = 0.99) -> dict:
    """How well a confidence score separates right from wrong outputs.

    The threshold is the highest score that keeps at least ``keep_right`` of the right outputs at or
    above it; the report says which share of the wrong outputs falls below it (would be flagged).
    scores: (n,) floats, higher = more confident; correct: (n,) bools.
    """
    import numpy as np

    scores, correct = np.asarray(scores, dtype=float), np.asarray(correct, dtype=bool)
    if scores.shape != correct.shape:
        raise ValueError(f"scores {scores.shape} and correct {correct.shape} differ in shape")
    right, wrong = scores[correct], scores[~correct]
    if right.size == 0:
        return {"threshold": None, "right": 0, "wrong": int(wrong.size), "wrong_flagged": None}
    threshold = float(np.quantile(right, 1.0 - keep_right, method="lower"))
    return {
        "threshold": threshold,
        "right": int(right.size),
        "right_kept": float((right >= threshold).mean()),
        "wrong": int(wrong.size),
        "wrong_flagged": float((wrong < threshold).mean()) if wrong.size else None,
    }


def url_feature_shares(urls: list[str]) -> dict:
    """Share of URLs with each feature that makes parsing hard, plus length quantiles: to compare a
    generator with real data at a glance."""
    import re
    from urllib.parse import urlparse

    import numpy as np

    parsed = []
    for url in urls:
        try:
            parsed.append((url, urlparse(url)))
        except ValueError:
            continue
    count = max(len(parsed), 1)

    def share(test) -> float:
        return round(sum(1 for url, parts in parsed if test(url, parts)) / count, 4)

    lengths = np.array([len(url) for url, _ in parsed]) if parsed else np.zeros(1)
    return {
        "count": len(parsed),
        "length_median": float(np.median(lengths)),
        "length_p95": float(np.percentile(lengths, 95)),
        "length_max": int(lengths.max()),
        "http": share(lambda u, p: p.scheme == "http"),
        "https": share(lambda u, p: p.scheme == "https"),
        "no_scheme": share(lambda u, p: not p.scheme),
        "other_scheme": share(lambda u, p: p.scheme not in ("", "http", "https")),
        "query": share(lambda u, p: bool(p.query)),
        "fragment": share(lambda u, p: bool(p.fragment)),
        "params": share(lambda u, p: bool(p.params)),
        "port": share(lambda u, p: bool(re.search(r":\d*$", p.netloc))),
        "userinfo": share(lambda u, p: "@" in p.netloc),
        "non_ascii": share(lambda u, p: not u.isascii()),
        "percent_encoding": share(lambda u, p: bool(re.search("%[0-9a-fA-F]{2}", u))),
        "upper_case": share(lambda u, p: any(c.isupper() for c in u)),
    }
