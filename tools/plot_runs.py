"""Validation exact match against training steps, several training runs in one plot (a lever's curve
beside its baseline's).

    python tools/plot_runs.py runs/hex-levers runs/hex-target --out runs/hex-target/curves.png

Each run folder (``python -m helpers train --out RUN``) gives its curve from ``history.json`` (one point
per epoch) and its ``steps_per_epoch`` from ``run.json``; the legend names the folders. Prints each
run's last point.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run_curve(folder: Path) -> tuple[list[int], list[float]]:
    """(steps, validation exact match) after each epoch of the run in ``folder``."""
    try:
        history = json.loads((folder / "history.json").read_text())
        steps_per_epoch = json.loads((folder / "run.json").read_text())["training"]["steps_per_epoch"]
    except (OSError, json.JSONDecodeError, KeyError) as error:
        raise ValueError(f"{folder} is not a training run with a history ({type(error).__name__}: {error})") from error
    return [(index + 1) * steps_per_epoch for index in range(len(history))], [epoch["val_exact_match"] for epoch in history]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="training run folders")
    parser.add_argument("--out", required=True, help="the PNG to write")
    arguments = parser.parse_args(argv)
    try:
        curves = {folder: run_curve(Path(folder)) for folder in arguments.runs}
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4))
    for folder, (steps, exact) in curves.items():
        axis.plot(steps, exact, label=folder)
        print(f"{folder}: {exact[-1]:.4f} after {steps[-1]:,} steps")
    axis.set_xlabel("training steps")
    axis.set_ylabel("validation exact match")
    axis.set_ylim(0, 1.02)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(arguments.out, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
