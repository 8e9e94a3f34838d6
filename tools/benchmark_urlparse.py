"""Time-to-accuracy of the urlparse recipe: train for a budget (steps or minutes), print minutes vs exact match.

    python tools/benchmark_urlparse.py --out ~/porting-code-output/bench/recipe        (the recipe's 12,000 steps)
    python tools/benchmark_urlparse.py --steps 6000 --out .../units128 --model-set units=128
    python tools/benchmark_urlparse.py --minutes 30 --out .../run --compare-averages 300 3000

Exact match is measured on real-world URLs (``../shared/data/dev_urls.txt``: evaluation only, never
trained on; a fixed 1000-URL subset after each epoch, all of them at the end) and on the recipe's
generated validation set. Evaluation time is not counted as training time. Prints a table and writes
``benchmark.json`` into the run folder.

``--compare-averages`` keeps, beside the recipe's model, more moving averages of the weights (over
other numbers of steps) and the raw weights of the last step, and measures them all at the end on the
same sets: one run compares the averaging horizons. They only watch; the saved model is the recipe's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.locations import DEV_URLS_PATH  # noqa: E402
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")



def record_in_metrics(out: Path) -> None:
    """OUT/model/metrics.json gains the benchmark's real-URL exact match and its time-to-accuracy curve,
    so that a model folder copied elsewhere (models/urlparse) carries its dev and generated figures."""
    report = json.loads((out / "benchmark.json").read_text())
    metrics_path = out / "model" / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics.update({key: report[key] for key in ("dev_exact_match", "dev_size") if key in report})
    metrics["time_to_accuracy"] = report["curve"]
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")


class FinalWeights:
    """Passive callbacks: moving averages over other horizons, and the raw weights when training ends."""

    def __init__(self, horizons: list[int]):
        import keras

        from helpers.callbacks import WeightAverage

        self.averages = [WeightAverage(steps) for steps in horizons]
        self.raw: list = []
        keeper = self

        class KeepRaw(keras.callbacks.Callback):
            def on_train_end(self, logs=None):
                keeper.raw = [variable.numpy() for variable in self.model.trainable_variables]

        self.callbacks = [*self.averages, KeepRaw()]

    def variants(self) -> dict[str, list]:
        named = {f"average over {average.steps} steps": average.average for average in self.averages}
        return {**named, "raw weights of the last step": self.raw}


def compare_weights(model, variants: dict[str, list], sets: dict[str, tuple[list[str], list[str]]]) -> dict:
    """Exact match of the model as trained and with each variant's weights, on each set."""
    from helpers.decoders import GreedyDecoder
    from helpers.training import exact_match

    variables = model.training_model.trainable_variables
    shipped = [variable.numpy() for variable in variables]
    table = {}
    for name, values in {"the recipe's model (saved)": shipped, **variants}.items():
        for variable, value in zip(variables, values):
            variable.assign(value)
        decoder = GreedyDecoder(model)
        table[name] = {set_name: exact_match(decoder(inputs).texts, targets) for set_name, (inputs, targets) in sets.items()}
        print(f"{name:34s} " + "  ".join(f"{set_name} {score:.4f}" for set_name, score in table[name].items()), flush=True)
    for variable, value in zip(variables, shipped):
        variable.assign(value)
    return table


