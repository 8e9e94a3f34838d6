"""A model's measurements, written once, by the command that measured them.

    models/NAME/evaluations.json   [{"measure": ..., "data": ..., "correct": ..., "total": ..., "value": ...,
                                     "date": ..., "hardware": ..., "commit": ..., "command": ...}, ...]

Every figure the README, a model card or a notebook's prose quotes about a shipped model comes from
a record here (or from its metrics.json, which training writes): tools/readme_figures.py builds the
README's table from them, and a test fails when a quoted figure and its record disagree. A record
replaces an older one of the same measure on the same data.
"""

from __future__ import annotations

import datetime
import json
import shlex
import sys
from pathlib import Path

from helpers.environment import code_commit, machine_description

EVALUATIONS_FILE = "evaluations.json"


def read_records(model_directory: str | Path) -> list[dict]:
    path = Path(model_directory) / EVALUATIONS_FILE
    if not path.is_file():
        return []
    try:
        records = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is damaged ({error}): write its records again") from error
    if not isinstance(records, list):
        raise ValueError(f"{path} must hold a list of records")
    return records


def record(model_directory: str | Path, measure: str, data: str, correct: int, total: int,
           command: list[str] | None = None) -> dict:
    """Writes (or replaces) the record of ``measure`` on ``data``: ``correct`` of ``total``, with the
    date, the machine, the code's commit and the command line (default: this process's)."""
    from helpers.storage import write_text_atomically

    if total < 1 or not 0 <= correct <= total:
        raise ValueError(f"a record needs 0 <= correct <= total and total >= 1, got {correct} of {total}")
    entry = {
        "measure": measure, "data": data, "correct": int(correct), "total": int(total),
        "value": round(correct / total, 6),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "hardware": machine_description(), "commit": code_commit(),
        "command": shlex.join(command if command is not None else ["python", *sys.argv]),
    }
    kept = [old for old in read_records(model_directory) if (old.get("measure"), old.get("data")) != (measure, data)]
    path = Path(model_directory) / EVALUATIONS_FILE
    write_text_atomically(path, json.dumps(kept + [entry], indent=1, ensure_ascii=False) + "\n")
    return entry



def trainings(model_directory: str | Path, root: str | Path = ".") -> list[dict]:
    """The ``metrics.json`` of each training that made a model, first to last. A training that went on
    from another model's weights (``training_config.initial_model``, a path from ``root``, where the
    command ran) is preceded by that model's own trainings; the chain stops where a folder is missing."""
    from helpers.storage import METRICS_FILE

    chain, seen = [], set()
    directory: Path | None = Path(model_directory)
    while directory is not None and (directory / METRICS_FILE).is_file() and directory.resolve() not in seen:
        seen.add(directory.resolve())
        metrics = json.loads((directory / METRICS_FILE).read_text())
        chain.insert(0, metrics)
        initial = (metrics.get("training_config") or {}).get("initial_model")
        directory = Path(root) / initial if initial else None
    return chain


def trained_for(model_directory: str | Path, root: str | Path = ".") -> str:
    """'60,000 steps in 84.44 minutes', or for a chain of trainings '150,000 steps in 176.6 minutes, in
    3 trainings (60,000, 60,000 and 30,000 steps, each from the weights of the one before)'."""
    chain = trainings(model_directory, root)
    if not chain:
        raise ValueError(f"{model_directory} has no metrics.json")
    steps = sum(metrics["steps"] for metrics in chain)
    minutes = round(sum(metrics["training_minutes"] for metrics in chain), 2)
    text = f"{steps:,} steps in {minutes} minutes"
    if len(chain) > 1:
        parts = [f"{metrics['steps']:,}" for metrics in chain]
        text += (f", in {len(chain)} trainings ({', '.join(parts[:-1])} and {parts[-1]} steps, each from the "
                 f"weights of the one before)")
    initial = (chain[0].get("training_config") or {}).get("initial_model")
    if initial:
        text += f" (the first from {initial}, not kept)"
    return text
