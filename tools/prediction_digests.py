"""Fingerprints of what every shipped model answers, to prove that a change of code changes no output.

    python tools/prediction_digests.py write    # record: tests/prediction_digests.json
    python tools/prediction_digests.py check    # the same figures now? (exit 1 and the differences if not)

For each model folder under models/ (ported ones included) and each input file (the first 5,000 lines
of data/real_urls.txt, present everywhere, and ../shared/data/dev_urls.txt where it exists), the
SHA-256 of the outputs ``predict_records`` gives, one per line (the decoded text, or the reason a line
has none). Scores are left out: they are floats whose last bits may move with the order of the
arithmetic, while the text is what a user reads. tests/test_prediction_digests.py runs ``check``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DIGESTS = ROOT / "tests" / "prediction_digests.json"
REAL_LINES = 5_000  # enough to cover every decoding path (long and short, rejected, errors), quick to decode


def model_folders() -> list[Path]:
    return sorted(path.parent for path in (ROOT / "models").rglob("config.json"))


def input_sets() -> dict[str, list[bytes]]:
    from helpers.locations import DEV_URLS_PATH, REAL_URLS_PATH
    from helpers.lines import read_lines

    sets = {"real_urls.txt[:5000]": read_lines(REAL_URLS_PATH)[:REAL_LINES]}
    if DEV_URLS_PATH.is_file():
        sets["dev_urls.txt"] = read_lines(DEV_URLS_PATH)
    return sets


def digest(folder: Path, lines: list[bytes]) -> str:
    from helpers.prediction import greedy_decoding, predict_records
    from helpers.storage import load_model

    stored = load_model(folder)
    answers = hashlib.sha256()  # TensorFlow's GreedyDecoder: tests/test_numpy_decoding.py holds the NumPy engine to it
    for record in predict_records(stored.task, stored.model.config.max_input_length, greedy_decoding(stored.model), lines):
        answers.update(json.dumps([record["output"], record.get("error")], ensure_ascii=False).encode("utf-8") + b"\n")
    return answers.hexdigest()


def current(sets: dict[str, list[bytes]]) -> dict[str, dict[str, str]]:
    return {str(folder.relative_to(ROOT)): {name: digest(folder, lines) for name, lines in sets.items()}
            for folder in model_folders()}


def differences(recorded: dict, now: dict) -> list[str]:
    """Each (model, input set) whose digest differs, or that one side has and the other lacks; an input
    set missing here (no ../shared) is skipped."""
    problems = []
    for model in sorted(set(recorded) | set(now)):
        if model not in now or model not in recorded:
            problems.append(f"{model}: {'no longer shipped' if model not in now else 'has no recorded digest'}")
            continue
        for name, value in now[model].items():
            if recorded[model].get(name) != value:
                problems.append(f"{model} on {name}: the outputs changed")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["write", "check"])
    arguments = parser.parse_args()
    now = current(input_sets())
    if arguments.action == "write":
        DIGESTS.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {DIGESTS.relative_to(ROOT)}: {len(now)} models")
        return 0
    problems = differences(json.loads(DIGESTS.read_text()), now)
    for problem in problems:
        print(problem)
    print(f"{len(now)} models: {'same outputs' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
