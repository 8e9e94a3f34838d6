"""A urlparse model, rule by rule: exact match on the inputs of each rule of ``helpers.urlparse_rules``.

    python tools/evaluate_rules.py --model models/urlparse [--count 100]

Targets come from the real urlparse: its six fields as compact JSON, or ``{"error":"ValueError"}``
where it raises (the form a model that learns errors answers in). Prints one row per rule (exact
match, and how many outputs parse as JSON) and the exact match over all of them; then the same for
fresh generated URLs with control characters in them (``--control-count``), whose outputs must escape
them as ``json.dumps`` does (``\\u0016``): the share of those outputs that parse as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parses_as_json(text: str | None) -> bool:
    try:
        json.loads(text)
    except (TypeError, ValueError):
        return False
    return True


def control_character_urls(count: int, seed: int, max_bytes: int) -> list[str]:
    """``count`` fresh URLs from the generators that put control characters in (``leading_space_url``:
    C0 controls and spaces around and inside a URL; ``control_character_url``: tabs and newlines),
    each holding at least one control character, each at most ``max_bytes`` long."""
    import random

    from helpers.url_generator import control_character_url, leading_space_url

    rng = random.Random(seed)
    urls = []
    while len(urls) < count:
        url = (leading_space_url if rng.random() < 0.5 else control_character_url)(rng)
        if len(url.encode("utf-8")) <= max_bytes and any(ord(character) < 32 or ord(character) == 127 for character in url):
            urls.append(url)
    return urls


def main() -> int:
    from helpers.decoders import GreedyDecoder, use_threads_for_decoding
    from helpers.functions import error_output, to_json_text
    from helpers.storage import load_model
    from helpers.urlparse_rules import RULES, RULES_FUNCTION, fields, rule_inputs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--count", type=int, default=100, help="inputs per rule")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--control-count", type=int, default=1000,
                        help="fresh generated URLs with control characters to decode (0: none)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--record", action="store_true", help="write the figures into the model's evaluations.json")
    arguments = parser.parse_args()

    use_threads_for_decoding()
    stored = load_model(arguments.model)
    if stored.task != RULES_FUNCTION:
        print(f"error: {arguments.model} is a model of {stored.task!r}, not {RULES_FUNCTION}", file=sys.stderr)
        return 2
    decoder = GreedyDecoder(stored.model)
    max_bytes = stored.model.config.max_input_length - 1
    rows, right_total, count_total = [], 0, 0
    for rule in RULES:
        inputs = rule_inputs(rule, arguments.count, seed=arguments.seed, max_bytes=max_bytes)
        targets = [error_output(ValueError()) if fields(url) is None else to_json_text(fields(url)) for url in inputs]
        decoded = decoder(inputs).texts
        right = sum(got == want for got, want in zip(decoded, targets))
        wrong = [(url, want, got) for url, want, got in zip(inputs, targets, decoded) if got != want]
        valid = sum(parses_as_json(got) for got in decoded)
        rows.append({"rule": rule.name, "right": right, "count": len(inputs), "raises": rule.raises,
                     "valid_json": valid, "wrong_examples": wrong[:3]})
        right_total += right
        count_total += len(inputs)
        print(f"{right / len(inputs):8.2%}  {right:4}/{len(inputs):<4} JSON {valid:4}  {rule.name}"
              f"{'  (urlparse raises)' if rule.raises else ''}", flush=True)
    print(f"{right_total / count_total:8.2%}  {right_total}/{count_total} over {len(RULES)} rules")
    if arguments.control_count:
        inputs = control_character_urls(arguments.control_count, arguments.seed + 1, max_bytes)
        targets = [error_output(ValueError()) if fields(url) is None else to_json_text(fields(url)) for url in inputs]
        decoded = decoder(inputs).texts
        valid = sum(parses_as_json(got) for got in decoded)
        right = sum(got == want for got, want in zip(decoded, targets))
        rows.append({"set": "generated URLs with control characters", "right": right, "count": len(inputs),
                     "valid_json": valid,
                     "wrong_examples": [(u, w, g) for u, w, g in zip(inputs, targets, decoded) if g != w][:3]})
        print(f"generated URLs with control characters: {valid}/{len(inputs)} outputs parse as JSON "
              f"({valid / len(inputs):.2%}), {right}/{len(inputs)} exact ({right / len(inputs):.2%})")
    if arguments.record:
        from helpers.records import record

        suite = f"helpers.urlparse_rules: {len(RULES)} rules x {arguments.count} inputs, seed {arguments.seed}"
        record(arguments.model, "rule suite exact match", suite, right_total, count_total)
        for row in rows:
            if row.get("raises"):
                record(arguments.model, f"error family {row['rule']}: answered {{\"error\":\"ValueError\"}}",
                       suite, row["right"], row["count"])
            elif "set" in row:
                data = f"{row['count']} generated URLs with control characters, seed {arguments.seed + 1}"
                record(arguments.model, "outputs that parse as JSON", data, row["valid_json"], row["count"])
                record(arguments.model, "exact match", data, row["right"], row["count"])
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