def main() -> int:
    from helpers.decoders import GreedyDecoder
    from helpers.evaluation import load_lines, reference_targets
    from helpers.recipes import recipe
    from helpers.training import exact_match, train
    from helpers.training_config import parse_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="a step budget (default: the recipe's); the cosine scales with it")
    budget.add_argument("--minutes", type=float, help="a time budget instead; the cosine runs over time, scaled alike")
    parser.add_argument("--out", required=True)
    parser.add_argument("--recipe", default="urlparse")
    parser.add_argument("--model-set", nargs="*", default=[], help="override Seq2SeqConfig fields: name=value")
    parser.add_argument("--training-set", nargs="*", default=[], help="override TrainingConfig fields: name=value")
    parser.add_argument("--dev", default=str(DEV_URLS_PATH))
    parser.add_argument("--compare-averages", nargs="*", type=int, default=[], metavar="STEPS",
                        help="also keep moving averages of the weights over these numbers of steps, and compare")
    parser.add_argument("--record-only", action="store_true",
                        help="do not train: copy the figures of OUT/benchmark.json into OUT/model/metrics.json")
    arguments = parser.parse_args()
    if arguments.record_only:
        record_in_metrics(Path(arguments.out))
        return 0

    model_config, training_config = recipe(arguments.recipe)
    model_config = replace(model_config, **parse_settings(arguments.model_set, model_config))
    # the recipe's budget is in steps, with its cosine over a number of epochs; another budget scales the
    # cosine with it (the urlparse recipe's cosine over twice its 15 epochs becomes one over 2x --steps, or
    # over 2x --minutes of training time for a time budget)
    recipe_epochs, decay_epochs = training_config.epochs, training_config.learning_rate_decay_epochs
    settings = {}
    if arguments.steps:
        epochs = max(1, -(-arguments.steps // training_config.steps_per_epoch))
        settings = {"epochs": epochs, "max_minutes": None,
                    "learning_rate_decay_epochs": round(decay_epochs * epochs / recipe_epochs) if decay_epochs else None}
    elif arguments.minutes:
        settings = {"epochs": 100_000, "max_minutes": arguments.minutes, "learning_rate_decay_epochs": None,
                    "learning_rate_decay_minutes": arguments.minutes * decay_epochs / recipe_epochs if decay_epochs else None}
    settings.update(parse_settings(arguments.training_set, training_config))
    training_config = replace(training_config, **settings)
    monitor = {}
    dev_inputs, dev_targets = [], []
    if Path(arguments.dev).is_file():
        dev_inputs, dev_targets = reference_targets(training_config.task, load_lines(arguments.dev))
        monitor["dev1000"] = (dev_inputs[:1000], dev_targets[:1000])
    else:
        print(f"no {arguments.dev}: measuring generated validation data only")
    watchers = FinalWeights(arguments.compare_averages) if arguments.compare_averages else None
    started = time.monotonic()
    result = train(training_config, model_config, arguments.out, verbose=2, monitor_sets=monitor,
                   extra_callbacks=watchers.callbacks if watchers else [])
    wall = time.monotonic() - started

    report = {"recipe": arguments.recipe, "model_set": arguments.model_set, "training_set": arguments.training_set,
              "wall_minutes": round(wall / 60, 2), "metrics": result.metrics}
    if dev_inputs:
        decoded = GreedyDecoder(result.model)(dev_inputs)
        report["dev_exact_match"] = exact_match(decoded.texts, dev_targets)
        report["dev_size"] = len(dev_inputs)
    report["curve"] = [{"minutes": round(epoch.get("minutes", 0.0), 2),
                        "validation_exact_match": epoch.get("val_exact_match"),
                        "dev1000_exact_match": epoch.get("dev1000_exact_match"),
                        "token_accuracy": epoch.get("val_masked_token_accuracy")} for epoch in result.history]
    if watchers:
        print("\nthe same run with other weights (generated validation, all real URLs):")
        sets = {"generated": (result.validation_inputs, result.validation_targets)}
        if dev_inputs:
            sets["dev"] = (dev_inputs, dev_targets)
        report["weight_comparison"] = compare_weights(result.model, watchers.variants(), sets)
    Path(arguments.out, "benchmark.json").write_text(json.dumps(report, indent=2) + "\n")
    record_in_metrics(Path(arguments.out))

    print("\nminutes | generated validation exact | dev (1000) exact | token accuracy")
    for point in report["curve"]:
        print(f"{point['minutes']:7.2f} | {point['validation_exact_match']:.4f} | "
              f"{(point['dev1000_exact_match'] or 0):.4f} | {point['token_accuracy']:.5f}")
    if dev_inputs:
        print(f"final: dev exact match {report['dev_exact_match']:.4f} on {len(dev_inputs)} real URLs; "
              f"generated validation {result.metrics['validation_exact_match']:.4f}; "
              f"{result.metrics['training_minutes']} training minutes ({result.metrics['hardware']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
